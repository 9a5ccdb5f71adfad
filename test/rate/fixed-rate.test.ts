import { describe, expect, test } from 'vitest';
import { createRateController, rateModel } from '../../src/rate/registry.ts';
import { ctx, progress, schedule } from './sim.ts';

describe('fixed-rate', () => {
  test('1000 tps over 4 workers interleaves to one send per ms, with no drift after 1e6 transactions', async () => {
    const spec = { type: 'fixed-rate', opts: { tps: 1000 } };
    const p = progress();
    for (let w = 0; w < 4; w++) {
      const c = await createRateController(spec, ctx({ workerIndex: w, workerCount: 4 }));
      expect(c.model).toBe('open');
      // Worker w sends transaction i at 4i + w ms: 250 tps each, shifted by a quarter interval.
      for (const i of [0, 1, 2, 999, 123_456]) {
        p.sent = i;
        expect(c.next(p)).toBe(4 * i + w);
      }
      let last = 0;
      for (let i = 0; i <= 1_000_000; i++) {
        p.sent = i;
        last = c.next(p);
      }
      expect(last).toBe(4_000_000 + w);
    }
  });

  test('an awkward rate (7 tps, 3 workers) gives an evenly spaced combined stream', async () => {
    const all: number[] = [];
    for (let w = 0; w < 3; w++) {
      const c = await createRateController({ type: 'fixed-rate', opts: { tps: 7 } }, ctx({ workerIndex: w, workerCount: 3 }));
      all.push(...schedule(c, 10_000));
    }
    all.sort((a, b) => a - b);
    let worst = 0;
    for (let k = 1; k < all.length; k++) worst = Math.max(worst, Math.abs(all[k] - all[k - 1] - 1000 / 7));
    expect(worst).toBeLessThan(1e-6);
    // The 30 000th transaction of the round is due exactly at 29 999 / 7 s.
    expect(all[all.length - 1]).toBeCloseTo((29_999 * 1000) / 7, 6);
  });

  test('times do not depend on lateness: a late worker gets the same absolute times', async () => {
    const c = await createRateController({ type: 'fixed-rate', opts: { tps: 100 } }, ctx());
    const p = progress();
    p.now = 5_000; // far behind schedule
    p.sent = 10;
    expect(c.next(p)).toBe(100);
  });

  test('accepts a numeric string (quoted YAML) and is open-model', async () => {
    const c = await createRateController({ type: 'fixed-rate', opts: { tps: '50' } }, ctx());
    expect(schedule(c, 3)).toEqual([0, 20, 40]);
    expect(rateModel({ type: 'fixed-rate', opts: { tps: 1 } })).toBe('open');
  });
});
