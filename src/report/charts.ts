/**
 * What each chart of the HTML report shows, computed here in plain data so it is testable without a
 * browser; assets/report.js only draws these specs with uPlot. A chart is made only when it has
 * something to draw, so every chart on the page has lines.
 */
import type { GatedRound } from '../baseline/types.ts';
import { decodeHistogram, latencyAtPercentiles } from '../stats/hdr.ts';
import type { LatencyStats, ResourceRow, RoundResult } from '../stats/types.ts';

/** One line of a chart. */
export interface ChartSeries {
  label: string;
  /** One value per x; null leaves a gap. */
  values: Array<number | null>;
  /** CSS colour of the line. */
  color: string;
  dash?: boolean;
  /** Line width in CSS pixels (default 2). */
  width?: number;
}

/** A line chart as the page's script receives it. */
export interface ChartSpec {
  /** DOM id of the element the chart is drawn into. */
  id: string;
  title: string;
  x: number[];
  xLabel: string;
  /** When set, x holds indices into these names (a category axis such as percentiles). */
  xTicks?: string[];
  yLabel: string;
  /** Unit appended to values in the legend. */
  yUnit: string;
  series: ChartSeries[];
}

/** Line colours, distinct and readable on white; the first is the main series of every chart. */
export const PALETTE = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

const color = (i: number) => PALETTE[i % PALETTE.length];

/** Colour of the p95 line of "Latency over time" (orange, apart from p50's blue and p99's purple). */
export const LATENCY_P95_COLOR = PALETTE[4];

