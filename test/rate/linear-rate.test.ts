import { describe, expect, test } from 'vitest';
import { createRateController } from '../../src/rate/registry.ts';
import { ctx, progress, schedule, scheduleUntil } from './sim.ts';

/** Cumulative whole-round count N(t) of a rate going linearly from a to b tps over d ms. */
function integral(a: number, b: number, d: number, t: number): number {
  return (a * t + ((b - a) * t * t) / (2 * d)) / 1000;
}

async function combined(startingTps: number, finishingTps: number, workers: number, durationMs: number): Promise<number[]> {
  const all: number[] = [];
  for (let w = 0; w < workers; w++) {
    const c = await createRateController({ type: 'linear-rate', opts: { startingTps, finishingTps } }, ctx({ workerIndex: w, workerCount: workers, durationMs }));
    all.push(...scheduleUntil(c, durationMs));
  }
  return all.sort((x, y) => x - y);
}

describe('linear-rate over a txDuration round', () => {
  for (const [a, b] of [
    [100, 500],
    [500, 100],
  ]) {
    test(`${a} -> ${b} tps over 4 workers: every 1 s window holds the integral of the rate`, async () => {
      const d = 10_000;
      const all = await combined(a, b, 4, d);
      expect(all.length).toBeGreaterThanOrEqual(((a + b) / 2) * 10 - 1);
      expect(all.length).toBeLessThanOrEqual(((a + b) / 2) * 10 + 1);
      for (let s = 0; s < d; s += 1000) {
        const count = all.filter((t) => t >= s && t < s + 1000).length;
        expect(Math.abs(count - (integral(a, b, d, s + 1000) - integral(a, b, d, s)))).toBeLessThanOrEqual(1);
      }
      // The k-th transaction of the round is due exactly when the integral reaches k.
      let worst = 0;
      all.forEach((t, k) => {
        worst = Math.max(worst, Math.abs(integral(a, b, d, t) - k));
      });
      expect(worst).toBeLessThan(1e-6);
    });
  }

  test('equal rates reproduce fixed-rate exactly', async () => {
    const lin = await createRateController({ type: 'linear-rate', opts: { startingTps: 200, finishingTps: 200 } }, ctx({ workerIndex: 1, workerCount: 2, durationMs: 5000 }));
    const fix = await createRateController({ type: 'fixed-rate', opts: { tps: 200 } }, ctx({ workerIndex: 1, workerCount: 2 }));
    const x = schedule(lin, 500);
    const y = schedule(fix, 500);
    let worst = 0;
    x.forEach((t, i) => {
      worst = Math.max(worst, Math.abs(t - y[i]));
    });
    expect(worst).toBeLessThan(1e-9);
  });

  test('after the duration it keeps the finishing rate', async () => {
    const c = await createRateController({ type: 'linear-rate', opts: { startingTps: 10, finishingTps: 20 } }, ctx({ durationMs: 1000 }));
    const p = progress();
    p.sent = 15; // exactly (10 + 20) / 2 transactions fit in the first second
    expect(c.next(p)).toBeCloseTo(1000, 9);
    p.sent = 17;
    expect(c.next(p)).toBeCloseTo(1100, 9);
  });
});

describe('linear-rate over a txNumber round', () => {
  test('the rate between consecutive transactions moves linearly with the index', async () => {
    const n = 1000;
    const c = await createRateController({ type: 'linear-rate', opts: { startingTps: 10, finishingTps: 100 } }, ctx({ txCount: n }));
    const times = schedule(c, n + 1);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const rate = 1000 / (times[i + 1] - times[i]);
      const expected = 10 + (90 * (i + 0.5)) / n;
      worst = Math.max(worst, Math.abs(rate / expected - 1));
    }
    expect(worst).toBeLessThan(1e-4);
    // Closed form of the whole ramp: n / (b − a) · ln(b / a) seconds.
    expect(times[n]).toBeCloseTo(((n * 1000) / 90) * Math.log(10), 6);
  });

  test('workers are phase-shifted by half an index with two workers', async () => {
    const w0 = await createRateController({ type: 'linear-rate', opts: { startingTps: 20, finishingTps: 20 } }, ctx({ txCount: 10, workerIndex: 0, workerCount: 2 }));
    const w1 = await createRateController({ type: 'linear-rate', opts: { startingTps: 20, finishingTps: 20 } }, ctx({ txCount: 10, workerIndex: 1, workerCount: 2 }));
    expect(schedule(w0, 3).map((t) => Math.round(t * 1e6) / 1e6)).toEqual([0, 100, 200]);
    expect(schedule(w1, 3).map((t) => Math.round(t * 1e6) / 1e6)).toEqual([50, 150, 250]);
  });

  test('needs a round length', async () => {
    await expect(createRateController({ type: 'linear-rate', opts: { startingTps: 1, finishingTps: 2 } }, ctx())).rejects.toThrow(/txNumber or a txDuration/);
  });
});
