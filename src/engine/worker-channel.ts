/**
 * How the manager talks to one worker, wherever it runs: a local child process, or (through an agent)
 * a process on another host. The manager only sees this interface.
 */
import type { ChildProcess } from 'node:child_process';
import { register as registerTsxRequire } from 'tsx/cjs/api';
import { register as registerTsxImport } from 'tsx/esm/api';
import { runningFromSources, siblingModule } from '../module-path.ts';
import { forkTs } from './fork-ts.ts';
import type { FromWorker, ToWorker } from './messages.ts';

export interface WorkerChannel {
  /** Local PID, for the process monitor; undefined when the worker runs elsewhere. */
  readonly pid?: number;
  /** Where it runs, for messages (e.g. `local` or `agent host-a`). */
  readonly where: string;
  send(msg: ToWorker): void;
  onMessage(listener: (msg: FromWorker) => void): void;
  /** The worker's stderr, as it comes. */
  onStderr(listener: (text: string) => void): void;
  /** Called once when the worker is gone, with its exit code or signal when known. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Asks the worker to leave; forces it after `graceMs`. Resolves when it is gone. */
  close(graceMs: number): Promise<void>;
}

/** Starts the worker processes of one round. */
export type WorkerLauncher = (count: number) => Promise<WorkerChannel[]>;

const WORKER_ENTRY = siblingModule(import.meta.url, './worker-main');

/*
 * The manager imports each workload module once before it starts the workers, to check it. From the
 * sources that import runs inside Vitest or tsx, which load TypeScript; from the published dist/ it
 * runs on plain Node (Vitest's test process, or the bin), which refuses `.ts`. Registering tsx's
 * loader here, as every worker gets it (fork-ts.ts), makes the manager load a workload the way its
 * workers will, whatever the build.
 */
if (!runningFromSources(import.meta.url)) {
  registerTsxImport();
  registerTsxRequire();
}

/** Workers as child processes of this one (Caliper's `clients: { type: local }`). */
export const localLauncher: WorkerLauncher = async (count) => Array.from({ length: count }, () => childChannel(forkTs(WORKER_ENTRY, [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] })));

function childChannel(child: ChildProcess): WorkerChannel {
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return {
    pid: child.pid,
    where: 'local',
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (listener) => child.on('message', listener),
    onStderr: (listener) => child.stderr?.on('data', (chunk: Buffer) => listener(chunk.toString())),
    onExit: (listener) => child.once('exit', listener),
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const hard = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(hard);
          resolve();
        });
        // Disconnecting makes the worker leave at once (see worker-main.ts); a worker stuck in a busy
        // loop never sees it, hence the SIGKILL above.
        if (child.connected) child.disconnect();
        else child.kill('SIGTERM');
      }),
  };
}
