/**
 * The fabric-legacy connector against a real Fabric 2.5.12 network that ledgerbench brings up natively
 * (2 orgs x 1 peer, 1 Raft orderer, TLS, AND endorsement policies), reached the way a Caliper user
 * migrating a fabric-ccp setup would: through a Caliper fabric-ccp file naming the network's key and
 * certificate files, its orderers and its channel. The seed's simple benchmark runs unchanged through
 * `ledgerbench run`; open, query and transfer rounds run through the engine with discovery off and on,
 * and an open round through the same network written as a Caliper 0.1 `fabric` adapter JSON file (TLS);
 * then each failure gets its own reason: a commit that does not come in time, an endorsement mismatch,
 * MVCC conflicts, a peer that is down (last: it stays down). The network is always taken down and no
 * process is left behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { normalizeRound } from '../../src/config/round.ts';
import { writeCaliperProfile } from '../../src/connectors/fabric-legacy/caliper-profile.ts';
import { createFabricLegacyConnector } from '../../src/connectors/fabric-legacy/index.ts';
import type { Connector, NetworkRef, TxOutcome } from '../../src/connectors/types.ts';
import { runRound } from '../../src/engine/manager.ts';
import type { FabricNetworkHandle } from '../../src/network/fabric/network.ts';
import { startNetwork } from '../../src/network/index.ts';
import { ledgerbenchCli, REPO } from '../cli/child.ts';
import { processesUsing, type UnpackedFabric, unpackFabric } from '../fabric/support.ts';
import { alive, eventually } from '../support/processes.ts';
import { writeCaliperFabricJson } from './caliper-fabric-json.ts';

const NETWORK = resolve(import.meta.dirname, 'fixtures/legacy-2org.yaml');
const SEED_SIMPLE = resolve(REPO, 'fixtures/seed-configs/benchmark/simple');
const WORKLOADS = resolve(import.meta.dirname, 'workloads');

let fabric: UnpackedFabric;
let handle: FabricNetworkHandle | undefined;
let pids: number[] = [];
let dir: string;
/** The Caliper fabric-ccp file for the running network (discovery off: the listed peers and orderers). */
let ccp: string;
const savedFabricBin = process.env.FABRIC_BIN;
const opened: Connector[] = [];

beforeAll(async () => {
  fabric = unpackFabric('2.5.12');
  process.env.FABRIC_BIN = fabric.root;
  dir = mkdtempSync(join(tmpdir(), 'lb-legacy-25-'));
  const started = performance.now();
  handle = (await startNetwork(NETWORK)) as FabricNetworkHandle;
  console.log(`fabric 2.5.12 bring-up ${((performance.now() - started) / 1000).toFixed(1)}s`);
  pids = [...handle.pids.map((p) => p.pid), handle.watchdogPid];
  ccp = writeCaliperProfile(handle.ref.file!, join(dir, 'fabric-ccp.yaml'));
}, 120_000);

