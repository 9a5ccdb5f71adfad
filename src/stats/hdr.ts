/**
 * The HDR histograms every latency figure lives in: one fixed layout (microseconds, 3 significant
 * digits, up to one hour), a fast recording path, the wire encoding, and the reduction to LatencyStats.
 */
import {
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  Float64Histogram,
  Int32Histogram,
  type JsHistogram,
} from 'hdr-histogram-js';
import type { LatencyStats } from './types.ts';

/** Highest recordable value: one hour in microseconds. Larger values are recorded as this. */
export const MAX_US = 3_600_000_000;
/** 3 significant digits: every figure is within 0.1% of the recorded value. */
const SIGNIFICANT_DIGITS = 3;

// Layout constants of a (1 µs, MAX_US, 3 digits) histogram. The library computes a value's slot with
// Math.log2/Math.pow, which measured ~220 ns a value on this machine; the same slot computed with clz32
// and shifts costs ~12 ns. The module checks below that the library's layout still matches.
const SUB_BUCKET_HALF_MAGNITUDE = 10;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_MAGNITUDE;

/** A histogram for the hot path: 32-bit counts (a delta between snapshots never nears 2^31 a bucket). */
export function newRecordingHistogram(): JsHistogram {
  return new Int32Histogram(1, MAX_US, SIGNIFICANT_DIGITS);
}

/** A histogram that sums snapshots of a whole round: 64-bit float counts cannot wrap. */
export function newMergeHistogram(): JsHistogram {
  return new Float64Histogram(1, MAX_US, SIGNIFICANT_DIGITS);
}

{
  const probe = newRecordingHistogram();
  if (
    probe.unitMagnitude !== 0 ||
    probe.subBucketHalfCountMagnitude !== SUB_BUCKET_HALF_MAGNITUDE ||
    probe.subBucketHalfCount !== SUB_BUCKET_HALF ||
    probe.countsArrayLength <= slotOf(MAX_US)
  ) {
    throw new Error('hdr-histogram-js changed its bucket layout; src/stats/hdr.ts must be updated');
  }
}

/** The counts-array index of `us` (an integer in [0, MAX_US], so below 2^32 and safe for clz32/>>>). */
function slotOf(us: number): number {
  const over = 31 - Math.clz32(us) - SUB_BUCKET_HALF_MAGNITUDE;
  const bucket = Math.max(over, 0);
  return ((bucket + 1) << SUB_BUCKET_HALF_MAGNITUDE) + ((us >>> bucket) - SUB_BUCKET_HALF);
}

/**
 * Converts a duration in ms to whole microseconds, clamped to [0, MAX_US]. Negative durations (clock
 * reads out of order) and NaN become 0; durations above an hour become an hour.
 */
export function msToUs(ms: number): number {
  const us = Math.round(ms * 1000);
  // `!(us > 0)` also catches NaN, which Math.max would pass through.
  if (!(us > 0)) return 0;
  return Math.min(us, MAX_US);
}

/**
 * Records one value, already converted by {@link msToUs}, into a histogram made by
 * {@link newRecordingHistogram} or {@link newMergeHistogram}. Same effect as `recordValue`, without its
 * per-value logarithms; allocates nothing.
 */
export function recordUs(h: JsHistogram, us: number): void {
  h.incrementCountAtIndex(slotOf(us));
  h.updateMinAndMax(us);
  h.incrementTotalCount();
}

/** A histogram as it travels between processes: hdr-histogram-js's compressed base64 (V2 encoding). */
export type EncodedHistogram = string;

/** Encodes a histogram for a snapshot; null when it holds nothing, so empty deltas cost nothing. */
export function encodeHistogram(h: JsHistogram): EncodedHistogram | null {
  return h.totalCount === 0 ? null : encodeIntoCompressedBase64(h);
}

/** Adds an encoded histogram into `target` (a merge histogram). */
export function addEncoded(target: JsHistogram, encoded: EncodedHistogram): void {
  // Decoding with the full range gives the same layout as the target, so add() sums arrays directly.
  const decoded = decodeFromCompressedBase64(encoded, 64, false, MAX_US) as JsHistogram;
  target.add(decoded);
}

/** A merge histogram holding `encoded`; a RangeError when the text is no encoded histogram. */
export function decodeHistogram(encoded: EncodedHistogram): JsHistogram {
  const h = newMergeHistogram();
  try {
    addEncoded(h, encoded);
  } catch (err) {
    throw new RangeError(`not an encoded HDR histogram (${(err as Error).message})`, { cause: err });
  }
  return h;
}

/**
 * The sum of encoded histograms, encoded; null when there are none or all are empty. The sum of the
 * repeats' histograms is the histogram of all their transactions: its percentiles are those of the
 * pooled repeats, not an average of percentiles.
 */
export function mergeEncoded(list: ReadonlyArray<EncodedHistogram | null | undefined>): EncodedHistogram | null {
  const h = newMergeHistogram();
  for (const e of list) if (e) addEncoded(h, e);
  return encodeHistogram(h);
}

/** The latency at each of `percentiles` (0..100), in ms; the 100th is the maximum. Empty histogram: all 0. */
export function latencyAtPercentiles(h: JsHistogram, percentiles: readonly number[]): number[] {
  if (h.totalCount === 0) return percentiles.map(() => 0);
  return percentiles.map((p) => (p >= 100 ? h.maxValue : h.getValueAtPercentile(p)) / 1000);
}

/** Empty figures, for rounds or phases without any successful transaction. */
export function emptyLatencyStats(): LatencyStats {
  return { count: 0, min: 0, max: 0, avg: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
}

/**
 * Reduces a histogram of microseconds to LatencyStats in milliseconds. Every figure is within the
 * histogram's precision (0.1%) of the true value: percentiles are the highest value equivalent to the
 * bucket that holds them, avg is the count-weighted mean of bucket midpoints, max the top of its bucket.
 */
export function toLatencyStats(h: JsHistogram | null): LatencyStats {
  if (h === null || h.totalCount === 0) return emptyLatencyStats();
  const min = h.getCountAtIndex(0) > 0 ? 0 : h.minNonZeroValue;
  return {
    count: h.totalCount,
    min: min / 1000,
    max: h.maxValue / 1000,
    avg: h.mean / 1000,
    p50: h.getValueAtPercentile(50) / 1000,
    p75: h.getValueAtPercentile(75) / 1000,
    p90: h.getValueAtPercentile(90) / 1000,
    p95: h.getValueAtPercentile(95) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    p999: h.getValueAtPercentile(99.9) / 1000,
  };
}
