/**
 * Errors of loading a chaincode, written for the person who has to fix the chaincode: what failed,
 * where in the chaincode's own files (stack frames in its folder, outside node_modules), which
 * folder, what to do, and the last lines the chaincode printed.
 */
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChaincodeLog } from './chaincode-log.ts';

/** A chaincode that cannot be loaded; `fix` says what to change. */
export class ChaincodeLoadError extends Error {
  readonly fix: string;

  constructor(message: string, fix: string) {
    super(message);
    this.name = 'ChaincodeLoadError';
    this.fix = fix;
  }
}

/** Stack lines shown at most. */
const FRAMES = 3;

/**
 * A ChaincodeLoadError for an error the chaincode's code threw (module top level, constructor,
 * the contract API refusing its contracts), with the chaincode's own stack frames.
 */
export function chaincodeThrew(what: string, err: unknown, dir: string, fix: string): ChaincodeLoadError {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as NodeJS.ErrnoException).code;
  const message = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' ? e.message.split('\n')[0] : e.message;
  const lines = [`${what}: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${message}`];
  const stack = (e.stack ?? '').split('\n');
  const frames = ownFrames(stack, dir);
  lines.push(...(frames.length > 0 ? frames : stack.filter((l) => /^\s+at /.test(l)).slice(0, FRAMES)).map((f) => `    ${f.trim()}`));
  lines.push(`  chaincode folder: ${dir}`);
  const missing = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
  return new ChaincodeLoadError(lines.join('\n'), missing ? `install the chaincode's dependencies: run npm install in ${dir}` : fix);
}

/** The error with the last lines the chaincode printed, when it printed any. */
export function withLogTail(err: ChaincodeLoadError, log: ChaincodeLog | undefined): ChaincodeLoadError {
  const tail = log?.tail() ?? [];
  if (!log || tail.length === 0) return err;
  return new ChaincodeLoadError(`${err.message}\n  last lines of its log ${log.file}:\n${tail.map((l) => `    | ${l}`).join('\n')}`, err.fix);
}

/**
 * Stack lines that point into the chaincode's folder, not into its node_modules: `at` frames, and
 * the `file:line` line a SyntaxError starts with.
 */
function ownFrames(stack: string[], dir: string): string[] {
  const roots = [dir + sep, `${pathToFileURL(dir).href}/`];
  return stack
    .filter((l) => /^\s+at /.test(l) || /^(file:\/\/)?\/.*:\d+$/.test(l))
    .filter((l) => roots.some((r) => l.includes(r)) && !l.includes(`${sep}node_modules${sep}`) && !l.includes('/node_modules/'))
    .slice(0, FRAMES);
}
