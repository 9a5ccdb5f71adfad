import { expect, test } from 'vitest';
import { benchRound } from 'ledgerbench';

test('harness keeps a fixed rate through the noop connector', async () => {
  const r = await benchRound({
    label: 'noop-fixed',
    workers: 2,
    txNumber: 2000,
    rateControl: { type: 'fixed-rate', opts: { tps: 1000 } },
    workload: '../fixtures/workloads/noop.ts',
  });
  expect(r).toHaveNoFailures();
  expect(r).toHaveSendRateNear(1000, 0.05);
});
