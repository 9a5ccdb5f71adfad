/**
 * Judging a round against its baseline: the margins as written in toBeWithinBaseline(), and the
 * verdict per metric from the ratio's interval. A change fails only when the whole interval lies
 * beyond the margin on the bad side; a confident change on the good side is an improvement.
 */
import { ratioInterval, median } from './statistics.ts';
import type { GateMetric, MetricComparison, RepeatFigures } from './types.ts';

/** Margins by metric: `'-5%'` for figures where higher is better, `'+10%'` for latencies. */
export type BaselineMargins = Partial<Record<GateMetric, string>>;

/** Figures where higher is better; the others are latencies, where lower is. */
const HIGHER_IS_BETTER = new Set<GateMetric>(['throughput', 'successRate']);
const METRICS: GateMetric[] = ['throughput', 'successRate', 'avg', 'p50', 'p75', 'p90', 'p95', 'p99', 'p999'];

/** A validated margin: the worst ratio still allowed (0.95 for '-5%', 1.1 for '+10%'). */
export interface Margin {
  metric: GateMetric;
  written: string;
  limit: number;
  higherIsBetter: boolean;
}

/** Checks toBeWithinBaseline()'s argument; a TypeError names the metric and the fix. */
export function parseMargins(margins: unknown): Margin[] {
  const name = 'toBeWithinBaseline';
  if (margins === null || typeof margins !== 'object' || Array.isArray(margins) || Object.keys(margins).length === 0) {
    throw new TypeError(`${name}: give the margins to allow, e.g. { throughput: '-5%', p95: '+10%' }`);
  }
  return Object.entries(margins as Record<string, unknown>).map(([metric, value]) => {
    if (!METRICS.includes(metric as GateMetric)) throw new TypeError(`${name}: ${metric} is not a gated figure; use one of: ${METRICS.join(', ')}`);
    const higherIsBetter = HIGHER_IS_BETTER.has(metric as GateMetric);
    const sign = higherIsBetter ? '-' : '+';
    const m = typeof value === 'string' ? /^([+-])(\d+(?:\.\d+)?)%$/.exec(value.trim()) : null;
    // A fall of 100% or more would allow anything.
    if (!m || m[1] !== sign || (higherIsBetter && Number(m[2]) >= 100)) {
      const what = higherIsBetter ? 'how much it may fall' : 'how much it may rise';
      throw new TypeError(`${name}: ${metric}: ${JSON.stringify(value)} is not a margin; write ${what} as '${sign}5%'`);
    }
    const pct = Number(m[2]) / 100;
    return { metric: metric as GateMetric, written: value as string, limit: higherIsBetter ? 1 - pct : 1 + pct, higherIsBetter };
  });
}

/** Compares one metric's repeats with the baseline's. */
export function compareMetric(margin: Margin, baseline: number[], candidate: number[]): MetricComparison {
  const { ratio, interval } = ratioInterval(baseline, candidate);
  const base = { metric: margin.metric, margin: margin.written, ratio, interval, baselineMedian: median(baseline), candidateMedian: median(candidate) };
  if (!interval) return { ...base, verdict: 'too few repeats' };
  const [lo, hi] = interval;
  // As "goodness" (higher is better for every metric: a latency ratio of 1.25 is 0.8), the interval is
  // [worst, best]: the ends least and most favourable to the candidate.
  const [worst, best] = margin.higherIsBetter ? [lo, hi] : [1 / hi, 1 / lo];
  const limit = margin.higherIsBetter ? margin.limit : 1 / margin.limit;
  // Even the most favourable end is beyond the margin: worse than allowed, with confidence.
  if (best < limit) return { ...base, verdict: 'regression' };
  if (worst > 1) return { ...base, verdict: 'improvement' };
  // Confidently worse, but not confidently beyond the margin.
  if (best < 1) return { ...base, verdict: 'within margin' };
  return { ...base, verdict: 'no change' };
}

/** Every margin's comparison between two rounds' repeats. */
export function compareRepeats(margins: Margin[], baseline: { [K in keyof RepeatFigures]: number[] }, candidate: RepeatFigures[]): MetricComparison[] {
  return margins.map((m) => compareMetric(m, baseline[m.metric], candidate.map((c) => c[m.metric])));
}
