import { describe, expect, test } from 'vitest';
import { MAX_PENDING_SECONDS, RoundAggregator } from '../../src/stats/aggregate.ts';
import { MAX_FAILURE_REASONS } from '../../src/stats/recorder.ts';
import { expectHdr, feed, meta, recorder, resultOf, type Tx } from './helpers.ts';

/** Four transactions with hand-computable figures (see the formulas test). */
const FOUR: Tx[] = [
  { index: 0, sent: 100, end: 300 },
  { index: 1, sent: 900, end: 1500 },
  { index: 2, sent: 1200, end: 3100, ok: false, reason: 'MVCC_READ_CONFLICT' },
  { index: 3, sent: 1300, end: 3200 },
];

describe('RoundAggregator', () => {
  test('the formulas on a hand-computed case', () => {
    const r = resultOf(FOUR);
    expect(r.succeeded).toBe(3);
    expect(r.failed).toBe(1);
    expect(r.failuresByReason).toEqual({ MVCC_READ_CONFLICT: 1 });
    // first send 100, last send 1300, last completion 3200 (ms)
    expect(r.elapsedSec).toBeCloseTo(3.1, 12);
    expect(r.sendRate).toBeCloseTo(4 / 1.2, 12);
    expect(r.throughput).toBeCloseTo(3 / 3.1, 12);
    expect(r.caliperThroughput).toBeCloseTo(4 / 3.1, 12);
    expect(r.latency.count).toBe(3);
    expectHdr(r.latency.min, 200);
    expectHdr(r.latency.p50, 600);
    expectHdr(r.latency.max, 1900);
    expectHdr(r.latency.avg, 900);
  });

  test('timeouts and unfinished transactions do not stretch the span successes are rated over', () => {
    const agg = new RoundAggregator(meta());
    const rec = recorder();
    feed(rec, FOUR);
    // A transaction sent at 1400 ms that the connector gave up on at 31,400 ms, and one never settled,
    // given up at 32,000 ms: the four real completions ended at 3,200 ms.
    rec.onSend(4, 1400, 1400);
    rec.onDone(4, 1400, 1400, 31_400, { ok: false, stage: 'timeout', reason: 'timeout: commit' });
    rec.onSend(5, 1500, 1500);
    rec.onUnsettled(5, 1500, 32_000, 'unfinished');
    agg.add(0, rec.takeSnapshot());
    const r = agg.result();
    expect(r.succeeded).toBe(3);
    expect(r.failed).toBe(3);
    expect(r.unfinished).toBe(1);
    expect(r.failuresByReason).toEqual({ MVCC_READ_CONFLICT: 1, 'timeout: commit': 1, unfinished: 1 });
    expect(r.elapsedSec).toBeCloseTo(3.1, 12);
    expect(r.throughput).toBeCloseTo(3 / 3.1, 12);
    // Caliper's figure counts the timeout where it fired, and leaves out what never settled.
    expect(r.caliperThroughput).toBeCloseTo(5 / 31.3, 12);
    expect(r.sendRate).toBeCloseTo(6 / 1.4, 12);
  });

  test('interrupted and dropped transactions are neither successes nor failures', () => {
    const agg = new RoundAggregator(meta());
    const rec = recorder();
    feed(rec, FOUR);
    rec.onSend(4, 1400, 1400);
    rec.onUnsettled(4, 1400, 2000, 'interrupted');
    rec.onDropped(5, 1500);
    agg.add(0, rec.takeSnapshot());
    const r = agg.result();
    expect(r.succeeded + r.failed).toBe(4);
    expect(r.interrupted).toBe(1);
    expect(r.dropped).toBe(1);
    expect(r.unfinished).toBeUndefined();
    expect(r.throughput).toBeCloseTo(3 / 3.1, 12);
  });

  test('a single transaction: no send span, so sendRate is 0 instead of infinite', () => {
    const r = resultOf([{ index: 0, sent: 50, end: 250 }]);
    expect(r.sendRate).toBe(0);
    expect(r.throughput).toBeCloseTo(5, 12);
    expect(r.caliperThroughput).toBeCloseTo(5, 12);
    expect(r.elapsedSec).toBeCloseTo(0.2, 12);
  });

  test('an empty round gives zeros, not NaN', () => {
    const r = new RoundAggregator(meta()).result();
    expect([r.succeeded, r.failed, r.sendRate, r.throughput, r.caliperThroughput, r.elapsedSec]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.latency.count).toBe(0);
    expect(r.series).toEqual([]);
    expect(Object.values(r.latency).every(Number.isFinite)).toBe(true);
  });

  test('the per-second series: sends by send second, outcomes and percentiles by completion second', () => {
    const r = resultOf(FOUR);
    expect(r.series).toEqual([
      { second: 0, sent: 2, succeeded: 1, failed: 0, p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) },
      { second: 1, sent: 2, succeeded: 1, failed: 0, p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) },
      { second: 2, sent: 0, succeeded: 0, failed: 0, p50: null, p95: null, p99: null },
      { second: 3, sent: 0, succeeded: 1, failed: 1, p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) },
    ]);
    expectHdr(r.series[0].p50, 200);
    expectHdr(r.series[1].p99, 600);
    expectHdr(r.series[3].p95, 1900);
  });

  test('merging snapshots of several recorders equals one recorder fed everything', () => {
    const workers = 3;
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const all: Tx[] = [];
    for (let i = 0; i < 6000; i++) {
      const sent = i * 1.5;
      all.push({
        index: i,
        intended: sent - rnd() * 2,
        sent,
        end: sent + 1 + rnd() * rnd() * 3000,
        ok: rnd() > 0.05,
        reason: rnd() > 0.5 ? 'ENDORSEMENT_POLICY_FAILURE' : 'timeout',
        phases: { endorse: rnd() * 10, commit: rnd() * 100 },
      });
    }
    const open = { openModel: true };
    const one = recorder(open);
    const oneAgg = new RoundAggregator(meta({ model: 'open' }));
    const recs = Array.from({ length: workers }, (_, w) => recorder({ ...open, workerIndex: w }));
    const agg = new RoundAggregator(meta({ model: 'open', workers }));
    // Replay sends and completions in time order, as they happen; worker w takes a snapshot every
    // second at an offset of its own, the single recorder every second on the second.
    const events = all.flatMap((t) => [
      { at: t.sent, t, done: false },
      { at: t.end, t, done: true },
    ]);
    events.sort((x, y) => x.at - y.at);
    const nextSnap = recs.map((_, w) => 1000 + w * 330);
    let oneNext = 1000;
    for (const e of events) {
      while (e.at >= oneNext) {
        oneAgg.add(0, one.takeSnapshot());
        oneNext += 1000;
      }
      const w = e.t.index % workers;
      while (e.at >= nextSnap[w]) {
        agg.add(w, recs[w].takeSnapshot());
        nextSnap[w] += 1000;
      }
      for (const rec of [one, recs[w]]) {
        const { index, intended, sent, end, ok, reason, phases } = e.t;
        if (!e.done) rec.onSend(index, intended!, sent);
        else rec.onDone(index, intended!, sent, end, ok ? { ok, phases } : { ok: false, reason });
      }
    }
    oneAgg.add(0, one.takeSnapshot());
    for (let w = 0; w < workers; w++) agg.add(w, recs[w].takeSnapshot());
    const merged = agg.result();
    const single = oneAgg.result();
    expect({ ...merged, workers: 1 }).toEqual(single);
    expect(single.succeeded + single.failed).toBe(6000);
    expect(single.series.length).toBeGreaterThan(5);
    expect(Object.keys(single.phases).sort()).toEqual(['commit', 'endorse']);
  });

  test('failure reasons are capped over all workers too', () => {
    const agg = new RoundAggregator(meta({ workers: 2 }));
    for (const w of [0, 1]) {
      const rec = recorder({ workerIndex: w });
      for (let i = 0; i < 30; i++) rec.onDone(i, 0, 0, 1, { ok: false, reason: `w${w} reason ${i}` });
      agg.add(w, rec.takeSnapshot());
    }
    const r = agg.result();
    expect(Object.keys(r.failuresByReason)).toHaveLength(MAX_FAILURE_REASONS + 1);
    expect(r.failuresByReason.other).toBe(60 - MAX_FAILURE_REASONS);
    expect(r.failed).toBe(60);
  });

  test('a settled second is folded: late latencies keep its counts exact but not its percentiles', () => {
    const agg = new RoundAggregator(meta());
    const rec = recorder();
    feed(rec, [
      { index: 0, sent: 100, end: 110 },
      { index: 1, sent: 3100, end: 3110 },
    ]);
    agg.add(0, rec.takeSnapshot()); // watermark 3: second 0 and 1 are settled
    feed(rec, [{ index: 2, sent: 200, end: 900 }]); // a straggler stamped in second 0
    agg.add(0, rec.takeSnapshot());
    const r = agg.result();
    expect(r.series[0].succeeded).toBe(2);
    expect(r.series[0].sent).toBe(2);
    expectHdr(r.series[0].p99, 10);
    // The round's own latency figures include it.
    expectHdr(r.latency.max, 700);
  });

  test('seconds a lagging worker could still fill wait, at most MAX_PENDING_SECONDS of them', () => {
    const agg = new RoundAggregator(meta({ workers: 2 }));
    const fast = recorder({ workerIndex: 0 });
    const slow = recorder({ workerIndex: 1 });
    // Worker 1 reports second 0 only after worker 0 has reported second 5: still merged exactly.
    for (let s = 0; s < 6; s++) feed(fast, [{ index: s, sent: s * 1000 + 1, end: s * 1000 + 10 }]);
    agg.add(0, fast.takeSnapshot());
    feed(slow, [{ index: 0, sent: 1, end: 500 }]);
    agg.add(1, slow.takeSnapshot());
    let r = agg.result();
    expectHdr(r.series[0].p99, 499);
    // Past the cap, the oldest seconds fold without waiting.
    const agg2 = new RoundAggregator(meta({ workers: 2 }));
    const f2 = recorder({ workerIndex: 0 });
    const s2 = recorder({ workerIndex: 1 });
    const n = MAX_PENDING_SECONDS + 5;
    for (let s = 0; s < n; s++) feed(f2, [{ index: s, sent: s * 1000 + 1, end: s * 1000 + 10 }]);
    agg2.add(0, f2.takeSnapshot());
    feed(s2, [{ index: 0, sent: 1, end: 500 }]);
    agg2.add(1, s2.takeSnapshot());
    r = agg2.result();
    expect(r.series[0].succeeded).toBe(2);
    expectHdr(r.series[0].p99, 9);
    expect(r.series).toHaveLength(n);
  });

  test('progress: untrimmed totals and the completions of the last whole second', () => {
    const agg = new RoundAggregator(meta({ workers: 2 }));
    const a = recorder({ workerIndex: 0, trim: 1, txCount: 100 });
    const b = recorder({ workerIndex: 1 });
    const txs = (from: number, n: number, second: number): Tx[] =>
      Array.from({ length: n }, (_, k) => ({ index: from + k, sent: second * 1000 + k, end: second * 1000 + k + 1 }));
    feed(a, txs(0, 30, 0));
    feed(b, txs(0, 20, 0));
    feed(a, txs(30, 1, 1));
    agg.add(0, a.takeSnapshot());
    agg.add(1, b.takeSnapshot());
    const p = agg.progress();
    expect(p).toEqual({ sent: 51, completed: 51, succeeded: 51, failed: 0, currentTps: 50 });
  });

  test('meta and extra pass through; closed rounds have no open-model figures', () => {
    const agg = new RoundAggregator(meta({ label: 'transfer', description: 'd', txNumber: 4, roundIndex: 2 }));
    const rec = recorder();
    feed(rec, FOUR);
    agg.add(0, rec.takeSnapshot());
    const r = agg.result({ aborted: { reason: 'worker 0 exited', workerIndex: 0, exitCode: 1 }, conflicts: { byCode: { MVCC_READ_CONFLICT: 1 }, hotKeys: [] } });
    expect(r).toMatchObject({ schemaVersion: 1, label: 'transfer', description: 'd', txNumber: 4, roundIndex: 2, model: 'closed', expectations: [] });
    expect(r.aborted?.exitCode).toBe(1);
    expect(r.conflicts?.byCode.MVCC_READ_CONFLICT).toBe(1);
    expect('correctedLatency' in r).toBe(false);
    expect(() => agg.add(1, rec.takeSnapshot())).toThrow(RangeError);
  });
});
