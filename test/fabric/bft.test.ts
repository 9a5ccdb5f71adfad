/**
 * Real Fabric 3.0.0 with a SmartBFT ordering service: 4 BFT orderers (tolerating one faulty node),
 * 2 organizations x 1 peer, TLS, the simple chaincode deployed with Fabric's lifecycle. One network for
 * the whole file. The seed's open and query rounds and a transfer round between fresh accounts run
 * through the real engine and the fabric-gateway connector; the orderers' own BFT metrics show the
 * blocks went through SmartBFT (not Raft). Without the Fabric 3.0.0 archive these tests fail and say
 * what is missing.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadNetworkFile } from '../../src/config/network-file.ts';
import { normalizeRound } from '../../src/config/round.ts';
import { createFabricGatewayConnector } from '../../src/connectors/fabric-gateway/index.ts';
import { runRound } from '../../src/engine/manager.ts';
import { createMonitors, MonitorSet } from '../../src/monitors/index.ts';
import { metricValue } from '../../src/network/fabric/readiness.ts';
import { type FabricNetworkHandle, startFabricNetwork } from '../../src/network/fabric/network.ts';
import { alive, eventually } from '../support/processes.ts';
import { processesOfNetwork, processesUsing, type UnpackedFabric, unpackFabric } from './support.ts';

const REPO = resolve(import.meta.dirname, '../..');
const FILE = resolve(import.meta.dirname, 'fixtures/bft4.yaml');
const SEED_SIMPLE = resolve(REPO, 'fixtures/seed-configs/benchmark/simple');
const PERF_WORKLOADS = resolve(REPO, 'perf/workloads');
const CHANNEL = 'bftchannel';

let fabric: UnpackedFabric;
let handle: FabricNetworkHandle;
let upSec = 0;

beforeAll(async () => {
  fabric = unpackFabric('3.0.0');
  const cfg = loadNetworkFile(FILE);
  if (cfg.type !== 'fabric') throw new Error(`${FILE}: expected a fabric network file`);
  const started = performance.now();
  handle = await startFabricNetwork(cfg, { env: { ...process.env, FABRIC_BIN: fabric.root } });
  upSec = (performance.now() - started) / 1000;
}, 120_000);

afterAll(async () => {
  const pids = handle ? [...handle.pids.map((p) => p.pid), handle.watchdogPid] : [];
  await handle?.stop();
  try {
    // Nothing of this network outlives it, whatever the tests did.
    expect(await eventually(() => pids.every((p) => !alive(p)), 15_000), `still alive: ${pids.filter(alive).join(', ')}`).toBe(true);
    if (fabric) expect(processesUsing(fabric.root)).toEqual([]);
    if (handle) expect(processesOfNetwork(handle.stateDir)).toEqual([]);
  } finally {
    fabric?.remove();
  }
}, 60_000);

/** The orderers' operations ports, in consenter order (orderer0 is consenter 1), from their named metrics URLs. */
function ordererPorts(): number[] {
  return handle.metricsUrls.flatMap((m) => (typeof m !== 'string' && m.name.startsWith('orderer') ? [Number(new URL(m.url).port)] : []));
}

