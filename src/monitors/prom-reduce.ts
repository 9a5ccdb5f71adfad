/**
 * Reducing the scrapes of one round to figures: counters to their increase, gauges to max/avg,
 * histograms to count, sum and quantiles of the observations made during the round.
 */
import type { MetricFigure } from '../stats/types.ts';
import type { PromFamily, PromSample } from './prom-text.ts';

/** One successful scrape of one URL. */
export interface Scrape {
  at: number;
  families: Map<string, PromFamily>;
}

/** A cumulative histogram bucket: observations <= `le`. */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * The q-quantile (0..1) of a cumulative histogram, as Prometheus' histogram_quantile estimates it:
 * find the bucket holding rank q*total and interpolate linearly inside it (the first bucket starts at
 * 0 unless its bound is negative; a rank in the +Inf bucket yields the highest finite bound).
 * null when there are no observations or no +Inf bucket.
 */
export function bucketQuantile(q: number, buckets: Bucket[]): number | null {
  const sorted = buckets.map((b) => ({ ...b })).sort((a, b) => a.le - b.le);
  if (sorted.length < 2 || sorted[sorted.length - 1].le !== Number.POSITIVE_INFINITY) return null;
  // Counts must not fall from one bucket to the next; differences of scrapes can break that slightly.
  let running = 0;
  for (const b of sorted) {
    running = Math.max(running, b.count);
    b.count = running;
  }
  const total = sorted[sorted.length - 1].count;
  if (!(total > 0) || Number.isNaN(q)) return null;
  if (q <= 0) return Math.min(sorted[0].le, 0);
  if (q >= 1) return sorted[sorted.length - 2].le;
  const rank = q * total;
  let i = sorted.findIndex((b) => b.count >= rank);
  if (i < 0) i = sorted.length - 1;
  if (sorted[i].le === Number.POSITIVE_INFINITY) return sorted[sorted.length - 2].le;
  const upper = sorted[i].le;
  let lower = 0;
  let below = 0;
  if (i > 0) {
    lower = sorted[i - 1].le;
    below = sorted[i - 1].count;
  } else if (upper <= 0) {
    return upper;
  }
  const inBucket = sorted[i].count - below;
  if (inBucket <= 0) return upper;
  return lower + ((upper - lower) * (rank - below)) / inBucket;
}

/** Stable identity of a label set (sorted), with some labels left out. */
function labelKey(labels: Record<string, string>, omit?: string): string {
  return JSON.stringify(
    Object.keys(labels)
      .filter((k) => k !== omit)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

function withoutLabel(labels: Record<string, string>, omit: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== omit) out[k] = v;
  return out;
}

/** Counter increase, tolerating a reset (the process restarted): then the new value is the increase. */
function increase(first: number | undefined, last: number): number {
  const base = first ?? 0;
  return last >= base ? last - base : last;
}

/**
 * Figures of one metric family over a round's scrapes (oldest first). A series missing from the first
 * scrape started during the round, so its baseline is 0 (prom-client and Fabric create labelled series
 * on first use). Summaries are skipped: their quantiles cannot be combined over an interval.
 */
export function reduceFamily(source: string, name: string, scrapes: Scrape[]): MetricFigure[] {
  const fams = scrapes.map((s) => s.families.get(name));
  const last = fams[fams.length - 1];
  if (!last) return [];
  const first = fams[0];
  switch (last.type) {
    case 'counter':
      return reduceCounter(source, name, first, last);
    case 'gauge':
    case 'untyped':
      return reduceGauge(source, name, fams);
    case 'histogram':
      return reduceHistogram(source, name, first, last);
    default:
      return [];
  }
}

function byKey(samples: PromSample[] | undefined, sampleName: string): Map<string, PromSample> {
  const out = new Map<string, PromSample>();
  for (const s of samples ?? []) if (s.name === sampleName) out.set(labelKey(s.labels), s);
  return out;
}

function reduceCounter(source: string, name: string, first: PromFamily | undefined, last: PromFamily): MetricFigure[] {
  const before = byKey(first?.samples, name);
  return last.samples
    .filter((s) => s.name === name)
    .map((s) => ({
      source,
      metric: name,
      labels: s.labels,
      kind: 'counter' as const,
      value: { increase: increase(before.get(labelKey(s.labels))?.value, s.value) },
    }));
}

function reduceGauge(source: string, name: string, fams: Array<PromFamily | undefined>): MetricFigure[] {
  const series = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const fam of fams) {
    for (const s of fam?.samples ?? []) {
      if (s.name !== name || Number.isNaN(s.value)) continue;
      const key = labelKey(s.labels);
      let entry = series.get(key);
      if (!entry) {
        entry = { labels: s.labels, values: [] };
        series.set(key, entry);
      }
      entry.values.push(s.value);
    }
  }
  return [...series.values()].map(({ labels, values }) => ({
    source,
    metric: name,
    labels,
    kind: 'gauge' as const,
    value: {
      max: Math.max(...values),
      avg: values.reduce((a, b) => a + b, 0) / values.length,
      min: Math.min(...values),
      last: values[values.length - 1],
    },
  }));
}

interface HistSeries {
  labels: Record<string, string>;
  buckets: Map<number, number>;
  sum?: number;
  count?: number;
}

function histogramSeries(fam: PromFamily | undefined, name: string): Map<string, HistSeries> {
  const out = new Map<string, HistSeries>();
  const get = (labels: Record<string, string>, omit?: string): HistSeries => {
    const key = labelKey(labels, omit);
    let h = out.get(key);
    if (!h) {
      h = { labels: omit ? withoutLabel(labels, omit) : labels, buckets: new Map() };
      out.set(key, h);
    }
    return h;
  };
  for (const s of fam?.samples ?? []) {
    if (s.name === `${name}_bucket`) {
      const le = s.labels.le === undefined ? Number.NaN : Number(s.labels.le.replace(/^\+?Inf$/, 'Infinity'));
      if (!Number.isNaN(le)) get(s.labels, 'le').buckets.set(le, s.value);
    } else if (s.name === `${name}_sum`) get(s.labels).sum = s.value;
    else if (s.name === `${name}_count`) get(s.labels).count = s.value;
  }
  return out;
}

function reduceHistogram(source: string, name: string, first: PromFamily | undefined, last: PromFamily): MetricFigure[] {
  const before = histogramSeries(first, name);
  const figures: MetricFigure[] = [];
  for (const [key, h] of histogramSeries(last, name)) {
    const b = before.get(key);
    const count = h.count === undefined ? null : increase(b?.count, h.count);
    const sum = h.sum === undefined ? null : h.sum - (b?.sum ?? 0);
    // A reset shows as a lower count: the whole current histogram is then the round's.
    const reset = b?.count !== undefined && h.count !== undefined && h.count < b.count;
    const buckets: Bucket[] = [...h.buckets].map(([le, c]) => ({
      le,
      count: reset ? c : increase(b?.buckets.get(le), c),
    }));
    figures.push({
      source,
      metric: name,
      labels: h.labels,
      kind: 'histogram',
      value: {
        count,
        sum: reset ? (h.sum ?? null) : sum,
        avg: count && sum !== null ? (reset ? (h.sum ?? 0) : sum) / count : null,
        p50: bucketQuantile(0.5, buckets),
        p95: bucketQuantile(0.95, buckets),
        p99: bucketQuantile(0.99, buckets),
      },
    });
  }
  return figures;
}
