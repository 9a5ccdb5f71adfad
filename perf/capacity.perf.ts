import { expect, test } from 'vitest';
import { benchCapacity } from 'ledgerbench';

// How many account openings a second the embedded network sustains with p95 under 1 s and 99%
// success: rates double from 50 tps until one fails, then the gap is bisected to within 15%.
test('the embedded network has a measured capacity for opening accounts', { timeout: 10 * 60_000 }, async () => {
  const c = await benchCapacity({
    label: 'open capacity',
    workers: 2,
    workload: './workloads/open-accounts.ts',
    slo: { p95: '1s', successRate: 0.99 },
    stepDuration: 10,
    search: { startTps: 50, maxTps: 3200, resolution: 0.15 },
  });
  expect(c.capacityTps).toBeGreaterThanOrEqual(50);
  // The search found where the service level breaks, and the curve shows it.
  expect(c.failedTps).toBeGreaterThan(c.capacityTps);
  expect(c.points.some((p) => !p.holds)).toBe(true);
});