/** Percentile points of the distribution chart, in the order drawn. */
export const PERCENTILES: Array<[string, keyof LatencyStats]> = [
  ['min', 'min'],
  ['p50', 'p50'],
  ['p75', 'p75'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p99.9', 'p999'],
  ['max', 'max'],
];

const hasValue = (values: Array<number | null>) => values.some((v) => v !== null && Number.isFinite(v));

function distribution(id: string, title: string, lines: Array<[string, LatencyStats | undefined]>): ChartSpec | null {
  const series = lines
    .filter((l): l is [string, LatencyStats] => Boolean(l[1]) && (l[1]?.count ?? 0) > 0)
    .map(([label, s], i) => ({ label, values: PERCENTILES.map(([, k]) => s[k]), color: color(i) }));
  if (series.length === 0) return null;
  return {
    id,
    title,
    x: PERCENTILES.map((_, i) => i),
    xLabel: 'percentile',
    xTicks: PERCENTILES.map(([name]) => name),
    yLabel: 'latency (ms)',
    yUnit: 'ms',
    series,
  };
}

/** Colour of the baseline's line in the overlay (the round's own is PALETTE[0]). */
export const BASELINE_COLOR = PALETTE[3];

/**
 * Points of the overlay's percentile curve: finer than the table's, so a shift in the body or the
 * tail of the distribution shows where it is. [name, percentile, the LatencyStats figure if any].
 */
export const CURVE_PERCENTILES: Array<[string, number, keyof LatencyStats | null]> = [
  ['min', 0, 'min'],
  ['p10', 10, null],
  ['p25', 25, null],
  ['p50', 50, 'p50'],
  ['p75', 75, 'p75'],
  ['p90', 90, 'p90'],
  ['p95', 95, 'p95'],
  ['p99', 99, 'p99'],
  ['p99.9', 99.9, 'p999'],
];

/** The curve of an encoded histogram; null when it cannot be read (the baseline store checks them). */
function curveOf(encoded: string | undefined): number[] | null {
  if (!encoded) return null;
  try {
    return latencyAtPercentiles(
      decodeHistogram(encoded),
      CURVE_PERCENTILES.map(([, p]) => p),
    );
  } catch {
    return null;
  }
}

/**
 * The round's latency distribution over its baseline's, both as percentile curves from their
 * histograms (the sums of their repeats'). Only for a round compared with a baseline that kept one.
 * A round without its own histogram (an older result) shows the percentiles it has.
 */
export function baselineChart(round: GatedRound, prefix: string): ChartSpec | null {
  const b = round.baseline;
  if (b?.status !== 'compared') return null;
  const baseline = curveOf(b.baselineLatencyHistogram);
  if (!baseline) return null;
  const own = curveOf(round.latencyHistogram) ?? CURVE_PERCENTILES.map(([, , key]) => (key && round.latency.count > 0 ? round.latency[key] : null));
  const repeats = (n: number | undefined) => (n === undefined ? '' : `, ${n} repeat${n === 1 ? '' : 's'}`);
  return {
    id: `${prefix}-baseline`,
    title: 'Latency distribution against the baseline',
    x: CURVE_PERCENTILES.map((_, i) => i),
    xLabel: 'percentile',
    xTicks: CURVE_PERCENTILES.map(([name]) => name),
    yLabel: 'latency (ms)',
    yUnit: 'ms',
    series: [
      // Drawn first and wide, underneath: where both curves agree the baseline still shows around this run's.
      {
        label: b.against ? `other checkout ${b.file}${repeats(b.baselineRepeats)}` : `baseline${b.recordedAt ? ` (recorded ${b.recordedAt}${repeats(b.baselineRepeats)})` : ''}`,
        values: baseline,
        color: BASELINE_COLOR,
        width: 5,
      },
      { label: `${b.against ? 'this checkout' : 'this run'}${repeats(b.candidateRepeats)}`, values: own, color: color(0) },
    ],
  };
}

function resourceChart(id: string, title: string, rows: ResourceRow[], pick: (p: ResourceRow['series'][number]) => number | null, yLabel: string, yUnit: string): ChartSpec | null {
  // Monitors sample on their own clock; the union of sample times is the x axis, gaps where a row has none.
  const times = [...new Set(rows.flatMap((r) => r.series.map((p) => p.t)))].sort((a, b) => a - b);
  const series = rows
    .map((r, i) => {
      const at = new Map(r.series.map((p) => [p.t, pick(p)]));
      return { label: `${r.type} ${r.name}`, values: times.map((t) => at.get(t) ?? null), color: color(i) };
    })
    .filter((s) => hasValue(s.values));
  if (series.length === 0) return null;
  return { id, title, x: times, xLabel: 'seconds since round start', yLabel, yUnit, series };
}

/**
 * Charts of one round, in page order; `prefix` makes the DOM ids unique across rounds. The baseline
 * overlay, when there is one, comes first (its id ends in `-baseline`; the page shows it in the
 * round's baseline section).
 */
export function roundCharts(round: RoundResult, prefix: string): ChartSpec[] {
  const charts: Array<ChartSpec | null> = [baselineChart(round, prefix)];
  const points = round.series ?? [];
  if (points.length > 0) {
    const x = points.map((p) => p.second);
    charts.push({
      id: `${prefix}-rate`,
      title: 'Send rate and throughput',
      x,
      xLabel: 'second',
      yLabel: 'tx/s',
      yUnit: 'tx/s',
      series: [
        { label: 'sent (send rate)', values: points.map((p) => p.sent), color: color(0) },
        { label: 'succeeded (throughput)', values: points.map((p) => p.succeeded), color: color(1) },
        { label: 'failed', values: points.map((p) => p.failed), color: color(2) },
      ],
    });
    const p50 = points.map((p) => p.p50);
    if (hasValue(p50) || hasValue(points.map((p) => p.p99))) {
      charts.push({
        id: `${prefix}-latency`,
        title: 'Latency over time',
        x,
        xLabel: 'second',
        yLabel: 'latency (ms)',
        yUnit: 'ms',
        // In a second with few transactions p95 and p99 are the same value (HDR picks the same
        // bucket), and a later line of the same width covers an earlier one: p95 is drawn wide
        // underneath, p99 thin and dashed on top of it, so both stay visible where they meet.
        series: [
          { label: 'p50', values: p50, color: color(0) },
          { label: 'p95', values: points.map((p) => p.p95), color: LATENCY_P95_COLOR, width: 4 },
          { label: 'p99', values: points.map((p) => p.p99), color: color(3), width: 1.5, dash: true },
        ],
      });
    }
  }
  charts.push(
    distribution(`${prefix}-dist`, 'Latency distribution', [
      ['from actual send', round.latency],
      ['from intended send', round.correctedLatency],
    ]),
  );
  charts.push(distribution(`${prefix}-phases`, 'Phase latency distribution', Object.entries(round.phases ?? {})));
  const rows = round.resources ?? [];
  charts.push(resourceChart(`${prefix}-cpu`, 'CPU', rows, (p) => p.cpu, 'CPU (%)', '%'));
  charts.push(resourceChart(`${prefix}-mem`, 'Memory', rows, (p) => (p.mem === null ? null : p.mem / 1024 / 1024), 'memory (MiB)', 'MiB'));
  return charts.filter((c): c is ChartSpec => c !== null);
}
