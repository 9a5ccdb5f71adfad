import { describe, expect, test } from 'vitest';
import { createRateController, rateModel } from '../../src/rate/registry.ts';
import { WAIT_FOR_COMPLETION } from '../../src/rate/types.ts';
import { ctx, progress, schedule, scheduleUntil } from './sim.ts';

const fixed = (tps: number) => ({ type: 'fixed-rate', opts: { tps } });

describe('composite-rate in a txNumber round', () => {
  test('switches after the weighted share of transactions and continues where the share ended', async () => {
    const c = await createRateController({ type: 'composite-rate', opts: { weights: [1, 3], rateControllers: [fixed(100), fixed(400)] } }, ctx({ txCount: 100 }));
    const times = schedule(c, 100);
    // 25 transactions at 10 ms, ending at 250 ms, then 75 at 2.5 ms.
    expect(times.slice(0, 25)).toEqual(Array.from({ length: 25 }, (_, i) => 10 * i));
    expect(times.slice(25)).toEqual(Array.from({ length: 75 }, (_, i) => 250 + 2.5 * i));
  });

  test('every worker switches at its own share', async () => {
    for (let w = 0; w < 2; w++) {
      const c = await createRateController({ type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [fixed(20), fixed(200)] } }, ctx({ txCount: 10, workerIndex: w, workerCount: 2 }));
      const times = schedule(c, 10);
      const gaps = times.slice(1).map((t, i) => Math.round((t - times[i]) * 1000) / 1000);
      expect(gaps.slice(0, 4)).toEqual([100, 100, 100, 100]);
      expect(gaps.slice(5)).toEqual([10, 10, 10, 10]);
      expect(times[0]).toBe(50 * w);
    }
  });

  test('the combined stream of all workers stays evenly interleaved across the switch', async () => {
    const all: number[] = [];
    for (let w = 0; w < 3; w++) {
      const c = await createRateController({ type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [fixed(1000), fixed(500)] } }, ctx({ txCount: 6, workerIndex: w, workerCount: 3 }));
      all.push(...schedule(c, 6));
    }
    all.sort((a, b) => a - b);
    // 9 transactions 1 ms apart (1000 tps), then 9 transactions 2 ms apart (500 tps) from 9 ms.
    expect(all.map((t) => Math.round(t * 1e9) / 1e9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 17, 19, 21, 23, 25]);
  });

  test('zero weights switch an entry off', async () => {
    const c = await createRateController({ type: 'composite-rate', opts: { weights: [0, 1], rateControllers: [fixed(1), fixed(1000)] } }, ctx({ txCount: 5 }));
    expect(schedule(c, 5)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('composite-rate in a txDuration round', () => {
  test('a rate phase then a silent phase: sending stops exactly at the share boundary', async () => {
    const c = await createRateController({ type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [fixed(10), { type: 'zero-rate' }] } }, ctx({ durationMs: 10_000 }));
    const times = scheduleUntil(c, 10_000);
    expect(times).toEqual(Array.from({ length: 50 }, (_, i) => 100 * i));
  });

  test('a silent phase then a rate phase: the rate clock starts at the boundary', async () => {
    const c = await createRateController({ type: 'composite-rate', opts: { weights: [2, 1, 1], rateControllers: [{ type: 'zero-rate' }, fixed(100), fixed(10)] } }, ctx({ durationMs: 4000 }));
    const times = scheduleUntil(c, 4000);
    // 2000..2990 at 10 ms (100 tx), then 3000..3900 at 100 ms (10 tx).
    expect(times.length).toBe(110);
    expect(times[0]).toBe(2000);
    expect(times[99]).toBe(2990);
    expect(times.slice(100)).toEqual(Array.from({ length: 10 }, (_, i) => 3000 + 100 * i));
  });

  test('a closed-model phase hands over once the clock passes its boundary', async () => {
    const c = await createRateController({ type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [{ type: 'fixed-load', opts: { transactionLoad: 2 } }, fixed(100)] } }, ctx({ durationMs: 1000 }));
    expect(c.model).toBe('closed');
    const p = progress();
    p.now = 100;
    p.sent = 7;
    p.completed = 6;
    expect(c.next(p)).toBe(100);
    p.sent = 8;
    expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
    p.now = 500;
    expect(c.next(p)).toBe(500);
    p.sent = 9;
    expect(c.next(p)).toBe(510);
  });

  test('nested composite and linear-rate get their share of the duration', async () => {
    const inner = { type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [fixed(10), { type: 'linear-rate', opts: { startingTps: 10, finishingTps: 30 } }] } };
    const c = await createRateController({ type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [inner, { type: 'zero-rate' }] } }, ctx({ durationMs: 4000 }));
    const times = scheduleUntil(c, 4000);
    // 1 s at 10 tps, then 1 s ramping 10 -> 30 tps (20 tx), then nothing.
    expect(times.filter((t) => t < 1000).length).toBe(10);
    expect(times.filter((t) => t >= 1000).length).toBe(20);
    expect(times[times.length - 1]).toBeLessThan(2000);
  });
});

test('model: closed as soon as one weighted part is closed', () => {
  expect(rateModel({ type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [fixed(1), { type: 'zero-rate' }] } })).toBe('open');
  expect(rateModel({ type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [fixed(1), { type: 'fixed-backlog' }] } })).toBe('closed');
  expect(rateModel({ type: 'composite-rate', opts: { weights: [1, 0], rateControllers: [fixed(1), { type: 'fixed-backlog' }] } })).toBe('open');
});

test('zero-rate sends nothing', async () => {
  const c = await createRateController({ type: 'zero-rate' }, ctx({ durationMs: 1000 }));
  expect(c.next(progress())).toBe(Number.POSITIVE_INFINITY);
  expect(rateModel({ type: 'zero-rate' })).toBe('open');
});
