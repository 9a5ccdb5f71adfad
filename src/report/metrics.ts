/**
 * The monitors' Prometheus figures as a reader wants them: with units, and without the rows where
 * nothing happened. A Fabric peer exports every metric for every chaincode it has installed, so a
 * round that used one chaincode would otherwise show a screen of zero rows for the others.
 */
import type { MetricFigure } from '../stats/types.ts';
import { bytes, figure, known, UNKNOWN } from './format.ts';

/** How a metric's values read, from Prometheus' naming conventions (base units: seconds, bytes). */
type Unit = 'seconds' | 'bytes' | 'plain';

function unitOf(metric: string): Unit {
  if (/_bytes(_|$)/.test(metric)) return 'bytes';
  if (/_(seconds|duration|time|latency)(_|$)/.test(metric)) return 'seconds';
  return 'plain';
}

/** Seconds as the reports show latency: milliseconds below a second, seconds above. */
function seconds(v: number): string {
  return Math.abs(v) < 1 ? `${(v * 1000).toFixed(2)} ms` : `${v.toFixed(2)} s`;
}

/** Histogram and counter fields that count events, whatever the metric's unit. */
const COUNT_FIELDS = new Set(['count']);

/** One value of a metric, with the metric's unit. */
export function metricValue(metric: string, field: string, v: number | null | undefined): string {
  if (!known(v)) return UNKNOWN;
  const unit = COUNT_FIELDS.has(field) ? 'plain' : unitOf(metric);
  if (unit === 'seconds') return seconds(v);
  if (unit === 'bytes') return bytes(v);
  return figure(v);
}

/** All of a figure's values as `field value` pairs, e.g. `count 1,000, p95 24.00 ms`. */
export function metricValues(m: MetricFigure): string {
  return Object.entries(m.value ?? {})
    .map(([field, v]) => `${field} ${metricValue(m.metric, field, v)}`)
    .join(', ');
}

/**
 * Whether anything happened to this metric during the round: a counter increased, a histogram
 * observed something, a gauge was not zero throughout. Rows where nothing did are left out of the
 * page (results.json keeps every row).
 */
export function metricMoved(m: MetricFigure): boolean {
  const value = m.value ?? {};
  if (m.kind === 'histogram') return known(value.count) && value.count !== 0;
  return Object.values(value).some((v) => known(v) && v !== 0);
}

/** The rows the page shows, and how many were left out because nothing happened to them. */
export function shownMetrics(metrics: MetricFigure[]): { shown: MetricFigure[]; hidden: number } {
  const shown = metrics.filter(metricMoved);
  return { shown, hidden: metrics.length - shown.length };
}
