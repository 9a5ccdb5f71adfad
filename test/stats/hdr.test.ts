import { describe, expect, test } from 'vitest';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import {
  addEncoded,
  encodeHistogram,
  MAX_US,
  msToUs,
  newMergeHistogram,
  newRecordingHistogram,
  recordUs,
  toLatencyStats,
} from '../../src/stats/hdr.ts';
import { expectHdr } from './helpers.ts';

describe('hdr', () => {
  test('the fast recording path fills exactly the buckets recordValue fills', () => {
    const fast = newRecordingHistogram();
    const lib = newRecordingHistogram();
    let seed = 7;
    const values = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 2 ** 31 - 1, 2 ** 31, MAX_US - 1, MAX_US];
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      // Spread over every magnitude from 1 µs to an hour.
      values.push(Math.floor(2 ** ((seed / 2 ** 31) * Math.log2(MAX_US))));
    }
    for (const v of values) {
      recordUs(fast, v);
      lib.recordValue(v);
    }
    expect(fast.totalCount).toBe(lib.totalCount);
    expect(fast.maxValue).toBe(lib.maxValue);
    expect(fast.minNonZeroValue).toBe(lib.minNonZeroValue);
    expect(encodeIntoCompressedBase64(fast)).toBe(encodeIntoCompressedBase64(lib));
  });

  test('msToUs rounds to µs and clamps to [0, one hour]', () => {
    expect(msToUs(1.2344)).toBe(1234);
    expect(msToUs(1.2345)).toBe(1235);
    expect(msToUs(-3)).toBe(0);
    expect(msToUs(Number.NaN)).toBe(0);
    expect(msToUs(5 * 3_600_000)).toBe(MAX_US);
  });

  test('a known latency set gives its percentiles within HDR precision', () => {
    const h = newRecordingHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordUs(h, msToUs(ms));
    const s = toLatencyStats(h);
    expect(s.count).toBe(1000);
    expectHdr(s.min, 1);
    expectHdr(s.max, 1000);
    expectHdr(s.avg, 500.5);
    expectHdr(s.p50, 500);
    expectHdr(s.p75, 750);
    expectHdr(s.p90, 900);
    expectHdr(s.p95, 950);
    expectHdr(s.p99, 990);
    expectHdr(s.p999, 999);
  });

  test('a skewed set: 990 fast and 10 slow transactions', () => {
    const h = newRecordingHistogram();
    for (let i = 0; i < 990; i++) recordUs(h, msToUs(2));
    for (let i = 0; i < 10; i++) recordUs(h, msToUs(2000));
    const s = toLatencyStats(h);
    expectHdr(s.p50, 2);
    expectHdr(s.p99, 2);
    expectHdr(s.p999, 2000);
    expectHdr(s.avg, (990 * 2 + 10 * 2000) / 1000);
  });

  test('sub-microsecond latencies count as 0 and show as min 0', () => {
    const h = newRecordingHistogram();
    recordUs(h, msToUs(0.0002));
    recordUs(h, msToUs(3));
    expect(toLatencyStats(h).min).toBe(0);
  });

  test('empty histograms encode to null and give zero figures', () => {
    expect(encodeHistogram(newRecordingHistogram())).toBeNull();
    expect(toLatencyStats(null)).toEqual({ count: 0, min: 0, max: 0, avg: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0 });
  });

  test('encode then add reproduces the histogram', () => {
    const h = newRecordingHistogram();
    for (let i = 1; i <= 5000; i++) recordUs(h, i * 37);
    const merged = newMergeHistogram();
    addEncoded(merged, encodeHistogram(h)!);
    addEncoded(merged, encodeHistogram(h)!);
    expect(merged.totalCount).toBe(10_000);
    const a = toLatencyStats(h);
    const b = toLatencyStats(merged);
    expect(b.p50).toBe(a.p50);
    expect(b.p99).toBe(a.p99);
    expectHdr(b.max, 5000 * 0.037);
    expectHdr(b.min, 0.037);
  });
});
