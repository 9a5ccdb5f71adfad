/**
 * `ledgerbench network up <profile>` for a profile that asks for a deployment: the chaincode processes
 * ledgerbench runs for it must outlive the command, so a detached owner process (main.ts) does what a
 * run does and keeps them until `network down` sends it SIGTERM.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../config/errors.ts';
import { siblingModule } from '../../module-path.ts';
import type { NetworkProcessMessage } from '../embedded/main.ts';

const MAIN = siblingModule(import.meta.url, './main');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** The deployment takes 5 to 20 s here; the readiness wait in it has its own timeout. */
const UP_TIMEOUT_MS = 300_000;

/**
 * Starts the owner with its output in `<stateDir>/network.log`, in `workspace` (where Caliper's
 * commands run and relative paths are found), and resolves with its pid once the profile's deployment
 * is done. On failure the owner has stopped what it started and the error carries the log's tail.
 */
export async function profileNetworkUp(file: string, stateDir: string, workspace: string): Promise<{ pid: number }> {
  const logFile = join(stateDir, 'network.log');
  const fd = openSync(logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, ['--import', TSX, MAIN, file], { detached: true, stdio: ['ignore', fd, fd, 'ipc'], cwd: workspace, env: { ...process.env, CALIPER_WORKSPACE: workspace } });
  } finally {
    closeSync(fd);
  }
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };
  const ready = await new Promise<Extract<NetworkProcessMessage, { type: 'ready' }>>((resolve, reject) => {
    const settle = (err: Error | null, msg?: Extract<NetworkProcessMessage, { type: 'ready' }>) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(msg!);
    };
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      settle(new Error(`${file}: the deployment did not finish within ${UP_TIMEOUT_MS / 1000}s\n${tail()}`));
    }, UP_TIMEOUT_MS);
    const onMessage = (m: NetworkProcessMessage) => {
      if (m.type === 'ready') settle(null, m);
      else if (m.config) settle(new ConfigError(m.config.file, m.config.field, m.config.problem, m.config.fix));
      else settle(new Error(`${file}: setting the network up failed: ${m.message}\n${tail()}`));
    };
    // An error message may still be in flight when the process exits; give it a moment.
    const onExit = (code: number | null, signal: string | null) => {
      setTimeout(() => settle(new Error(`${file}: the process setting the network up exited (code ${code}, signal ${signal})\n${tail()}`)), 100);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
  child.disconnect();
  child.unref();
  return { pid: ready.pid };
}
