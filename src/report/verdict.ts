/** How a round and a whole run are judged in every report, so the terminal, HTML and Markdown agree. */
import type { ExpectationOutcome, RoundResult } from '../stats/types.ts';

/**
 * `fail`: an expectation broke; `aborted`: the round ended early (its figures are partial);
 * `pass`: every expectation held; `none`: the round had no expectations and ran to its end.
 */
export type RoundVerdict = 'pass' | 'fail' | 'aborted' | 'none';

/** The verdict of one round. An aborted round counts as failed even without expectations. */
export function roundVerdict(round: RoundResult): RoundVerdict {
  if (round.aborted) return 'aborted';
  const list = round.expectations ?? [];
  if (list.some((e) => !e.pass)) return 'fail';
  return list.length > 0 ? 'pass' : 'none';
}

/** Expectations of a round that did not hold. */
export function failedExpectations(round: RoundResult): ExpectationOutcome[] {
  return (round.expectations ?? []).filter((e) => !e.pass);
}

/** Rounds counted as passed (pass or none) and failed (fail or aborted). */
export function tally(rounds: RoundResult[]): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const r of rounds) {
    const v = roundVerdict(r);
    if (v === 'fail' || v === 'aborted') failed++;
    else passed++;
  }
  return { passed, failed };
}

/** Seconds between two ISO instants, or null when either does not parse. */
export function secondsBetween(from: string, to: string): number | null {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) ? (b - a) / 1000 : null;
}
