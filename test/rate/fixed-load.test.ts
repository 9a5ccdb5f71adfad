import { describe, expect, test } from 'vitest';
import { createRateController, rateModel, validateRateControl } from '../../src/rate/registry.ts';
import { WAIT_FOR_COMPLETION } from '../../src/rate/types.ts';
import { ctx, progress } from './sim.ts';

describe('fixed-load', () => {
  test('splits the load over workers (remainder to the first) and waits at the backlog', async () => {
    const loads: number[] = [];
    for (let w = 0; w < 3; w++) {
      const c = await createRateController({ type: 'fixed-load', opts: { transactionLoad: 8 } }, ctx({ workerIndex: w, workerCount: 3 }));
      expect(c.model).toBe('closed');
      const p = progress();
      p.now = 42;
      // Nothing completes: the worker may send until its share is in flight.
      while (c.next(p) !== WAIT_FOR_COMPLETION) {
        expect(c.next(p)).toBe(42);
        p.sent++;
        if (p.sent > 100) throw new Error('never waited');
      }
      loads.push(p.sent);
      // One completion frees exactly one slot.
      p.completed = 1;
      p.now = 50;
      expect(c.next(p)).toBe(50);
      p.sent++;
      expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
    }
    expect(loads).toEqual([3, 3, 2]);
  });

  test('fixed-backlog keeps unfinished_per_client in flight per worker', async () => {
    for (let w = 0; w < 2; w++) {
      const c = await createRateController({ type: 'fixed-backlog', opts: { unfinished_per_client: 5 } }, ctx({ workerIndex: w, workerCount: 2 }));
      const p = progress();
      p.sent = 4;
      expect(c.next(p)).toBe(0);
      p.sent = 5;
      expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
    }
  });

  test("Caliper's default load is 10", async () => {
    const c = await createRateController({ type: 'fixed-load' }, ctx());
    const p = progress();
    p.sent = 9;
    expect(c.next(p)).toBe(0);
    p.sent = 10;
    expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
    expect(rateModel({ type: 'fixed-load' })).toBe('closed');
    expect(rateModel({ type: 'fixed-backlog' })).toBe('closed');
  });

  test('a load below the worker count gives every worker 1 in flight, with one warning naming the option', async () => {
    // Caliper ran such rounds (its per-worker target was a fraction); refusing them broke real files.
    for (const type of ['fixed-load', 'fixed-feedback-rate']) {
      const spec = { type, opts: { transactionLoad: 2, ...(type === 'fixed-feedback-rate' ? { tps: 100 } : {}) } };
      const warnings: string[] = [];
      validateRateControl(spec, 'b.yaml', 'test.rounds[0].rateControl', { txNumber: 40, workers: 4, warn: (m) => warnings.push(m) });
      expect(warnings).toEqual([expect.stringMatching(/^b\.yaml: test\.rounds\[0\]\.rateControl\.opts\.transactionLoad: is 2, less than the 4 workers; each worker keeps 1 transaction in flight/)]);
      for (let w = 0; w < 4; w++) {
        const c = await createRateController(spec, ctx({ workerIndex: w, workerCount: 4 }));
        const p = progress();
        p.now = 7;
        expect(c.next(p)).not.toBe(WAIT_FOR_COMPLETION);
        p.sent = 1;
        expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
      }
    }
    // A load that covers the workers says nothing.
    const quiet: string[] = [];
    validateRateControl({ type: 'fixed-load', opts: { transactionLoad: 4 } }, 'b.yaml', 'rc', { txNumber: 40, workers: 4, warn: (m) => quiet.push(m) });
    expect(quiet).toEqual([]);
  });

  test("caliper-benchmarks' startingTps (never read by Caliper either) is accepted on fixed-load and fixed-backlog", () => {
    expect(() => validateRateControl({ type: 'fixed-load', opts: { transactionLoad: 10, startingTps: 1 } }, 'b.yaml', 'rc', { txDuration: 10 })).not.toThrow();
    expect(() => validateRateControl({ type: 'fixed-backlog', opts: { unfinished_per_client: 10, startingTps: 1 } }, 'b.yaml', 'rc', { txDuration: 10 })).not.toThrow();
    expect(() => validateRateControl({ type: 'fixed-load', opts: { startingTps: 0 } }, 'b.yaml', 'rc', { txDuration: 10 })).toThrow(/startingTps/);
  });
});

describe('fixed-feedback-rate', () => {
  test('follows the fixed-rate schedule, waits at the load, and restarts the schedule from now', async () => {
    const c = await createRateController({ type: 'fixed-feedback-rate', opts: { tps: 100, transactionLoad: 4 } }, ctx());
    expect(c.model).toBe('closed');
    const p = progress();
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      p.sent = i;
      const t = c.next(p);
      times.push(t);
      p.now = t;
    }
    expect(times).toEqual([0, 10, 20, 30]);
    p.sent = 4;
    expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
    // A completion long after the schedule's time: the schedule restarts at now, no burst.
    p.now = 1000;
    p.completed = 1;
    expect(c.next(p)).toBe(1000);
    p.sent = 5;
    p.completed = 2;
    expect(c.next(p)).toBe(1010);
    p.sent = 6;
    expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
    p.completed = 3;
    p.now = 1012;
    expect(c.next(p)).toBe(1020);
  });

  test('a short pause that ends before the next slot keeps the schedule', async () => {
    const c = await createRateController({ type: 'fixed-feedback-rate', opts: { tps: 10, transactionLoad: 1 } }, ctx());
    const p = progress();
    expect(c.next(p)).toBe(0);
    p.sent = 1;
    p.now = 1;
    expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
    p.completed = 1;
    p.now = 30;
    expect(c.next(p)).toBe(100);
  });

  test('old per-worker option and worker phase', async () => {
    const c = await createRateController({ type: 'fixed-feedback-rate', opts: { tps: 200, unfinished_per_client: 2 } }, ctx({ workerIndex: 1, workerCount: 2 }));
    const p = progress();
    expect(c.next(p)).toBe(5);
    p.sent = 1;
    expect(c.next(p)).toBe(15);
    p.sent = 2;
    expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
  });
});
