import { expect, test } from 'vitest';
import { benchRound } from 'ledgerbench';

test('a shared counter conflicts, and the result names the hot key', async () => {
  const r = await benchRound({
    label: 'shared counter',
    workers: 2,
    txDuration: 5,
    rateControl: { type: 'fixed-rate', opts: { tps: 100 } },
    workload: './workloads/counter.ts',
    arguments: { shared: true },
  });
  // Many increments land in one block; all but the first of them read a stale version.
  expect(r.conflicts?.byCode.MVCC_READ_CONFLICT ?? 0).toBeGreaterThan(100);
  // Keys are named <chaincode>/<key>, as the validator sees them.
  expect(r.conflicts?.hotKeys[0]).toMatchObject({ key: 'counter/hot-counter', readers: ['counter:increment'], writers: ['counter:increment'] });
  expect(r).not.toHaveConflictRateBelow(0.5);
});

test('per-transaction counters (uniqueKey) do not conflict', async () => {
  const r = await benchRound({
    label: 'unique counters',
    workers: 2,
    txDuration: 5,
    rateControl: { type: 'fixed-rate', opts: { tps: 100 } },
    workload: './workloads/counter.ts',
    arguments: { shared: false },
  });
  expect(r).toHaveNoMvccConflicts();
  expect(r).toHaveNoFailures();
});
