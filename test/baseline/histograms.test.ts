/**
 * Latency histograms in rounds and baselines: a round carries the histogram its latency was read
 * from, merged repeats read their percentiles from the sum of the repeats' histograms (exact, not a
 * median of percentiles), the baseline file keeps each repeat's and the merged one and stays small,
 * a file recorded without histograms still loads and compares, and a damaged histogram is refused.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mergeRepeats } from '../../src/baseline/repeat.ts';
import { baselineKey, entryOf, readBaseline, writeBaseline } from '../../src/baseline/store.ts';
import type { BaselineFile, BaselineSettings, GatedRound } from '../../src/baseline/types.ts';
import { RoundAggregator } from '../../src/stats/aggregate.ts';
import { decodeHistogram, encodeHistogram, latencyAtPercentiles, msToUs, newMergeHistogram, newRecordingHistogram, recordUs, toLatencyStats } from '../../src/stats/hdr.ts';
import type { StatsSnapshot } from '../../src/stats/snapshot.ts';
import type { RoundResult } from '../../src/stats/types.ts';
import { judgeAgainstBaseline } from '../../src/vitest/baseline-matcher.ts';
import { transferRound } from '../vitest/rounds.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledgerbench-histograms-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic uniform numbers in (0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Latencies like a Fabric round's: a 20 ms floor and a long exponential tail (mean `tailMs`). */
function fabricLike(n: number, seed: number, tailMs = 25): number[] {
  const rnd = random(seed);
  return Array.from({ length: n }, () => 20 + tailMs * -Math.log(rnd()));
}

/** A round whose latency (figures and histogram) holds exactly `latenciesMs`. */
function roundOf(latenciesMs: number[], roundIndex: number, o: Partial<RoundResult> = {}): RoundResult {
  const h = newMergeHistogram();
  for (const v of latenciesMs) recordUs(h, msToUs(v));
  const encoded = encodeHistogram(h);
  return transferRound({ roundIndex, succeeded: latenciesMs.length, latency: toLatencyStats(h), ...(encoded ? { latencyHistogram: encoded } : {}), origin: { file: 'perf/transfer.perf.ts', test: 'transfer holds' }, ...o });
}

function gated(runs: RoundResult[]): GatedRound {
  const m = mergeRepeats(runs);
  return { ...m, origin: { file: 'perf/transfer.perf.ts', test: 'transfer holds' }, fingerprint: { workload: { path: 'w.ts', sha256: '0' }, arguments: {}, rateControl: { type: 'fixed-rate' }, workers: 1, trim: 0, network: { path: 'n.yaml', sha256: '0' } } };
}

describe('a round carries its latency histogram', () => {
  test('the aggregator encodes the histogram its latency figures come from; no successes, no histogram', () => {
    const rec = newRecordingHistogram();
    const values = fabricLike(2000, 7);
    for (const v of values) recordUs(rec, msToUs(v));
    const snapshot: StatsSnapshot = {
      sent: 2000, completed: 2000, succeeded: 2000, failed: 0, keptSucceeded: 2000, keptFailed: 0, keptUnfinished: 0, keptInterrupted: 0, keptDropped: 0,
      firstSendMs: 0, lastSendMs: 9000, lastDoneMs: 10_000, lastAnyDoneMs: 10_000, watermarkSec: 10, failures: {},
      latency: encodeHistogram(rec), corrected: null, lateness: null, phases: {}, seconds: [],
    };
    const meta = { label: 'l', roundIndex: 0, workers: 1, rateControl: { type: 'fixed-load' }, model: 'closed' as const, trim: 0, startedAt: '2026-12-01T00:00:00.000Z' };
    const agg = new RoundAggregator(meta);
    agg.add(0, snapshot);
    const r = agg.result();
    expect(r.latencyHistogram).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(toLatencyStats(decodeHistogram(r.latencyHistogram!))).toEqual(r.latency);
    expect(new RoundAggregator(meta).result().latencyHistogram).toBeUndefined();
  });
});

describe('merged repeats', () => {
  test('percentiles come from the sum of the histograms, as if every transaction had been in one round', () => {
    // Two quick repeats and a slow one: the median of the three p95s is the quick one's (~10 ms), while
    // the pooled transactions' p95 lies in the slow repeat (~50 ms).
    const runs = [Array(1000).fill(10), Array(1000).fill(10.5), Array(1000).fill(50)];
    const m = mergeRepeats(runs.map((v, i) => roundOf(v, i)));
    const pooled = newMergeHistogram();
    for (const v of runs.flat()) recordUs(pooled, msToUs(v));
    // As the engine's figures are: read after one encoding (the max becomes the top of its 0.1% bucket).
    expect(m.latency).toEqual(toLatencyStats(decodeHistogram(encodeHistogram(pooled)!)));
    expect(m.latency.p95).toBeCloseTo(50, 1);
    expect(m.latency.p50).toBeCloseTo(10.5, 1);
    expect(m.latency.count).toBe(3000);
    expect(m.repeatLatencyHistograms).toHaveLength(3);
    expect(toLatencyStats(decodeHistogram(m.latencyHistogram!))).toEqual(m.latency);
    // Each repeat's own figures stay its own: the gate compares those.
    expect(m.repeats?.map((r) => Math.round(r.p95))).toEqual([10, 11, 50]);
  });

  test('a repeat without successes adds nothing and is kept as null', () => {
    const m = mergeRepeats([roundOf([5, 6, 7], 0), roundOf([], 1, { succeeded: 0 }), roundOf([8], 2)]);
    expect(m.latency.count).toBe(4);
    expect(m.repeatLatencyHistograms?.map((h) => h === null)).toEqual([false, true, false]);
  });

  test('results without histograms (older versions) merge as before: percentiles the median of the repeats', () => {
    const runs = [10, 30, 20].map((p95, i) => transferRound({ roundIndex: i, latency: { ...transferRound().latency, p95 } }));
    const m = mergeRepeats(runs);
    expect(m.latency.p95).toBe(20);
    expect(m.latencyHistogram).toBeUndefined();
    expect(m.repeatLatencyHistograms).toBeUndefined();
  });
});

