import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { MAX_FAILURE_REASONS, MAX_PHASES } from '../../src/stats/recorder.ts';
import { expectHdr, feed, OK, recorder, resultOf, type Tx } from './helpers.ts';

/** Ten transactions of one worker, 100 ms apart, latency 10 + index ms; index 0, 5 and 9 fail. */
function tenTxs(): Tx[] {
  return Array.from({ length: 10 }, (_, i) => ({
    index: i,
    sent: 1000 + i * 100,
    end: 1000 + i * 100 + 10 + i,
    ok: !(i === 0 || i === 5 || i === 9),
    reason: `r${i}`,
  }));
}

describe('TxRecorder', () => {
  test('untrimmed counters count everything, trimmed or not', () => {
    const rec = recorder({ trim: 2, txCount: 10 });
    feed(rec, tenTxs());
    expect([rec.sent, rec.completed, rec.succeeded, rec.failed]).toEqual([10, 10, 7, 3]);
    const snap = rec.takeSnapshot();
    expect([snap.sent, snap.completed, snap.succeeded, snap.failed]).toEqual([10, 10, 7, 3]);
    // Counters are running totals; the snapshot is a delta.
    expect(rec.sent).toBe(10);
    expect(rec.takeSnapshot().sent).toBe(0);
  });

  test('trim by tx drops exactly the first and last `trim` transactions of the worker', () => {
    const r = resultOf(tenTxs(), { trim: 2, txCount: 10 });
    // Kept: indexes 2..7; 5 failed.
    expect(r.succeeded).toBe(5);
    expect(r.failed).toBe(1);
    expect(r.failuresByReason).toEqual({ r5: 1 });
    expectHdr(r.latency.min, 12);
    expectHdr(r.latency.max, 17);
    // first send = tx 2 at 1200, last completion = tx 7 at 1717.
    expect(r.elapsedSec).toBeCloseTo(0.517, 9);
    expect(r.series.reduce((n, p) => n + p.sent, 0)).toBe(6);
  });

  test('trim by seconds drops transactions sent in the first and last `trim` seconds of the round', () => {
    const txs: Tx[] = [
      { index: 0, sent: 1999.9, end: 2100 },
      { index: 1, sent: 2000, end: 2005 },
      { index: 2, sent: 5000, end: 5007 },
      { index: 3, sent: 7999.9, end: 8500 },
      { index: 4, sent: 8000, end: 8001, ok: false, reason: 'late' },
    ];
    const r = resultOf(txs, { trim: 2, trimBy: 'seconds', durationMs: 10_000 });
    expect(r.succeeded).toBe(3);
    expect(r.failed).toBe(0);
    expectHdr(r.latency.min, 5);
    expectHdr(r.latency.max, 500.1);
    expect(r.elapsedSec).toBeCloseTo(6.5, 9);
  });

  test('a trim that cannot apply or keeps nothing is a ConfigError', () => {
    expect(() => recorder({ trim: 1 })).toThrow(ConfigError);
    expect(() => recorder({ trim: 5, txCount: 10 })).toThrow(/leaves none/);
    expect(() => recorder({ trim: 4, txCount: 10 })).not.toThrow();
    expect(() => recorder({ trim: 5, trimBy: 'seconds', durationMs: 10_000 })).toThrow(ConfigError);
    expect(() => recorder({ trim: 1, trimBy: 'seconds' })).toThrow(/round length/);
    expect(() => recorder({ trim: -1 })).toThrow(ConfigError);
  });

  test('failures count by reason, capped, missing reasons as unknown', () => {
    const rec = recorder();
    const extra = 7;
    for (let i = 0; i < MAX_FAILURE_REASONS + extra; i++) {
      rec.onSend(i, 0, 0);
      rec.onDone(i, 0, 0, 1, { ok: false, reason: `reason ${i}` });
    }
    rec.onSend(999, 0, 0);
    rec.onDone(999, 0, 0, 1, { ok: false, reason: 'reason 3' });
    const snap = rec.takeSnapshot();
    expect(Object.keys(snap.failures)).toHaveLength(MAX_FAILURE_REASONS + 1);
    expect(snap.failures.other).toBe(extra);
    expect(snap.failures['reason 3']).toBe(2);
    // The cap holds across snapshots: a new reason still lands in `other`, a known one keeps its name.
    rec.onDone(1000, 0, 0, 1, { ok: false, reason: 'brand new' });
    rec.onDone(1001, 0, 0, 1, { ok: false, reason: 'reason 0' });
    rec.onDone(1002, 0, 0, 1, { ok: false });
    expect(rec.takeSnapshot().failures).toEqual({ other: 2, 'reason 0': 1 });
  });

  test('without a cap breach an absent reason counts as unknown', () => {
    const rec = recorder();
    rec.onDone(0, 0, 0, 1, { ok: false });
    rec.onDone(1, 0, 0, 1, { ok: false, reason: '' });
    expect(rec.takeSnapshot().failures).toEqual({ unknown: 2 });
  });

  test('phases of successes get one histogram each, a bounded number of names', () => {
    const txs: Tx[] = Array.from({ length: 100 }, (_, i) => ({
      index: i,
      sent: i,
      end: i + 500,
      phases: { endorse: 3 + (i % 2), order: 480, commit: 2 },
    }));
    txs.push({ index: 100, sent: 0, end: 10, ok: false, reason: 'x', phases: { endorse: 99 } });
    const r = resultOf(txs);
    expect(Object.keys(r.phases).sort()).toEqual(['commit', 'endorse', 'order']);
    expect(r.phases.endorse.count).toBe(100);
    expectHdr(r.phases.endorse.min, 3);
    expectHdr(r.phases.endorse.max, 4);
    expectHdr(r.phases.order.p50, 480);
    expectHdr(r.phases.commit.avg, 2);

    const many: Record<string, number> = {};
    for (let k = 0; k < MAX_PHASES + 4; k++) many[`p${k}`] = k + 1;
    const rec = recorder();
    rec.onDone(0, 0, 0, 1, { ok: true, phases: many });
    expect(Object.keys(rec.takeSnapshot().phases)).toHaveLength(MAX_PHASES);
  });

  test('open model records corrected latency and send lateness', () => {
    const txs: Tx[] = [
      { index: 0, intended: 0, sent: 5, end: 15 },
      { index: 1, intended: 100, sent: 100, end: 120 },
      // Sent early: lateness counts as 0.
      { index: 2, intended: 200, sent: 199, end: 229 },
    ];
    const r = resultOf(txs, { openModel: true });
    expectHdr(r.latency.min, 10);
    expectHdr(r.latency.max, 30);
    expectHdr(r.correctedLatency!.min, 15);
    expectHdr(r.correctedLatency!.max, 29);
    expect(r.sendLateness!.count).toBe(3);
    expect(r.sendLateness!.min).toBe(0);
    expectHdr(r.sendLateness!.max, 5);
    const closed = resultOf(txs);
    expect(closed.correctedLatency).toBeUndefined();
    expect(closed.sendLateness).toBeUndefined();
  });

  test('snapshots are deltas: histograms, seconds and failures reset', () => {
    const rec = recorder();
    feed(rec, [{ index: 0, sent: 10, end: 20 }]);
    const a = rec.takeSnapshot();
    expect(a.latency).not.toBeNull();
    expect(a.seconds).toHaveLength(1);
    const b = rec.takeSnapshot();
    expect(b.latency).toBeNull();
    expect(b.seconds).toEqual([]);
    expect(b.keptSucceeded).toBe(0);
    expect(b.firstSendMs).toBeNull();
    expect(b.watermarkSec).toBe(0);
  });

  test('seconds pending longer than the ring is long are all kept, in order', () => {
    const rec = recorder();
    // 40 seconds without a snapshot; seconds 3 and 11 and 19 collide in a ring of 8.
    for (let s = 0; s < 40; s++) feed(rec, [{ index: s, sent: s * 1000 + 1, end: s * 1000 + 2 }]);
    const snap = rec.takeSnapshot();
    expect(snap.seconds.map((d) => d.second)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(snap.seconds.every((d) => d.sent === 1 && d.succeeded === 1 && d.latency !== null)).toBe(true);
    expect(snap.watermarkSec).toBe(39);
  });

  test('snapshots survive structured clone and JSON unchanged', () => {
    const rec = recorder({ openModel: true });
    feed(rec, tenTxs());
    rec.onDone(11, 0, 0, 5, { ok: true, phases: { endorse: 1 } });
    const snap = rec.takeSnapshot();
    expect(structuredClone(snap)).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  test('memory: 2,000,000 transactions make a snapshot of the same shape and size as 2,000', () => {
    function snapshotAfter(n: number) {
      const rec = recorder({ openModel: true });
      const outcome = { ok: true, phases: { endorse: 2, order: 40, commit: 1 } };
      const failure = { ok: false, reason: 'MVCC_READ_CONFLICT' };
      // The same 1.8 s window and the same 100 latency values whatever n is.
      const step = 1800 / n;
      for (let i = 0; i < n; i++) {
        const sent = i * step;
        rec.onSend(i, sent, sent);
        rec.onDone(i, sent, sent, sent + 5 + (i % 100), i % 50 === 0 ? failure : outcome);
      }
      return rec.takeSnapshot();
    }
    const small = snapshotAfter(2_000);
    const big = snapshotAfter(2_000_000);
    expect(big.completed).toBe(2_000_000);
    const shape = (s: typeof small) =>
      JSON.stringify(s, (_k, v) => (typeof v === 'number' ? 0 : typeof v === 'string' ? 's' : v));
    expect(shape(big)).toBe(shape(small));
    // Encoded histograms grow only by the bytes of larger counts, not with the number of values.
    const bigSize = JSON.stringify(big).length;
    const smallSize = JSON.stringify(small).length;
    expect(bigSize).toBeLessThan(smallSize * 2);
    expect(bigSize).toBeLessThan(4_000);
  });

  test('a success outcome shared by all calls is never mutated', () => {
    const rec = recorder();
    rec.onDone(0, 0, 0, 1, OK);
    expect(OK).toEqual({ ok: true });
  });
});
