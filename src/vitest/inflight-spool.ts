/**
 * On Ctrl-C the terminal signals Vitest and its test processes at once, and Vitest exits a moment
 * later without hearing from them. A test process whose round was running stops it (workers drain
 * for up to 2 s), writes the round here, and only then lets the signal end it; the reporter's signal
 * handler in Vitest's process waits a few seconds for these files and reports their rounds.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoundResult } from '../stats/types.ts';

/** How long the reporter waits for the rounds still running when the signal came. */
export const SPOOL_WAIT_MS = 5000;

const folder = (resultsDir: string) => join(resultsDir, '.inflight');

/** Writes an interrupted round for the reporter (synchronously: the process is about to end). */
export function spoolRound(resultsDir: string, round: RoundResult): void {
  mkdirSync(folder(resultsDir), { recursive: true });
  writeFileSync(join(folder(resultsDir), `${process.pid}-${Date.now()}.json`), JSON.stringify(round));
}

/**
 * Waits (blocking: it runs inside a signal handler right before the process exits) until `expected`
 * rounds are spooled or SPOOL_WAIT_MS passes, then takes them out of the spool.
 */
export function collectSpooledRounds(resultsDir: string, expected: number): RoundResult[] {
  const dir = folder(resultsDir);
  const deadline = Date.now() + SPOOL_WAIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const files = () => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  };
  while (files().length < expected && Date.now() < deadline) Atomics.wait(pause, 0, 0, 50);
  const rounds: RoundResult[] = [];
  for (const f of files()) {
    try {
      rounds.push(JSON.parse(readFileSync(join(dir, f), 'utf8')) as RoundResult);
    } catch {
      // half written when the wait ended: nothing to report from it
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return rounds;
}