describe('the baseline file keeps the histograms', () => {
  const path = () => join(dir, 'ledgerbench-baseline.json');
  const settings = (): BaselineSettings => ({ path: path(), update: 'none' });

  function record(r: GatedRound): void {
    const entry = entryOf(r, baselineKey(r, [r], dir), '2026-12-01T00:00:00.000Z');
    if (!entry) throw new Error('no entry');
    writeBaseline(path(), [entry], 'all');
  }

  test('each repeat and the merged one, exactly; a 3-repeat round of 6000 transactions a repeat stays small', () => {
    const r = gated([1, 2, 3].map((seed, i) => roundOf(fabricLike(6000, seed), i)));
    record(r);
    const entry = readBaseline(path())!.rounds[0];
    expect(entry.latencyHistograms?.repeats).toHaveLength(3);
    expect(entry.latencyHistograms?.repeats).toEqual(r.repeatLatencyHistograms);
    expect(toLatencyStats(decodeHistogram(entry.latencyHistograms!.merged))).toEqual(r.latency);
    const bytes = statSync(path()).size;
    // The figure the README quotes (measured: 9,075 bytes).
    process.stdout.write(`baseline of one 3-repeat round (6000 tx a repeat, 20 ms + 25 ms exponential tail): ${bytes} bytes\n`);
    expect(bytes).toBeLessThan(20_000);
    // Every histogram is one line: a re-recorded baseline diffs as a few long lines, not thousands.
    expect(readFileSync(path(), 'utf8').split('\n').length).toBeLessThan(80);
  });

  test('the comparison carries the baseline\'s merged histogram for the report', () => {
    record(gated([1, 2, 3].map((seed, i) => roundOf(fabricLike(500, seed), i))));
    const j = judgeAgainstBaseline(gated([4, 5, 6].map((seed, i) => roundOf(fabricLike(500, seed), i))), { p95: '+10%' }, settings());
    expect(j.comparison.status).toBe('compared');
    expect(j.comparison.baselineLatencyHistogram).toBe(readBaseline(path())!.rounds[0].latencyHistograms?.merged);
  });

  test('a file recorded without histograms still loads and compares, without the distribution', () => {
    record(gated([200, 202, 198].map((t, i) => transferRound({ throughput: t, roundIndex: i }))));
    const old = JSON.parse(readFileSync(path(), 'utf8')) as BaselineFile;
    expect(old.rounds[0].latencyHistograms).toBeUndefined();
    const j = judgeAgainstBaseline(gated([201, 199, 200].map((t, i) => roundOf(fabricLike(100, i + 1), i, { throughput: t }))), { throughput: '-5%' }, settings());
    expect(j.comparison).toMatchObject({ status: 'compared', pass: true });
    expect(j.comparison.baselineLatencyHistogram).toBeUndefined();
  });

  test('a damaged histogram is refused, naming the round, the field and the fix', () => {
    record(gated([1, 2, 3].map((seed, i) => roundOf(fabricLike(100, seed), i))));
    const file = JSON.parse(readFileSync(path(), 'utf8')) as BaselineFile;
    file.rounds[0].latencyHistograms!.repeats[1] = 'not-a-histogram';
    writeFileSync(path(), JSON.stringify(file));
    expect(() => readBaseline(path())).toThrow(/: round 'transfer' of 'transfer holds' \(perf\/transfer\.perf\.ts\): latencyHistograms\.repeats\[1\]: not an encoded HDR histogram .*; fix: record the baseline again with `npx vitest run --project perf -u`/);
    file.rounds[0].latencyHistograms!.repeats.pop();
    writeFileSync(path(), JSON.stringify(file));
    expect(() => readBaseline(path())).toThrow(/latencyHistograms: must be \{ merged, repeats \} with one histogram per repeat \(3\)/);
  });
});

describe('latencyAtPercentiles', () => {
  test('reads percentiles in ms, 100 as the maximum', () => {
    const h = newMergeHistogram();
    for (let v = 1; v <= 100; v++) recordUs(h, msToUs(v));
    const [p0, p50, p100] = latencyAtPercentiles(h, [0, 50, 100]);
    expect(p0).toBeCloseTo(1, 2);
    expect(p50).toBeCloseTo(50, 1);
    expect(p100).toBeCloseTo(100, 1);
  });
});
