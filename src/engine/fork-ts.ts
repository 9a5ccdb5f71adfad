import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** tsx's ESM loader, resolved from this package so it works wherever ledgerbench is installed. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Forks a Node process that runs a TypeScript entry (and can import TS workloads) through tsx.
 * The child gets an IPC channel with structured-clone serialization, so typed arrays and plain objects
 * cross without JSON.
 */
export function forkTs(entry: string, args: string[], options: ForkOptions = {}): ChildProcess {
  return fork(entry, args, {
    ...options,
    execArgv: ['--import', TSX_LOADER, ...(options.execArgv ?? [])],
    serialization: 'advanced',
  });
}
