import { expect, test } from 'vitest';
import { benchRound } from 'ledgerbench';

// Against the embedded Fabric network (networks/embedded.yaml) through the real fabric-gateway client.
test('transfers between fresh accounts never conflict', async () => {
  const open = await benchRound({
    label: 'open accounts',
    workers: 2,
    txNumber: 600,
    rateControl: { type: 'fixed-rate', opts: { tps: 100 } },
    workload: './workloads/open-accounts.ts',
    arguments: { money: 1000 },
  });
  expect(open).toHaveNoFailures();

  const transfer = await benchRound({
    label: 'transfer',
    workers: 2,
    txNumber: 300,
    rateControl: { type: 'fixed-rate', opts: { tps: 100 } },
    workload: './workloads/transfer.ts',
    arguments: { accountsRound: open.roundIndex, amount: 10 },
  });
  expect(transfer).toHaveSuccessRateAbove(0.99);
  expect(transfer).toHaveNoMvccConflicts();
  expect(transfer).toHaveSendRateNear(100, 0.05);
  expect(transfer).toHaveThroughputAbove(75);
  // Well below saturation, latency is governed by the orderer's BatchTimeout (250 ms in
  // networks/embedded.yaml) rather than by queueing.
  expect(transfer).toHaveP95LatencyBelow('1.5s');
});