describe('a native Fabric 3.0.0 network with 4 SmartBFT orderers (2 orgs x 1 peer, TLS)', () => {
  test('comes up with every orderer in one BFT cluster of 4 that agrees on its leader', async () => {
    console.log(`fabric 3.0.0 bft4 bring-up: ${upSec.toFixed(1)}s ${JSON.stringify(handle.timings)}`);
    expect(handle.version).toBe('3.0.0');
    expect(handle.pids.map((p) => p.name)).toEqual(['orderer0', 'orderer1', 'orderer2', 'orderer3', 'peer0-org1', 'peer0-org2', 'chaincode-simple-peer0-org1', 'chaincode-simple-peer0-org2']);
    expect(handle.metricsUrls.map((m) => (typeof m === 'string' ? m : m.name))).toEqual(['orderer0.example.com', 'orderer1.example.com', 'orderer2.example.com', 'orderer3.example.com', 'peer0.org1.example.com', 'peer0.org2.example.com']);
    const ports = ordererPorts();
    expect(ports).toHaveLength(4);
    for (const port of ports) {
      // Raft's metric is absent: this channel really is ordered by SmartBFT.
      expect(await metricValue(port, 'consensus_etcdraft_is_leader', { channel: CHANNEL })).toBeUndefined();
      expect(await metricValue(port, 'consensus_BFT_cluster_size', { channel: CHANNEL })).toBe(4);
    }
    const leaders = await Promise.all(ports.map((port) => metricValue(port, 'consensus_BFT_leader_id', { channel: CHANNEL })));
    expect(new Set(leaders).size).toBe(1);
  });

  test('the seed open and query rounds and a transfer round between fresh accounts all succeed, and the BFT cluster commits their blocks', async () => {
    const ports = ordererPorts();
    const blocksBefore = await metricValue(ports[0], 'consensus_BFT_committed_block_number', { channel: CHANNEL });
    const env = { network: { ...handle.ref, channel: CHANNEL }, runId: 'bft4', networkProcesses: handle.pids };
    const origin = { source: FILE, field: '', baseDir: SEED_SIMPLE };
    // The default monitors on the open round: every node's /metrics, reported under the node's name.
    const monitors = new MonitorSet(createMonitors(undefined, { file: FILE, warn: (w) => console.warn(w), ownProcesses: handle.pids, metricsUrls: handle.metricsUrls, intervalMs: 1000 }));
    await monitors.start();
    const open = await runRound(
      normalizeRound({ label: 'open', workload: 'open.js', txNumber: 40, rateControl: { type: 'fixed-rate', opts: { tps: 20 } }, arguments: { money: 10000 } }, { ...origin, roundIndex: 0 }),
      { ...env, monitors },
    ).finally(() => monitors.stop());
    console.log(`open on BFT: succ ${open.succeeded} fail ${open.failed} ${open.throughput.toFixed(1)} tps p95 ${open.latency.p95} ms`, open.failuresByReason);
    expect(open.aborted).toBeUndefined();
    expect(open.succeeded).toBe(40);
    for (const phase of ['endorse', 'order', 'commit']) expect(open.phases?.[phase]?.count ?? 0, `phase ${phase}`).toBeGreaterThan(0);
    const sources = (metric: string) => [...new Set(open.metrics?.filter((m) => m.metric === metric).map((m) => m.source))].sort();
    expect(sources('endorser_proposals_received')).toEqual(['peer0.org1.example.com', 'peer0.org2.example.com']);
    expect(sources('consensus_BFT_committed_block_number')).toEqual(['orderer0.example.com', 'orderer1.example.com', 'orderer2.example.com', 'orderer3.example.com']);

    const query = await runRound(normalizeRound({ label: 'query', workload: 'query.js', txNumber: 20, rateControl: { type: 'fixed-rate', opts: { tps: 20 } } }, { ...origin, roundIndex: 1 }), env);
    console.log(`query on BFT: succ ${query.succeeded} fail ${query.failed}`, query.failuresByReason);
    expect(query.succeeded).toBe(20);

    // Fresh accounts (uniqueKey), then transfers that never share one: no conflicts, all commit.
    const perf = { source: FILE, field: '', baseDir: PERF_WORKLOADS };
    const accounts = await runRound(
      normalizeRound({ label: 'open accounts', workload: 'open-accounts.ts', txNumber: 40, rateControl: { type: 'fixed-rate', opts: { tps: 20 } }, arguments: { money: 100 } }, { ...perf, roundIndex: 2 }),
      env,
    );
    expect(accounts.succeeded).toBe(40);
    const transfer = await runRound(
      normalizeRound({ label: 'transfer', workload: 'transfer.ts', txNumber: 20, rateControl: { type: 'fixed-rate', opts: { tps: 20 } }, arguments: { accountsRound: 2, amount: 5 } }, { ...perf, roundIndex: 3 }),
      env,
    );
    console.log(`transfer on BFT: succ ${transfer.succeeded} fail ${transfer.failed} ${transfer.throughput.toFixed(1)} tps p95 ${transfer.latency.p95} ms`, transfer.failuresByReason);
    expect(transfer.failuresByReason).toEqual({});
    expect(transfer.succeeded).toBe(20);

    // 100 submits ordered into blocks of at most 10 (the default batch size): at least 10 blocks more.
    const blocksAfter = await metricValue(ports[0], 'consensus_BFT_committed_block_number', { channel: CHANNEL });
    expect((blocksAfter ?? 0) - (blocksBefore ?? 0)).toBeGreaterThanOrEqual(10);
  });

  // Last: it leaves the cluster one orderer short.
  test('with one of the 4 orderers killed (f = 1), transactions still commit: 3 of 4 are a BFT quorum', async () => {
    const victim = handle.pids.find((p) => p.name === 'orderer3')!;
    process.kill(victim.pid, 'SIGKILL');
    expect(await eventually(() => !alive(victim.pid), 5000)).toBe(true);
    const connector = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, network: handle.ref, txTimeoutMs: 30_000 });
    try {
      const started = performance.now();
      for (let i = 0; i < 5; i++) {
        const open = await connector.submit({ contract: 'simple', fn: 'open', args: [`f1-${i}`, '3'], channel: CHANNEL });
        expect(open, open.message).toMatchObject({ ok: true });
      }
      console.log(`5 submits with orderer3 down: ${((performance.now() - started) / 1000).toFixed(1)}s`);
      const query = await connector.evaluate({ contract: 'simple', fn: 'query', args: ['f1-4'], channel: CHANNEL });
      expect(Buffer.from(query.payload ?? []).toString()).toBe('3');
    } finally {
      await connector.close();
    }
  });
});
