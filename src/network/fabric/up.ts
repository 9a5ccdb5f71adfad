/**
 * `ledgerbench network up` for a `type: fabric` file: the network is owned by a detached process
 * (main.ts) that outlives the command and stops the network on SIGTERM, which `network down` sends.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../config/errors.ts';
import { siblingModule } from '../../module-path.ts';
import type { NetworkProcessMessage } from '../embedded/main.ts';
import type { FabricNetworkFileConfig } from './config.ts';

const MAIN = siblingModule(import.meta.url, './main');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** Bring-up takes 5 to 15 s here; a slow machine gets much more before we give up. */
const UP_TIMEOUT_MS = 180_000;

/**
 * Starts the owner process with its output in `<stateDir>/network.log` and resolves once the network
 * is ready, with the connection file it wrote under `stateDir` and the owner's pid. On failure the
 * owner is gone (it stops what it started) and the error carries the log's tail.
 */
export async function fabricNetworkUp(cfg: FabricNetworkFileConfig, stateDir: string): Promise<{ connectionFile: string; pid: number }> {
  const logFile = join(stateDir, 'network.log');
  const fd = openSync(logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, ['--import', TSX, MAIN, cfg.file, stateDir], { detached: true, stdio: ['ignore', fd, fd, 'ipc'], cwd: dirname(MAIN), env: process.env });
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
      settle(new Error(`the fabric network did not come up within ${UP_TIMEOUT_MS / 1000}s\n${tail()}`));
    }, UP_TIMEOUT_MS);
    const onMessage = (m: NetworkProcessMessage) => {
      if (m.type === 'ready') settle(null, m);
      else if (m.config) settle(new ConfigError(m.config.file, m.config.field, m.config.problem, m.config.fix));
      else settle(new Error(`the fabric network failed to start: ${m.message}\n${tail()}`));
    };
    // An error message may still be in flight when the process exits; give it a moment.
    const onExit = (code: number | null, signal: string | null) => {
      setTimeout(() => settle(new Error(`the fabric network's process exited during start (code ${code}, signal ${signal})\n${tail()}`)), 100);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
  child.disconnect();
  child.unref();
  return { connectionFile: ready.connectionFile, pid: ready.pid };
}
