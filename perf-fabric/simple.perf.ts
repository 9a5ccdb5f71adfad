import { expect, test } from 'vitest';
import { benchRound } from 'ledgerbench';

// Against a real Fabric 2.5 network (networks/fabric-2org.yaml: 2 organizations x 1 peer, 1 Raft
// orderer, BatchTimeout 500 ms, the simple chaincode endorsed by both organizations), brought up from
// the release binaries in FABRIC_BIN by the plugin's global setup:
//   FABRIC_BIN=/path/to/fabric-2.5 npx vitest run --project perf-fabric
// Limits are loose: real ordering and validation, on a machine that may be shared.
test('accounts opened on real Fabric all commit, and read back from the peers', async () => {
  const open = await benchRound({
    label: 'open accounts',
    workers: 2,
    txNumber: 200,
    rateControl: { type: 'fixed-rate', opts: { tps: 40 } },
    workload: '../perf/workloads/open-accounts.ts',
    arguments: { money: 1000 },
  });
  expect(open).toHaveNoFailures();
  expect(open).toHaveNoMvccConflicts();
  expect(open).toHaveSendRateNear(40, 0.1);
  // Every transaction waits for its block: BatchTimeout (500 ms) bounds it at this load.
  expect(open).toHaveP95LatencyBelow('3s');

  const query = await benchRound({
    label: 'query accounts',
    workers: 2,
    txNumber: 200,
    rateControl: { type: 'fixed-rate', opts: { tps: 80 } },
    workload: './workloads/query-accounts.ts',
    arguments: { accountsRound: open.roundIndex },
  });
  expect(query).toHaveNoFailures();
  expect(query).toHaveThroughputAbove(60);
  // No ordering: a query is one endorsement on a peer.
  expect(query).toHaveP95LatencyBelow('500ms');
});
