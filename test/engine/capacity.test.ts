import { describe, expect, test } from 'vitest';
import { brokenCondition, searchCapacity } from '../../src/engine/capacity.ts';
import { RoundAggregator } from '../../src/stats/aggregate.ts';
import { TxRecorder } from '../../src/stats/recorder.ts';
import type { RoundResult } from '../../src/stats/types.ts';

/**
 * A round against a system that serves at most `capacity` tps with `baseMs` latency, queueing beyond
 * it: built through the real recorder and aggregator from 10 s of simulated transactions.
 */
function simulatedRound(offered: number, capacity: number, baseMs = 20): RoundResult {
  const rec = new TxRecorder({ workerIndex: 0, trim: 0, trimBy: 'tx', openModel: true });
  const served = Math.min(offered, capacity);
  const n = Math.round(offered * 10);
  for (let i = 0; i < n; i++) {
    const sent = (i * 1000) / offered;
    // Past capacity, each transaction waits for the ones queued before it.
    const queued = offered > capacity ? i * (1000 / served - 1000 / offered) : 0;
    rec.onSend(i, sent, sent);
    rec.onDone(i, sent, sent, sent + baseMs + queued, { ok: true });
  }
  const agg = new RoundAggregator({ label: 's', roundIndex: 0, workers: 1, rateControl: { type: 'fixed-rate', opts: { tps: offered } }, model: 'open', trim: 0, startedAt: '' });
  agg.add(0, rec.takeSnapshot());
  return agg.result();
}

describe('capacity search', () => {
  test('finds the capacity of a system within the resolution, growing then bisecting', async () => {
    const tried: number[] = [];
    const result = await searchCapacity({ p95Ms: 500 }, { startTps: 20, resolution: 0.05 }, async (tps) => {
      tried.push(tps);
      return simulatedRound(tps, 230);
    });
    expect(tried.slice(0, 5)).toEqual([20, 40, 80, 160, 320]);
    // Just above 230 the system keeps up with 90% of the offer and the queue stays under 500 ms.
    expect(result.capacityTps).toBeLessThanOrEqual(230 / 0.9);
    expect(result.capacityTps).toBeGreaterThanOrEqual(230 / 1.05 - 1);
    expect(result.failedTps! - result.capacityTps).toBeLessThanOrEqual(0.05 * result.capacityTps + 1);
    // The curve: every rate tried once, ascending, each with its verdict.
    expect(result.points.map((p) => p.offeredTps)).toEqual([...tried].sort((a, b) => a - b));
    expect(result.points.filter((p) => !p.holds).every((p) => p.offeredTps > result.capacityTps)).toBe(true);
  });

  test('a rate the system only half serves fails on keeping up, even with a generous latency limit', () => {
    const r = simulatedRound(400, 200);
    expect(brokenCondition(r, 400, { successRate: 0.99, keepUp: 0.95, p95Ms: 60_000 })).toMatch(/^throughput (199|200)\.\d < 95% of 400 tps$/);
  });

  test('when even the start rate fails, the capacity is 0 and says which condition broke', async () => {
    const result = await searchCapacity({ p95Ms: 5 }, { startTps: 10 }, async (tps) => simulatedRound(tps, 1000, 20));
    expect(result.capacityTps).toBe(0);
    expect(result.points).toHaveLength(1);
    expect(result.points[0].broken).toMatch(/^p95 20\.\d ms > 5 ms$/);
  });

  test('repeats: a rate holds when most of its runs hold', async () => {
    let n = 0;
    // Every third run at any rate is aborted (a flaky machine): with 3 repeats the verdict holds.
    const result = await searchCapacity({ p95Ms: 500 }, { startTps: 50, maxTps: 100, repeats: 3 }, async (tps) => {
      const r = simulatedRound(tps, 1000);
      if (n++ % 3 === 2) r.aborted = { reason: 'flaky' };
      return r;
    });
    expect(result.points.map((p) => [p.offeredTps, p.holds, p.repeats])).toEqual([
      [50, true, 3],
      [100, true, 3],
    ]);
    expect(result.capacityTps).toBe(100);
  });

  test('bad search settings are refused', async () => {
    await expect(searchCapacity({}, { growth: 1 }, async () => simulatedRound(1, 1))).rejects.toThrow(/growth > 1/);
  });
});
