/**
 * Detached owner processes, for `ledgerbench network up`: the command starts an owner that brings the
 * network (or a profile's deployment) up, keeps it while the command is long gone, and stops it on
 * SIGTERM from `network down`. The two halves live here: starting an owner and waiting for its word,
 * and, inside the owner, staying alive until told to stop.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/errors.ts';
import type { NetworkProcessMessage } from './embedded/main.ts';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

type Ready = Extract<NetworkProcessMessage, { type: 'ready' }>;

/** How an owner's failures are told, each with the log's tail appended. */
export interface OwnerFailureWording {
  timedOut(seconds: number): string;
  failed(message: string): string;
  exited(code: number | null, signal: string | null): string;
}

/** What {@link startDetachedOwner} runs. */
export interface DetachedOwnerOptions {
  /** The owner's entry (a .ts file run through tsx) and its arguments. */
  main: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where the owner's stdout and stderr go (appended, 0600). */
  logFile: string;
  timeoutMs: number;
  wording: OwnerFailureWording;
}

/**
 * Starts the owner detached, with its output in `logFile`, and resolves with its `ready` message. An
 * error message from it becomes a ConfigError when it carries one; a timeout stops it. Either way the
 * error carries the log's last 40 lines.
 */
export async function startDetachedOwner(o: DetachedOwnerOptions): Promise<Ready> {
  const fd = openSync(o.logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, ['--import', TSX, o.main, ...o.args], { detached: true, stdio: ['ignore', fd, fd, 'ipc'], cwd: o.cwd, env: o.env });
  } finally {
    closeSync(fd);
  }
  const tail = () => {
    try {
      return readFileSync(o.logFile, 'utf8').trimEnd().split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };
  const ready = await new Promise<Ready>((resolve, reject) => {
    const settle = (err: Error | null, msg?: Ready) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(msg!);
    };
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      settle(new Error(`${o.wording.timedOut(o.timeoutMs / 1000)}\n${tail()}`));
    }, o.timeoutMs);
    const onMessage = (m: NetworkProcessMessage) => {
      if (m.type === 'ready') settle(null, m);
      else if (m.config) settle(new ConfigError(m.config.file, m.config.field, m.config.problem, m.config.fix));
      else settle(new Error(`${o.wording.failed(m.message)}\n${tail()}`));
    };
    // An error message may still be in flight when the process exits; give it a moment.
    const onExit = (code: number | null, signal: string | null) => {
      setTimeout(() => settle(new Error(`${o.wording.exited(code, signal)}\n${tail()}`)), 100);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
  child.disconnect();
  child.unref();
  return ready;
}

/**
 * Inside an owner: runs `stop` once on SIGTERM or SIGINT, then exits (0 when it resolved). What the
 * owner keeps runs as unreferenced children, so a timer holds the event loop open: without it the
 * owner would exit and its watchdog take them down with it.
 */
export function holdUntilStopped(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  setInterval(() => {}, 3_600_000);
}
