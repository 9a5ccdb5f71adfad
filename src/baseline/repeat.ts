/**
 * `repeat: n`: a round run n times, kept per repeat, merged into one result. The gate compares the
 * repeats; the top-level figures are the merged ones the other matchers and the tables use, latency
 * percentiles read from the sum of the repeats' histograms.
 */
import { ConfigError } from '../config/errors.ts';
import { decodeHistogram, emptyLatencyStats, mergeEncoded, toLatencyStats } from '../stats/hdr.ts';
import type { LatencyStats, RoundResult } from '../stats/types.ts';
import { median } from './statistics.ts';
import type { GatedRound, RepeatFigures } from './types.ts';

/** Most repeats of one round: the exact statistics stay cheap, and more is never needed for a gate. */
export const MAX_REPEAT = 100;

/** Checks benchRound's `repeat` (default 1); a ConfigError names the test file and the fix. */
export function repeatCount(value: unknown, source: string): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_REPEAT) {
    throw new ConfigError(source, 'repeat', `must be a whole number from 1 to ${MAX_REPEAT}, got ${JSON.stringify(value)}`, 'use e.g. repeat: 5 (toBeWithinBaseline needs at least 3 a side)');
  }
  return value;
}

/** The figures of one run of a round that the gate compares. */
export function repeatFigures(r: RoundResult): RepeatFigures {
  const settled = r.succeeded + r.failed;
  const l = r.latency;
  return {
    throughput: r.throughput,
    sendRate: r.sendRate,
    successRate: settled === 0 ? 0 : r.succeeded / settled,
    succeeded: r.succeeded,
    failed: r.failed,
    elapsedSec: r.elapsedSec,
    avg: l.avg,
    p50: l.p50,
    p75: l.p75,
    p90: l.p90,
    p95: l.p95,
    p99: l.p99,
    p999: l.p999,
  };
}

/** The repeats of a round: its `repeats`, or the round itself when it ran once. */
export function repeatsOf(r: GatedRound): RepeatFigures[] {
  return r.repeats ?? [repeatFigures(r)];
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function sumRecords(records: Array<Record<string, number> | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rec of records) for (const [k, v] of Object.entries(rec ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

/**
 * Latency over repeats without their histograms (correctedLatency, or results of older versions):
 * counts added, min and max over all, avg weighted by count, percentiles the median of the repeats'.
 */
function mergeLatency(stats: LatencyStats[]): LatencyStats {
  const withData = stats.filter((s) => s.count > 0);
  if (withData.length === 0) return stats[0];
  const count = sum(withData.map((s) => s.count));
  const mid = (key: keyof LatencyStats) => median(withData.map((s) => s[key]));
  return {
    count,
    min: Math.min(...withData.map((s) => s.min)),
    max: Math.max(...withData.map((s) => s.max)),
    avg: sum(withData.map((s) => s.avg * s.count)) / count,
    p50: mid('p50'),
    p75: mid('p75'),
    p90: mid('p90'),
    p95: mid('p95'),
    p99: mid('p99'),
    p999: mid('p999'),
  };
}

/**
 * The repeats' latency histograms summed, and the figures read from the sum: exact percentiles of all
 * the repeats' transactions. Null when a repeat with successes carries no histogram.
 */
function mergeLatencyHistograms(results: RoundResult[]): { latency: LatencyStats; histogram: string | null } | null {
  if (results.some((r) => r.latency.count > 0 && !r.latencyHistogram)) return null;
  const histogram = mergeEncoded(results.map((r) => r.latencyHistogram));
  return { latency: histogram ? toLatencyStats(decodeHistogram(histogram)) : emptyLatencyStats(), histogram };
}

/** Rate over all repeats: events over the summed time each repeat's own rate implies. */
function pooledRate(results: RoundResult[], events: (r: RoundResult) => number, rate: (r: RoundResult) => number): number {
  const time = sum(results.map((r) => (rate(r) > 0 ? events(r) / rate(r) : 0)));
  return time > 0 ? sum(results.map(events)) / time : 0;
}

/**
 * One result for n repeats: counts and failure reasons added, rates over the repeats' summed time,
 * latency from the sum of the repeats' histograms (kept, with each repeat's, for the baseline);
 * series, resources, phases and the other details are those of the
 * median repeat by throughput. The first abort (the repeats stop there) is the merged round's.
 */
export function mergeRepeats(results: RoundResult[]): GatedRound {
  const byThroughput = [...results].sort((a, b) => a.throughput - b.throughput);
  const middle = byThroughput[(byThroughput.length - 1) >> 1];
  const first = results[0];
  const abortedAt = results.findIndex((r) => r.aborted);
  const optionalSum = (key: 'unfinished' | 'dropped' | 'interrupted') => (results.some((r) => r[key] !== undefined) ? { [key]: sum(results.map((r) => r[key] ?? 0)) } : {});
  const exact = mergeLatencyHistograms(results);
  const merged: GatedRound = {
    ...middle,
    roundIndex: first.roundIndex,
    startedAt: first.startedAt,
    elapsedSec: sum(results.map((r) => r.elapsedSec)),
    succeeded: sum(results.map((r) => r.succeeded)),
    failed: sum(results.map((r) => r.failed)),
    failuresByReason: sumRecords(results.map((r) => r.failuresByReason)),
    sendRate: pooledRate(results, (r) => r.succeeded + r.failed + (r.interrupted ?? 0), (r) => r.sendRate),
    throughput: pooledRate(results, (r) => r.succeeded, (r) => r.throughput),
    caliperThroughput: pooledRate(results, (r) => r.succeeded + r.failed - (r.unfinished ?? 0), (r) => r.caliperThroughput),
    latency: exact?.latency ?? mergeLatency(results.map((r) => r.latency)),
    ...optionalSum('unfinished'),
    ...optionalSum('dropped'),
    ...optionalSum('interrupted'),
    expectations: [],
    repeats: results.map(repeatFigures),
  };
  // The median repeat's histogram must not stand for the merged figures.
  delete merged.latencyHistogram;
  if (exact?.histogram) {
    merged.latencyHistogram = exact.histogram;
    merged.repeatLatencyHistograms = results.map((r) => r.latencyHistogram ?? null);
  }
  if (middle.correctedLatency) merged.correctedLatency = mergeLatency(results.map((r) => r.correctedLatency ?? r.latency));
  if (abortedAt >= 0) {
    const a = results[abortedAt].aborted;
    merged.aborted = { ...a, reason: `repeat ${abortedAt + 1} of the round: ${a?.reason}` };
  } else {
    delete merged.aborted;
  }
  return merged;
}

/**
 * Runs a round `n` times (`run(i)` runs repeat i and attaches its result to the test) and leaves one
 * merged result on the test's meta in place of the n. A repeat that aborts ends the repeats.
 */
export async function runRepeats(n: number, run: (i: number) => Promise<RoundResult>, meta?: { ledgerbench?: RoundResult[] }): Promise<GatedRound> {
  const results: RoundResult[] = [];
  for (let i = 0; i < n; i++) {
    const r = await run(i);
    results.push(r);
    if (r.aborted) break;
  }
  const merged = mergeRepeats(results);
  if (meta) meta.ledgerbench = [...(meta.ledgerbench ?? []).filter((r) => !results.includes(r)), merged];
  return merged;
}
