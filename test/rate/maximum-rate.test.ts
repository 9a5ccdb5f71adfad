import { describe, expect, test } from 'vitest';
import type { MaximumRateController } from '../../src/rate/maximum-rate.ts';
import { createRateController, rateModel } from '../../src/rate/registry.ts';
import { ctx, progress } from './sim.ts';

/**
 * An on-time worker against a simulated system that completes at most `capacity` tps (work queues
 * up beyond that). Returns the worker's target rate at the end and the rates it went through.
 */
function drive(c: MaximumRateController, capacity: number, seconds: number, failAll = false): { final: number; seen: number[] } {
  const p = progress();
  const seen: number[] = [c.workerTps];
  let served = 0;
  for (let i = 0; ; i++) {
    p.sent = i;
    const t = c.next(p);
    if (t >= seconds * 1000) break;
    if (c.workerTps !== seen[seen.length - 1]) seen.push(c.workerTps);
    // A server that works through its queue at `capacity` and cannot bank idle time.
    served = Math.min(i, served + (capacity * (t - p.now)) / 1000);
    p.now = t;
    p.completed = Math.floor(served);
    p.succeeded = failAll ? 0 : p.completed;
    p.failed = failAll ? p.completed : 0;
  }
  return { final: c.workerTps, seen };
}

describe('maximum-rate', () => {
  test('climbs from the starting rate towards the capacity and settles around it', async () => {
    const c = (await createRateController({ type: 'maximum-rate', opts: { tps: 20, step: 20, sampleInterval: 2 } }, ctx())) as MaximumRateController;
    expect(c.model).toBe('open');
    const { final, seen } = drive(c, 200, 300);
    expect(Math.max(...seen)).toBeGreaterThan(200);
    // Neither climbing away past the capacity nor drifting down after backing off.
    expect(final).toBeGreaterThan(180);
    expect(final).toBeLessThan(230);
    // It went up in steps of 20 tps first.
    expect(seen.slice(0, 4)).toEqual([20, 40, 60, 80]);
  });

  test('splits tps and step over workers and phase-shifts the schedule', async () => {
    const c = (await createRateController({ type: 'maximum-rate', opts: { tps: 40, step: 8 } }, ctx({ workerIndex: 1, workerCount: 4 }))) as MaximumRateController;
    expect(c.workerTps).toBe(10);
    const p = progress();
    expect(c.next(p)).toBe(25);
    p.sent = 1;
    expect(c.next(p)).toBe(125);
  });

  test('with includeFailed false, failures are not throughput: the rate never rises', async () => {
    const c = (await createRateController({ type: 'maximum-rate', opts: { tps: 10, step: 10, sampleInterval: 1, includeFailed: false } }, ctx())) as MaximumRateController;
    expect(drive(c, 1000, 30, true).final).toBe(10);
    const d = (await createRateController({ type: 'maximum-rate', opts: { tps: 10, step: 10, sampleInterval: 1 } }, ctx())) as MaximumRateController;
    expect(drive(d, 1000, 30, true).final).toBeGreaterThan(10);
  });

  test("Caliper's defaults and a continuous schedule across a rate change", async () => {
    const c = (await createRateController({ type: 'maximum-rate' }, ctx())) as MaximumRateController;
    expect(c.workerTps).toBe(5);
    const p = progress();
    const times: number[] = [];
    for (let i = 0; i < 120; i++) {
      p.sent = i;
      const t = c.next(p);
      times.push(t);
      p.now = t;
      p.completed = i + 1; // instant completions: throughput keeps up with the rate
    }
    expect(c.workerTps).toBeGreaterThan(5);
    // Gaps only ever shrink (rate only rose), and no gap is zero or negative.
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(Math.min(...gaps)).toBeGreaterThan(0);
    for (let k = 1; k < gaps.length; k++) expect(gaps[k]).toBeLessThanOrEqual(gaps[k - 1] + 1e-9);
    expect(rateModel({ type: 'maximum-rate' })).toBe('open');
  });
});
