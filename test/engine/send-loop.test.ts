import { performance } from 'node:perf_hooks';
import { describe, expect, test } from 'vitest';
import type { TxOutcome } from '../../src/connectors/types.ts';
import { SendLoop } from '../../src/engine/send-loop.ts';
import { createRateController } from '../../src/rate/registry.ts';
import { TxRecorder } from '../../src/stats/recorder.ts';
import { splitCount } from '../../src/engine/split.ts';

const ctx = { workerIndex: 0, workerCount: 1, roundIndex: 0, roundLabel: 't', baseDir: process.cwd() };

function clock() {
  const origin = performance.now();
  return () => performance.now() - origin;
}

function recorder(openModel: boolean, txCount?: number) {
  return new TxRecorder({ workerIndex: 0, trim: 0, trimBy: 'tx', txCount, openModel });
}

describe('send loop', () => {
  test('fixed-rate: every transaction is sent at or after its intended time, none early', async () => {
    const now = clock();
    const controller = await createRateController({ type: 'fixed-rate', opts: { tps: 500 } }, { ...ctx, txCount: 200 });
    const early: number[] = [];
    /** Notes every send that went out before its intended time. */
    class CheckingRecorder extends TxRecorder {
      override onSend(index: number, intended: number, sent: number): void {
        if (sent < intended) early.push(intended - sent);
        super.onSend(index, intended, sent);
      }
    }
    const rec = new CheckingRecorder({ workerIndex: 0, trim: 0, trimBy: 'tx', txCount: 200, openModel: true });
    const loop = new SendLoop({
      controller,
      recorder: rec,
      run: async () => ({ ok: true }),
      now,
      txCount: 200,
    });
    await loop.run();
    expect(await loop.drain(1000, 'unfinished')).toBe(0);
    expect(early).toEqual([]);
    expect(rec.sent).toBe(200);
    expect(rec.completed).toBe(200);
    // 200 transactions at 500 tps: the last is due 398 ms after the round's start.
    expect(now()).toBeGreaterThanOrEqual(398);
  });

  test('fixed-load keeps the backlog at its limit (closed model)', async () => {
    const now = clock();
    const controller = await createRateController({ type: 'fixed-load', opts: { transactionLoad: 5 } }, { ...ctx, txCount: 100 });
    expect(controller.model).toBe('closed');
    const rec = recorder(false, 100);
    let inFlight = 0;
    let maxInFlight = 0;
    const loop = new SendLoop({
      controller,
      recorder: rec,
      run: () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise<TxOutcome>((resolve) =>
          setTimeout(() => {
            inFlight--;
            resolve({ ok: true });
          }, 2),
        );
      },
      now,
      txCount: 100,
    });
    await loop.run();
    await loop.drain(1000, 'unfinished');
    expect(maxInFlight).toBe(5);
    expect(rec.completed).toBe(100);
  });

  test('txDuration: the loop holds the round to its length even when nothing more is due', async () => {
    const now = clock();
    const controller = await createRateController({ type: 'zero-rate', opts: {} }, { ...ctx, durationMs: 300 });
    const rec = recorder(true);
    const loop = new SendLoop({ controller, recorder: rec, run: async () => ({ ok: true }), now, durationMs: 300 });
    await loop.run();
    expect(now()).toBeGreaterThanOrEqual(300);
    expect(rec.sent).toBe(0);
  });

  test('stop() cuts a long sleep short, and drain() gives up what never finished', async () => {
    const now = clock();
    const controller = await createRateController({ type: 'fixed-rate', opts: { tps: 2 } }, { ...ctx, txCount: 10 });
    const rec = recorder(true, 10);
    const loop = new SendLoop({ controller, recorder: rec, run: () => new Promise<TxOutcome>(() => {}), now, txCount: 10 });
    const running = loop.run();
    setTimeout(() => loop.stop(), 100);
    await running;
    expect(now()).toBeLessThan(450); // the second send was due at 500 ms
    expect(rec.sent).toBe(1);
    expect(await loop.drain(50, 'unfinished')).toBe(1);
    expect(rec.failed).toBe(1);
    const snap = rec.takeSnapshot();
    expect(snap.failures).toEqual({ unfinished: 1 });
    expect(snap.keptUnfinished).toBe(1);
    // Given up, not settled: the round's last completion does not move.
    expect(snap.lastDoneMs).toBeNull();
  });

  test('a closed-model round whose workload never settles some calls still ends: they count as unfinished', async () => {
    const now = clock();
    const controller = await createRateController({ type: 'fixed-load', opts: { transactionLoad: 2 } }, { ...ctx, txCount: 40 });
    const rec = recorder(false, 40);
    // Every tenth call never settles: without a settle limit the backlog fills with them and the loop
    // waits for a completion forever.
    const run = (index: number) => (index % 10 === 3 ? new Promise<TxOutcome>(() => {}) : new Promise<TxOutcome>((r) => setTimeout(() => r({ ok: true }), 1)));
    const loop = new SendLoop({ controller, recorder: rec, run, now, txCount: 40, settleLimitMs: 150 });
    await loop.run();
    expect(await loop.drain(1000, 'unfinished')).toBe(0);
    expect(rec.sent).toBe(40);
    const snap = rec.takeSnapshot();
    expect(snap.keptSucceeded).toBe(36);
    expect(snap.keptUnfinished).toBe(4);
    expect(snap.failures).toEqual({ unfinished: 4 });
  });

  test('a late completion of a transaction already given up is not counted twice', async () => {
    const now = clock();
    const controller = await createRateController({ type: 'fixed-rate', opts: { tps: 1000 } }, { ...ctx, txCount: 1 });
    const rec = recorder(true, 1);
    const loop = new SendLoop({ controller, recorder: rec, run: () => new Promise<TxOutcome>((r) => setTimeout(() => r({ ok: true }), 400)), now, txCount: 1, settleLimitMs: 100 });
    await loop.run();
    await loop.drain(1000, 'unfinished');
    await new Promise((r) => setTimeout(r, 450));
    expect(rec.completed).toBe(1);
    expect(rec.succeeded).toBe(0);
    expect(rec.failed).toBe(1);
  });

  test('maxInFlight: a due transaction is not sent while the limit is open, and counts as dropped', async () => {
    const now = clock();
    const controller = await createRateController({ type: 'fixed-rate', opts: { tps: 2000 } }, { ...ctx, txCount: 100 });
    const rec = recorder(true, 100);
    // Nothing answers for 100 ms: at 2,000 tps, 200 would be due meanwhile.
    const run = () => new Promise<TxOutcome>((r) => setTimeout(() => r({ ok: true }), 100));
    const loop = new SendLoop({ controller, recorder: rec, run, now, txCount: 100, maxInFlight: 10 });
    await loop.run();
    await loop.drain(1000, 'unfinished');
    const snap = rec.takeSnapshot();
    expect(rec.sent).toBe(10);
    expect(snap.keptDropped).toBe(90);
    expect(snap.keptSucceeded).toBe(10);
    expect(snap.keptFailed).toBe(0);
  });

  test('stopped rounds count what is still in flight as interrupted, neither success nor failure', async () => {
    const now = clock();
    const controller = await createRateController({ type: 'fixed-rate', opts: { tps: 100 } }, { ...ctx, txCount: 100 });
    const rec = recorder(true, 100);
    const loop = new SendLoop({ controller, recorder: rec, run: () => new Promise<TxOutcome>(() => {}), now, txCount: 100 });
    const running = loop.run();
    setTimeout(() => loop.stop(), 55);
    await running;
    const inFlight = rec.sent;
    expect(inFlight).toBeGreaterThan(0);
    expect(await loop.drain(20, 'interrupted')).toBe(inFlight);
    const snap = rec.takeSnapshot();
    expect(snap.keptInterrupted).toBe(inFlight);
    expect(snap.keptFailed).toBe(0);
    expect(snap.failures).toEqual({});
  });
});

describe('splitCount', () => {
  test('shares add up and differ by at most one', () => {
    expect(splitCount(10, 3)).toEqual([4, 3, 3]);
    expect(splitCount(5000, 5)).toEqual([1000, 1000, 1000, 1000, 1000]);
    for (const [total, w] of [[7, 7], [1_000_003, 4], [13, 5]]) {
      const s = splitCount(total, w);
      expect(s.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
    }
  });
});
