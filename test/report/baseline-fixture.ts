/**
 * Rounds compared with their baselines, for the report tests: one whose baseline kept its latency
 * histogram (the candidate's tail is longer: a regression), one against a baseline recorded before
 * histograms were kept, and one whose baseline was refused (another definition).
 */
import type { GatedRound, MetricComparison } from '../../src/baseline/types.ts';
import { decodeHistogram, encodeHistogram, msToUs, newMergeHistogram, recordUs, toLatencyStats } from '../../src/stats/hdr.ts';
import { openRound, queryRound, runReport } from './fixtures.ts';

/** An encoded histogram of `n` latencies: a `floorMs` floor and an exponential tail of mean `tailMs`. */
export function histogramOf(n: number, floorMs: number, tailMs: number, seed = 3): string {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const h = newMergeHistogram();
  for (let i = 0; i < n; i++) recordUs(h, msToUs(floorMs + tailMs * -Math.log(rnd())));
  return encodeHistogram(h)!;
}

const metrics: MetricComparison[] = [
  { metric: 'throughput', margin: '-5%', ratio: 0.872, interval: [0.85, 0.89], baselineMedian: 1000, candidateMedian: 872, verdict: 'regression' },
  { metric: 'p95', margin: '+10%', ratio: 1.31, interval: [1.22, 1.4], baselineMedian: 95.1, candidateMedian: 124.6, verdict: 'regression' },
];

/** The baseline's and the candidate's merged histograms of the regressed round. */
export const BASELINE_HISTOGRAM = histogramOf(15_000, 20, 25, 5);
export const CANDIDATE_HISTOGRAM = histogramOf(15_000, 20, 35, 7);

export function comparedRound(): GatedRound {
  return {
    ...openRound,
    label: 'transfer',
    latency: toLatencyStats(decodeHistogram(CANDIDATE_HISTOGRAM)),
    latencyHistogram: CANDIDATE_HISTOGRAM,
    baseline: {
      file: 'ledgerbench-baseline.json',
      key: { file: 'perf/transfer.perf.ts', test: 'transfer holds', round: 'transfer' },
      recordedAt: '2026-12-01T09:00:00.000Z',
      baselineRepeats: 5,
      candidateRepeats: 5,
      status: 'compared',
      metrics,
      pass: false,
      baselineLatencyHistogram: BASELINE_HISTOGRAM,
    },
  };
}

/** A round compared with a baseline file recorded before histograms were kept. */
export function oldBaselineRound(): GatedRound {
  const r = comparedRound();
  const { baselineLatencyHistogram: _dropped, ...b } = r.baseline!;
  return { ...queryRound, label: 'query', baseline: { ...b, key: { ...b.key, round: 'query' }, metrics: [{ ...metrics[0], ratio: 1.01, interval: [0.98, 1.03], verdict: 'no change' }], pass: true } };
}

/** A round whose baseline came from another definition. */
export function refusedRound(): GatedRound {
  const r = comparedRound();
  return { ...r, label: 'refused', baseline: { ...r.baseline!, status: 'different definition', metrics: [], pass: false, differences: ['rateControl.opts.tps: 200 -> 400'], baselineLatencyHistogram: undefined } };
}

export function gatedReport() {
  return runReport([comparedRound(), oldBaselineRound(), refusedRound()]);
}
