/**
 * A/B mode: a round's repeats run alternately against this checkout (A) and the other one (B), so
 * whatever the machine does meanwhile (another job, thermal throttling, a noisy neighbour) falls on
 * both sides alike, and B's figures take the place of a stored baseline.
 *
 * The order is A B, B A, A B, ...: pairs in alternating order, so neither side always runs first
 * after a pause (the first round of a file pays for warm-up) and a steady drift over the job cancels
 * out pair by pair instead of favouring one side.
 */
import type { RoundResult } from '../stats/types.ts';
import { mergeRepeats } from './repeat.ts';
import type { GatedRound } from './types.ts';

/** The side of repeat pair `pair`'s first and second run. */
export function pairOrder(pair: number): ['A', 'B'] | ['B', 'A'] {
  return pair % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
}

/**
 * Runs n repeats of each side interleaved (`run(side, i)` runs side's i-th repeat and may attach its
 * result to the test), and returns A's merged result with B's figures in `ab`. A repeat that aborts
 * ends both sides. On the test's meta only the merged A round is left: B is reported through it.
 */
export async function runInterleaved(n: number, checkout: string, run: (side: 'A' | 'B', i: number) => Promise<RoundResult>, meta?: { ledgerbench?: RoundResult[] }): Promise<GatedRound> {
  const sides: Record<'A' | 'B', RoundResult[]> = { A: [], B: [] };
  let order = '';
  let stopped = false;
  for (let pair = 0; pair < n && !stopped; pair++) {
    for (const side of pairOrder(pair)) {
      const r = await run(side, pair);
      sides[side].push(r);
      order += side;
      if (r.aborted) {
        stopped = true;
        break;
      }
    }
  }
  // A side that aborted first may have no repeat of B at all.
  const merged = mergeRepeats(sides.A);
  const b = sides.B.length > 0 ? (mergeRepeats(sides.B) as GatedRound) : undefined;
  const bFingerprint = (sides.B[0] as GatedRound | undefined)?.fingerprint;
  merged.ab = {
    checkout,
    repeats: b?.repeats ?? [],
    ...(b?.latencyHistogram ? { latencyHistogram: b.latencyHistogram } : {}),
    ...(bFingerprint ? { fingerprint: bFingerprint } : {}),
    ...(b?.aborted ? { aborted: b.aborted.reason } : {}),
    order,
  };
  const fingerprint = (sides.A[0] as GatedRound | undefined)?.fingerprint;
  if (fingerprint) merged.fingerprint = fingerprint;
  const all = [...sides.A, ...sides.B];
  if (meta) meta.ledgerbench = [...(meta.ledgerbench ?? []).filter((r) => !all.includes(r)), merged];
  return merged;
}