afterAll(async () => {
  for (const c of opened) await c.close();
  await handle?.stop();
  if (savedFabricBin === undefined) delete process.env.FABRIC_BIN;
  else process.env.FABRIC_BIN = savedFabricBin;
  try {
    expect(await eventually(() => pids.every((p) => !alive(p)), 15_000), `still alive: ${pids.filter(alive).join(', ')}`).toBe(true);
    // Nothing runs from this file's binaries or with FABRIC_BIN set to them (chaincode services and
    // their children, which may need a moment more to exit).
    await eventually(() => processesUsing(fabric.root).length === 0, 10_000);
    expect(processesUsing(fabric.root)).toEqual([]);
  } finally {
    fabric?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

async function connect(options: Record<string, unknown> = {}, workerIndex = 0, txTimeoutMs = 10_000): Promise<Connector> {
  const c = await createFabricLegacyConnector({ workerIndex, workerCount: 2, network: { connector: 'fabric-legacy', file: ccp, options }, txTimeoutMs });
  opened.push(c);
  return c;
}

function reasons(outcomes: TxOutcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[o.ok ? 'ok' : o.reason!] = (out[o.ok ? 'ok' : o.reason!] ?? 0) + 1;
  return out;
}

describe('fabric-legacy on Fabric 2.5.12', () => {
  test("the seed's simple benchmark (v0.1 callbacks, unchanged) through `ledgerbench run` and the fabric-ccp file, which picks fabric-legacy", async () => {
    // What `ledgerbench run` does with --network: open it, which picks the connector from the file.
    const profileHandle = await startNetwork(ccp);
    await profileHandle.stop();
    expect(profileHandle.ref.connector).toBe('fabric-legacy');
    const results = join(dir, 'results');
    const run = await ledgerbenchCli(['run', '--config', 'fixtures/seed-configs/simple-config.yaml', '--network', ccp, '--results', results], { timeoutMs: 120_000 }).finished;
    expect(run.code, run.stderr).toBe(0);
    const folder = join(results, readdirSync(results)[0]);
    const json = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8'));
    const rounds = json.rounds as Array<{ label: string; succeeded: number; failed: number; phases?: Record<string, { count: number }> }>;
    console.log(`simple on Fabric 2.5 via fabric-legacy: ${rounds.map((r) => `${r.label} ${r.succeeded}/${r.failed}`).join(', ')}`);
    expect(rounds.map((r) => [r.label, r.succeeded, r.failed])).toEqual([
      ['open', 100, 0],
      ['query', 100, 0],
    ]);
    // The file went to the report as written, with the key paths redacted.
    expect(json.network ?? json.config.network).toMatchObject({ caliper: { blockchain: 'fabric-ccp' } });
    for (const phase of ['endorse', 'order', 'commit']) expect(rounds[0].phases?.[phase]?.count, phase).toBe(100);
  }, 150_000);

  test.each([
    ['discovery off (the listed peers and orderers)', {}],
    ['discovery on', { discovery: true }],
  ])('open, query and transfer rounds through the engine, 2 workers of both organizations, %s', async (_name, options: { discovery?: boolean }) => {
    const network: NetworkRef = { connector: 'fabric-legacy', file: ccp, options };
    const env = { network, runId: `legacy-${options.discovery ? 'disc' : 'static'}`, networkProcesses: handle!.pids };
    const round = (label: string, workload: string, txNumber: number, tps: number, baseDir: string, roundIndex: number, args?: Record<string, unknown>) =>
      runRound(
        normalizeRound({ label, workload, workers: 2, txNumber, rateControl: { type: 'fixed-rate', opts: { tps } }, ...(args ? { arguments: args } : {}) }, { source: NETWORK, field: '', baseDir, roundIndex }),
        env,
      );
    const open = await round('open', 'open.js', 40, 40, SEED_SIMPLE, 0, { money: 100 });
    const query = await round('query', 'query.js', 40, 80, SEED_SIMPLE, 1);
    const transfer = await round('transfer', 'transfer.js', 20, 40, WORKLOADS, 2);
    for (const r of [open, query, transfer]) console.log(`${r.label}: succ ${r.succeeded} fail ${r.failed} ${r.throughput.toFixed(1)} tps p95 ${r.latency.p95} ms`, r.failuresByReason);
    expect([open, query, transfer].map((r) => [r.label, r.succeeded, r.failed])).toEqual([
      ['open', 40, 0],
      ['query', 40, 0],
      ['transfer', 20, 0],
    ]);
    for (const phase of ['endorse', 'order', 'commit']) expect(transfer.phases?.[phase]?.count, phase).toBe(20);
    // A transaction waits for its block; the block is cut by the 1 s timeout or 50 transactions.
    expect(open.latency.p50).toBeGreaterThan(20);
    // The transfers moved 1 from every even account to the next odd one: read two back.
    const c = await connect(options);
    const even = await c.evaluate({ contract: 'simple', fn: 'query', args: ['acc_0_0'] });
    const odd = await c.evaluate({ contract: 'simple', fn: 'query', args: ['acc_0_1'] });
    expect([Buffer.from(even.payload!).toString(), Buffer.from(odd.payload!).toString()]).toEqual(['99', '101']);
  }, 170_000);

  test("the same network as a Caliper 0.1 `fabric` adapter JSON file (grpcs, cryptodir and TLS CAs relative to the workspace, Admin@<domain>, a context): the seed's open round through it, read back through it", async () => {
    const stateDir = dirname(handle!.ref.file!);
    const files = { ccpFile: ccp, cryptoDir: join(stateDir, 'crypto'), workspace: stateDir, version: '2.5.12' };
    const json = writeCaliperFabricJson(files, join(dir, 'fabric-go-tls.json'), { open: 'mychannel' });
    const network: NetworkRef = { connector: 'fabric-legacy', file: json, workspace: stateDir };
    const r = await runRound(
      normalizeRound({ label: 'open', workload: 'open.js', workers: 1, txNumber: 10, rateControl: { type: 'fixed-rate', opts: { tps: 20 } }, arguments: { money: 7 } }, { source: json, field: '', baseDir: SEED_SIMPLE, roundIndex: 5 }),
      { network, runId: 'legacy-json', networkProcesses: handle!.pids },
    );
    console.log(`open through the fabric JSON: succ ${r.succeeded} fail ${r.failed} p95 ${r.latency.p95} ms`, r.failuresByReason);
    expect([r.succeeded, r.failed]).toEqual([10, 0]);
    const c = await createFabricLegacyConnector({ workerIndex: 0, workerCount: 1, network, txTimeoutMs: 10_000 });
    opened.push(c);
    expect(c.bcType).toBe('fabric');
    expect(Buffer.from((await c.evaluate({ contract: 'simple', fn: 'query', args: ['acc_0_9'] })).payload ?? []).toString()).toBe('7');
  }, 60_000);

  test('a commit event that does not come before the deadline: timeout: commit, after endorse and order were timed', async () => {
    const c = await connect();
    // Sent alone, the transaction waits for the orderer's 1 s batch timeout; 500 ms is not enough.
    const out = await c.submit({ contract: 'simple', fn: 'open', args: ['late-commit', '1'], timeoutMs: 500 });
    expect(out).toMatchObject({ ok: false, stage: 'timeout', reason: 'timeout: commit' });
    expect(Object.keys(out.phases ?? {})).toEqual(['endorse', 'order', 'commit']);
    // It did commit, later: the listener was the one to give up, not the network.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await c.evaluate({ contract: 'simple', fn: 'query', args: ['late-commit'] })).ok).toBe(true);
  });

  test.each([
    ['discovery off: the connector compares the endorsements', {}],
    ['discovery on: fabric-common compares them', { discovery: true }],
  ])('an endorsement mismatch (chaincode that is not deterministic, both orgs endorse): endorse: endorsement mismatch, never ordered; %s', async (_name, options) => {
    const c = await connect(options);
    const out = await c.submit({ contract: 'nondeterministic', fn: 'put', args: ['k'] });
    expect(out, out.message).toMatchObject({ ok: false, stage: 'endorse', reason: 'endorse: endorsement mismatch' });
    expect(out.phases).toBeUndefined();
  });

  test('MVCC conflicts: transfers out of one account sent together; the losers fail with MVCC_READ_CONFLICT at commit', async () => {
    const c = await connect();
    for (const acc of ['hot-a', 'hot-b']) expect((await c.submit({ contract: 'simple', fn: 'open', args: [acc, '1000'] })).ok).toBe(true);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => c.submit({ contract: 'simple', fn: 'transfer', args: ['hot-a', 'hot-b', '1'] })));
    const counted = reasons(outcomes);
    console.log('concurrent transfers on one account:', counted);
    expect(counted.ok).toBeGreaterThanOrEqual(1);
    expect(counted.MVCC_READ_CONFLICT).toBeGreaterThanOrEqual(1);
    expect((counted.ok ?? 0) + (counted.MVCC_READ_CONFLICT ?? 0)).toBe(8);
    const conflict = outcomes.find((o) => o.reason === 'MVCC_READ_CONFLICT')!;
    expect(conflict).toMatchObject({ stage: 'commit', validationCode: 'MVCC_READ_CONFLICT' });
    expect(Object.keys(conflict.phases ?? {})).toEqual(['endorse', 'order', 'commit']);
  });

  test("a peer that is down (org2's, killed): its endorsement fails as endorse: UNAVAILABLE (connection), while org1's peer still answers queries", async () => {
    const c = await connect();
    const victim = handle!.pids.find((p) => p.name === 'peer0-org2')!;
    process.kill(victim.pid, 'SIGKILL');
    expect(await eventually(() => !alive(victim.pid), 5000)).toBe(true);
    const out = await c.submit({ contract: 'simple', fn: 'open', args: ['peer-down', '1'], timeoutMs: 5000 });
    expect(out, out.message).toMatchObject({ ok: false, stage: 'connection', reason: 'endorse: UNAVAILABLE' });
    expect(out.message).toMatch(/peer0\.org2/);
    const q = await c.evaluate({ contract: 'simple', fn: 'query', args: ['hot-b'] });
    expect(q.ok, q.message).toBe(true);
  });
});
