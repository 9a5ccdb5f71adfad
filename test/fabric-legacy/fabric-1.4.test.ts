/**
 * The Fabric line the seeds ran: a real Fabric 1.4.12 network brought up by ledgerbench (solo orderer
 * with a system channel, `peer channel create/join`, `peer chaincode install/instantiate`, peers in
 * chaincode dev mode with the Node chaincode started by ledgerbench, no TLS), reached through the
 * fabric-legacy connector, which its `version: "1.4"` network file picks. The seed's simple benchmark
 * runs unchanged through `ledgerbench run`, which brings the network up and down itself; open, query
 * and transfer rounds run through the engine, the seed's open round also through the same
 * network described in Caliper 0.1's `fabric` adapter JSON (with a round label -> channel context);
 * MVCC conflicts and a commit that comes too late get their reasons. Nothing is left running afterwards.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { normalizeRound } from '../../src/config/round.ts';
import { checkFabricProfile } from '../../src/connectors/fabric-legacy/choose-connector.ts';
import { createFabricLegacyConnector } from '../../src/connectors/fabric-legacy/index.ts';
import type { Connector, TxOutcome } from '../../src/connectors/types.ts';
import { runRound } from '../../src/engine/manager.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { Fabric14NetworkHandle } from '../../src/network/fabric/v1/network.ts';
import { ledgerbenchCli, REPO } from '../cli/child.ts';
import { processesUsing, type UnpackedFabric, unpackFabric } from '../fabric/support.ts';
import { alive, eventually } from '../support/processes.ts';
import { writeCaliperFabricJson } from './caliper-fabric-json.ts';

const NETWORK = resolve(import.meta.dirname, 'fixtures/legacy-14.yaml');
const SEED_SIMPLE = resolve(REPO, 'fixtures/seed-configs/benchmark/simple');
const WORKLOADS = resolve(import.meta.dirname, 'workloads');

let fabric: UnpackedFabric;
let dir: string;
const savedFabricBin = process.env.FABRIC_BIN;

beforeAll(() => {
  fabric = unpackFabric('1.4.12');
  process.env.FABRIC_BIN = fabric.root;
  dir = mkdtempSync(join(tmpdir(), 'lb-legacy-14-'));
});

afterAll(async () => {
  if (savedFabricBin === undefined) delete process.env.FABRIC_BIN;
  else process.env.FABRIC_BIN = savedFabricBin;
  try {
    await eventually(() => processesUsing(fabric.root).length === 0, 10_000);
    expect(processesUsing(fabric.root)).toEqual([]);
  } finally {
    fabric?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

function reasons(outcomes: TxOutcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[o.ok ? 'ok' : o.reason!] = (out[o.ok ? 'ok' : o.reason!] ?? 0) + 1;
  return out;
}

describe('Fabric 1.4.12 through fabric-legacy', () => {
  test("the seed's simple benchmark (v0.1 callbacks, unchanged): `ledgerbench run` with the 1.4 network file brings it up, runs both rounds, takes it down", async () => {
    const results = join(dir, 'results');
    const run = await ledgerbenchCli(['run', '--config', 'fixtures/seed-configs/simple-config.yaml', '--network', NETWORK, '--results', results], { timeoutMs: 150_000 }).finished;
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const json = JSON.parse(readFileSync(join(results, readdirSync(results)[0], 'results.json'), 'utf8'));
    const rounds = json.rounds as Array<{ label: string; succeeded: number; failed: number; phases?: Record<string, { count: number }> }>;
    console.log(`simple on Fabric 1.4.12: ${rounds.map((r) => `${r.label} ${r.succeeded}/${r.failed}`).join(', ')}`);
    expect(rounds.map((r) => [r.label, r.succeeded, r.failed])).toEqual([
      ['open', 100, 0],
      ['query', 100, 0],
    ]);
    for (const phase of ['endorse', 'order', 'commit']) expect(rounds[0].phases?.[phase]?.count, phase).toBe(100);
    // The run took its network down.
    await eventually(() => processesUsing(fabric.root).length === 0, 10_000);
    expect(processesUsing(fabric.root)).toEqual([]);
  }, 170_000);

  test('open, query and transfer rounds through the engine; MVCC conflicts and a late commit each with their reason; the network stops leaving nothing', async () => {
    const started = performance.now();
    const handle = (await startNetwork(NETWORK)) as Fabric14NetworkHandle;
    const pids = [...handle.pids.map((p) => p.pid), handle.watchdogPid];
    const opened: Connector[] = [];
    try {
      console.log(`fabric 1.4.12 bring-up ${((performance.now() - started) / 1000).toFixed(1)}s`);
      expect(handle.version).toBe('1.4.12');
      expect(handle.ref.connector).toBe('fabric-legacy');
      const env = { network: handle.ref, runId: 'legacy-14', networkProcesses: handle.pids };
      const round = (label: string, workload: string, txNumber: number, tps: number, baseDir: string, roundIndex: number, args?: Record<string, unknown>) =>
        runRound(
          normalizeRound({ label, workload, workers: 2, txNumber, rateControl: { type: 'fixed-rate', opts: { tps } }, ...(args ? { arguments: args } : {}) }, { source: NETWORK, field: '', baseDir, roundIndex }),
          env,
        );
      const open = await round('open', 'open.js', 40, 40, SEED_SIMPLE, 0, { money: 100 });
      const query = await round('query', 'query.js', 40, 80, SEED_SIMPLE, 1);
      const transfer = await round('transfer', 'transfer.js', 20, 40, WORKLOADS, 2);
      for (const r of [open, query, transfer]) console.log(`1.4 ${r.label}: succ ${r.succeeded} fail ${r.failed} ${r.throughput.toFixed(1)} tps p95 ${r.latency.p95} ms`, r.failuresByReason);
      expect([open, query, transfer].map((r) => [r.label, r.succeeded, r.failed])).toEqual([
        ['open', 40, 0],
        ['query', 40, 0],
        ['transfer', 20, 0],
      ]);

      // The same network as a Caliper 0.1 `fabric` adapter JSON file (cryptodir relative to the
      // workspace, Admin@<domain> identities, events ports and CAs that go unused, a context mapping):
      // the seed's open round, v0.1 callbacks unchanged, goes through it to mychannel.
      const jsonStarted = performance.now();
      const json = writeCaliperFabricJson({ ccpFile: join(handle.stateDir, 'fabric-ccp.yaml'), cryptoDir: join(handle.stateDir, 'crypto'), workspace: handle.stateDir }, join(dir, 'fabric-go.json'), { open: 'mychannel', query: 'mychannel' });
      expect(await checkFabricProfile(json, JSON.parse(readFileSync(json, 'utf8')), handle.stateDir)).toBe('fabric-legacy');
      const oldEnv = { ...env, network: { connector: 'fabric-legacy', file: json, workspace: handle.stateDir } };
      // One worker, ten transactions: the workers' start-up is most of what this round costs.
      const oldOpen = await runRound(
        normalizeRound({ label: 'open', workload: 'open.js', workers: 1, txNumber: 10, rateControl: { type: 'fixed-rate', opts: { tps: 20 } }, arguments: { money: 5 } }, { source: json, field: '', baseDir: SEED_SIMPLE, roundIndex: 3 }),
        oldEnv,
      );
      console.log(`1.4 through the fabric JSON, open: succ ${oldOpen.succeeded} fail ${oldOpen.failed} p95 ${oldOpen.latency.p95} ms`, oldOpen.failuresByReason);
      expect([oldOpen.succeeded, oldOpen.failed]).toEqual([10, 0]);
      const viaJson = await createFabricLegacyConnector({ workerIndex: 0, workerCount: 1, network: oldEnv.network, txTimeoutMs: 10_000 });
      opened.push(viaJson);
      expect([viaJson.bcType, viaJson.channelForLabel?.('open')]).toEqual(['fabric', 'mychannel']);
      // open.js wrote 5 where the first open round wrote 100 (which the transfer round moved by a few):
      // the JSON's round went to mychannel, and queries go there through the same file.
      expect(Buffer.from((await viaJson.evaluate({ contract: 'simple', fn: 'query', args: ['acc_0_9'] })).payload ?? []).toString()).toBe('5');
      expect(Buffer.from((await viaJson.evaluate({ contract: 'simple', fn: 'query', args: ['acc_0_19'] })).payload ?? []).toString()).toMatch(/^\d{2,3}$/);
      console.log(`the fabric JSON checks took ${((performance.now() - jsonStarted) / 1000).toFixed(1)}s`);

      const c = await createFabricLegacyConnector({ workerIndex: 1, workerCount: 2, network: handle.ref, txTimeoutMs: 10_000 });
      opened.push(c);
      for (const acc of ['hot-a', 'hot-b']) expect((await c.submit({ contract: 'simple', fn: 'open', args: [acc, '1000'] })).ok).toBe(true);
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => c.submit({ contract: 'simple', fn: 'transfer', args: ['hot-a', 'hot-b', '1'] })));
      const counted = reasons(outcomes);
      console.log('1.4 concurrent transfers on one account:', counted);
      expect(counted.MVCC_READ_CONFLICT).toBeGreaterThanOrEqual(1);
      expect((counted.ok ?? 0) + (counted.MVCC_READ_CONFLICT ?? 0)).toBe(6);
      // Sent alone, a transaction waits for the 1 s batch timeout: 400 ms is not enough.
      const late = await c.submit({ contract: 'simple', fn: 'open', args: ['late', '1'], timeoutMs: 400 });
      expect(late).toMatchObject({ ok: false, stage: 'timeout', reason: 'timeout: commit' });
    } finally {
      for (const c of opened) await c.close();
      await handle.stop();
    }
    expect(await eventually(() => pids.every((p) => !alive(p)), 15_000), `still alive: ${pids.filter(alive).join(', ')}`).toBe(true);
  }, 170_000);
});
