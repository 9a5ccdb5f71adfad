/**
 * Real Fabric 2.5.12, brought up natively from the release binaries: 2 organizations x 1 peer, 1 Raft
 * orderer, TLS, the seed's simple chaincode deployed with Fabric's lifecycle as chaincode-as-a-service.
 * A round of the seed's open benchmark runs through the real engine and the fabric-gateway connector;
 * after stop, after a failed start and after the owner is killed, no Fabric or chaincode process is
 * left. Without the Fabric archives these tests fail and say what is missing.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadNetworkFile } from '../../src/config/network-file.ts';
import { normalizeRound } from '../../src/config/round.ts';
import { createFabricGatewayConnector } from '../../src/connectors/fabric-gateway/index.ts';
import { runRound } from '../../src/engine/manager.ts';
import { createMonitors, MonitorSet } from '../../src/monitors/index.ts';
import type { RoundResult } from '../../src/stats/types.ts';
import { type FabricNetworkHandle, startFabricNetwork } from '../../src/network/fabric/network.ts';
import { networkDown, networkUp, startNetwork } from '../../src/network/index.ts';
import { alive, eventually } from '../support/processes.ts';
import { processesOfNetwork, processesUsing, type UnpackedFabric, unpackFabric } from './support.ts';

const REPO = resolve(import.meta.dirname, '../..');
const NETWORK = resolve(REPO, 'networks/fabric-2org.yaml');
const SEED_SIMPLE = resolve(REPO, 'fixtures/seed-configs/benchmark/simple');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let fabric: UnpackedFabric;
const savedFabricBin = process.env.FABRIC_BIN;

beforeAll(() => {
  fabric = unpackFabric('2.5.12');
  // The network files name no `binaries` folder: FABRIC_BIN is how CI points at an unpacked release.
  process.env.FABRIC_BIN = fabric.root;
});

afterAll(() => {
  if (savedFabricBin === undefined) delete process.env.FABRIC_BIN;
  else process.env.FABRIC_BIN = savedFabricBin;
  fabric?.remove();
});

/**
 * Every PID the network runs and its watchdog are gone, nothing runs from (or for) this file's
 * binaries folder, and no process carries the network's state folder as its tag.
 */
async function expectNothingLeft(pids: number[], stateDir?: string): Promise<void> {
  expect(await eventually(() => pids.every((p) => !alive(p)), 15_000), `still alive: ${pids.filter(alive).join(', ')}`).toBe(true);
  expect(processesUsing(fabric.root)).toEqual([]);
  if (stateDir) expect(processesOfNetwork(stateDir)).toEqual([]);
}

describe('a native Fabric 2.5.12 network (2 orgs x 1 peer, 1 raft orderer, TLS)', () => {
  test('comes up with the chaincode deployed, runs the seed open and query rounds with every node monitored, reports MVCC conflicts on a hot key, ends a round whose peer is killed, and stops leaving nothing', async () => {
    const started = performance.now();
    const log: string[] = [];
    const handle = (await startNetwork(NETWORK, { log: (l) => log.push(l) })) as FabricNetworkHandle;
    const upSec = (performance.now() - started) / 1000;
    const pids = [...handle.pids.map((p) => p.pid), handle.watchdogPid];
    try {
      console.log(`fabric bring-up: ${upSec.toFixed(1)}s ${JSON.stringify(handle.timings)}`);
      expect(handle.version).toBe('2.5.12');
      expect(handle.pids.map((p) => p.name).sort()).toEqual(['chaincode-simple-peer0-org1', 'chaincode-simple-peer0-org2', 'orderer0', 'peer0-org1', 'peer0-org2']);
      expect(handle.metricsUrls).toHaveLength(3);
      expect(handle.ref).toMatchObject({ connector: 'fabric-gateway' });

      const monitors = new MonitorSet(createMonitors(undefined, { file: NETWORK, warn: (w) => console.warn(w), ownProcesses: handle.pids, metricsUrls: handle.metricsUrls, intervalMs: 1000 }));
      await monitors.start();
      const origin = { source: NETWORK, field: '', baseDir: SEED_SIMPLE };
      const env = { network: handle.ref, runId: 'fabric-test', networkProcesses: handle.pids, monitors };
      let r: RoundResult;
      try {
        r = await runRound(
          normalizeRound({ label: 'open', workload: 'open.js', txNumber: 40, rateControl: { type: 'fixed-rate', opts: { tps: 20 } }, arguments: { money: 10000 } }, { ...origin, roundIndex: 0 }),
          env,
        );
        console.log(`open round on Fabric: succ ${r.succeeded} fail ${r.failed} throughput ${r.throughput.toFixed(1)} tps, p95 ${r.latency.p95} ms`, r.failuresByReason);
        // The seed's query round reads the accounts the open round wrote, on a peer, without ordering.
        const q = await runRound(normalizeRound({ label: 'query', workload: 'query.js', txNumber: 20, rateControl: { type: 'fixed-rate', opts: { tps: 20 } } }, { ...origin, roundIndex: 1 }), env);
        console.log(`query round on Fabric: succ ${q.succeeded} fail ${q.failed} throughput ${q.throughput.toFixed(1)} tps`, q.failuresByReason);
        expect(q.succeeded).toBe(20);
        // Transfers that all touch the same two accounts: Fabric's validator rejects the later ones in
        // each block, and the connector reports them as MVCC_READ_CONFLICT, apart from other failures.
        const hot = await runRound(
          normalizeRound({ label: 'hot transfer', workload: 'hot-transfer.cjs', txNumber: 30, rateControl: { type: 'fixed-rate', opts: { tps: 30 } } }, { ...origin, baseDir: resolve(import.meta.dirname, 'fixtures/workloads'), roundIndex: 2 }),
          env,
        );
        console.log(`hot transfer round on Fabric: succ ${hot.succeeded} fail ${hot.failed}`, hot.failuresByReason, JSON.stringify(hot.conflicts));
        expect(hot.failuresByReason.MVCC_READ_CONFLICT ?? 0).toBeGreaterThan(0);
        expect(hot.succeeded).toBeGreaterThan(0);
        // The other face of contention on real Fabric: the two organizations' peers, a block apart,
        // read different balances and the gateway refuses their differing endorsements.
        expect(Object.keys(hot.failuresByReason).filter((k) => k !== 'MVCC_READ_CONFLICT' && k !== 'endorse: endorsement mismatch')).toEqual([]);
        expect(hot.succeeded + hot.failed).toBe(30);
        // Explained from the committed blocks' read/write sets, as on the embedded network.
        expect(hot.conflicts?.source).toBe('block-rwsets');
        expect(hot.conflicts?.byCode.MVCC_READ_CONFLICT).toBe(hot.failuresByReason.MVCC_READ_CONFLICT);
        expect(hot.conflicts?.hotKeys[0]).toMatchObject({ key: 'simple/acc_0_0', readers: ['simple:transfer'], writers: ['simple:transfer'] });
        expect(hot.conflicts?.hotKeys[0].count).toBe(hot.failuresByReason.MVCC_READ_CONFLICT);
        // A peer killed mid-round: the round ends at once, names it, and keeps what was measured.
        const victim = handle.pids.find((p) => p.name === 'peer0-org2')!;
        const killer = setTimeout(() => process.kill(victim.pid, 'SIGKILL'), 5000);
        const killedAt = performance.now();
        const k = await runRound(
          normalizeRound({ label: 'peer killed', workload: 'open.js', txDuration: 30, rateControl: { type: 'fixed-rate', opts: { tps: 10 } } }, { ...origin, roundIndex: 3 }),
          env,
        ).finally(() => clearTimeout(killer));
        console.log(`peer killed mid-round: ${k.aborted?.reason}; succ ${k.succeeded} fail ${k.failed} in ${((performance.now() - killedAt) / 1000).toFixed(1)}s`);
        expect(k.aborted?.reason).toMatch(/peer0-org2 \(pid \d+\) exited/);
        expect(k.succeeded).toBeGreaterThan(0);
        expect((performance.now() - killedAt) / 1000).toBeLessThan(15);
      } finally {
        await monitors.stop();
      }
      expect(r.aborted).toBeUndefined();
      expect(r.succeeded).toBeGreaterThan(0);
      expect(r.succeeded + r.failed).toBe(40);
      expect(r.failed).toBe(0);
      for (const phase of ['endorse', 'order', 'commit']) expect(r.phases?.[phase]?.count ?? 0, `phase ${phase}`).toBeGreaterThan(0);
      // Every node and chaincode service is monitored by default, and each peer's own metrics are read.
      for (const { name } of handle.pids) {
        const row = r.resources?.find((x) => x.name.includes(name));
        expect(row, `resource row for ${name} in ${JSON.stringify(r.resources?.map((x) => x.name))}`).toBeDefined();
        expect(row!.memoryMaxBytes ?? 0).toBeGreaterThan(0);
      }
      const proposals = r.metrics?.filter((m) => m.metric === 'endorser_proposals_received') ?? [];
      expect(proposals.length).toBeGreaterThan(0);
      // 40 submits, each endorsed on both organizations' peers (AND policy).
      expect(proposals.reduce((n, m) => n + (m.value.increase ?? 0), 0)).toBeGreaterThanOrEqual(80);
      // Real ordering: a transaction waits for its block, which BatchTimeout (500 ms) bounds at this load.
      expect(r.latency.p50).toBeGreaterThan(20);
    } finally {
      await handle.stop();
    }
    await expectNothingLeft(pids, handle.stateDir);
  });

  test('a chaincode that cannot start fails the bring-up with its log tail, and every started process is stopped', async () => {
    const file = resolve(import.meta.dirname, 'fixtures/broken.yaml');
    const err = await startNetwork(file).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/chaincode-broken-peer0-org\d exited/);
    expect(err!.message).toContain('fails to load on purpose');
    const stateDir = /\/[^\s:]*ledgerbench-fabric-[A-Za-z0-9]+/.exec(err!.message)?.[0];
    expect(stateDir, 'the error names the log file, in the state folder').toBeDefined();
    await expectNothingLeft([], stateDir);
  });

  test('an orderer that cannot start (its port taken) fails the bring-up naming it, with its log, and nothing is left', async () => {
    // The release as unpacked, but an orderer that fails the way Fabric's does when its port is taken.
    const release = mkdtempSync(join(tmpdir(), 'lb-fabric-badorderer-'));
    try {
      cpSync(fabric.root, release, { recursive: true });
      writeFileSync(join(release, 'bin/orderer'), '#!/bin/sh\necho "Error: failed to listen: listen tcp 127.0.0.1:7050: bind: address already in use" >&2\nexit 2\n', { mode: 0o755 });
      const cfg = loadNetworkFile(NETWORK);
      if (cfg.type !== 'fabric') throw new Error('expected a fabric network file');
      const err = await startFabricNetwork(cfg, { env: { ...process.env, FABRIC_BIN: release } }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/orderer0 exited \(code 2, signal null\) while waiting for orderer0 to answer \/healthz/);
      expect(err?.message).toContain('bind: address already in use');
      const stateDir = /\/[^\s:]*ledgerbench-fabric-[A-Za-z0-9]+/.exec(err!.message)?.[0];
      expect(stateDir).toBeDefined();
      await expectNothingLeft([], stateDir);
      expect(existsSync(stateDir!)).toBe(false);
    } finally {
      rmSync(release, { recursive: true, force: true });
    }
  });

  test('a port taken before its node binds it: the bring-up starts once more on fresh ports and succeeds', async () => {
    // The release as unpacked, but an orderer that finds its port taken the first time it starts.
    const release = mkdtempSync(join(tmpdir(), 'lb-fabric-portrace-'));
    try {
      cpSync(fabric.root, release, { recursive: true });
      const real = join(release, 'bin/orderer.real');
      cpSync(join(release, 'bin/orderer'), real);
      const mark = join(release, 'first-start-done');
      writeFileSync(
        join(release, 'bin/orderer'),
        `#!/bin/sh\nif [ ! -f ${mark} ]; then touch ${mark}; echo "Error: failed to listen: listen tcp 127.0.0.1:7050: bind: address already in use" >&2; exit 2; fi\nexec ${real} "$@"\n`,
        { mode: 0o755 },
      );
      const cfg = loadNetworkFile(resolve(import.meta.dirname, 'fixtures/raft3.yaml'));
      if (cfg.type !== 'fabric') throw new Error('expected a fabric network file');
      const log: string[] = [];
      const handle = await startFabricNetwork({ ...cfg, orderer: { ...cfg.orderer, nodes: 1 }, channels: cfg.channels.map((c) => ({ ...c, chaincodes: [] })) }, { env: { ...process.env, FABRIC_BIN: release }, log: (l) => log.push(l) });
      try {
        expect(log.join('\n')).toContain('a port was taken before its node could bind it; starting again on fresh ports');
        expect(handle.pids.map((p) => p.name)).toEqual(['orderer0', 'peer0-org1', 'peer0-org2']);
      } finally {
        await handle.stop();
      }
      await expectNothingLeft(handle.pids.map((p) => p.pid), handle.stateDir);
    } finally {
      rmSync(release, { recursive: true, force: true });
    }
  });

  test('a low-level shim chaincode with an init-required definition and a private data collection runs beside a contract; when the owner is killed (SIGKILL, no stop), the watchdog takes every process down', async () => {
    const file = resolve(import.meta.dirname, 'fixtures/two-chaincodes.yaml');
    const owner = spawn(process.execPath, ['--import', TSX, resolve(import.meta.dirname, 'fixtures/owner.ts'), file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let out = '';
    let errText = '';
    owner.stderr.on('data', (d) => (errText += d));
    const line = await new Promise<string>((resolvePromise, reject) => {
      owner.stdout.on('data', (d) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) resolvePromise(out.slice(0, nl));
      });
      owner.once('exit', (code) => reject(new Error(`owner exited (${code}) before the network was up:\n${errText}`)));
    });
    const { pids, watchdog, stateDir } = JSON.parse(line) as { pids: number[]; watchdog: number; stateDir: string };
    try {
      expect(pids).toHaveLength(7);
      expect(pids.every(alive)).toBe(true);
      // The shim chaincode answers through both organizations' gateways, and its write commits.
      const connectionFile = join(stateDir, 'connection.json');
      expect(statSync(connectionFile).mode & 0o777).toBe(0o600);
      for (const workerIndex of [0, 1]) {
        const connector = await createFabricGatewayConnector({ workerIndex, workerCount: 2, network: { connector: 'fabric-gateway', file: connectionFile }, txTimeoutMs: 30_000 });
        try {
          const put = await connector.submit({ contract: 'shim-kv', fn: 'put', args: [`k${workerIndex}`, `v${workerIndex}`] });
          expect(put, put.message).toMatchObject({ ok: true });
          const got = await connector.evaluate({ contract: 'shim-kv', fn: 'get', args: [`k${workerIndex}`] });
          expect(Buffer.from(got.payload ?? []).toString()).toBe(`v${workerIndex}`);
          const initialized = await connector.evaluate({ contract: 'shim-kv', fn: 'get', args: ['initialized'] });
          expect(Buffer.from(initialized.payload ?? []).toString(), initialized.message).toBe('by-ledgerbench');
          const secret = `secret-${workerIndex}`;
          const putPrivate = await connector.submit({ contract: 'shim-kv', fn: 'putPrivate', args: ['shared', `p${workerIndex}`], transient: { value: secret } });
          expect(putPrivate, putPrivate.message).toMatchObject({ ok: true });
          const gotPrivate = await connector.evaluate({ contract: 'shim-kv', fn: 'getPrivate', args: ['shared', `p${workerIndex}`] });
          expect(Buffer.from(gotPrivate.payload ?? []).toString(), gotPrivate.message).toBe(secret);
          const missing = await connector.evaluate({ contract: 'shim-kv', fn: 'get', args: ['nothing'] });
          expect(missing.message).toContain('key nothing not found');
        } finally {
          await connector.close();
        }
      }
    } finally {
      owner.kill('SIGKILL');
    }
    await new Promise((r) => owner.once('exit', r));
    await expectNothingLeft([...pids, watchdog], stateDir);
    // Its temp state folder (private keys) goes too.
    expect(existsSync(stateDir)).toBe(false);
  });

  test('the Vitest plugin brings it up in global setup, runs the seed Caliper benchmark unchanged, and takes it down', async () => {
    const results = mkdtempSync(join(tmpdir(), 'lb-fabric-vitest-'));
    try {
      const vitest = spawn(process.execPath, [resolve(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--config', resolve(import.meta.dirname, 'fixtures/vitest.fabric.config.ts')], {
        cwd: REPO,
        env: { ...process.env, LEDGERBENCH_TEST_RESULTS: results },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      vitest.stdout.on('data', (d) => (out += d));
      vitest.stderr.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((r) => vitest.once('exit', r));
      expect(code, out.slice(-3000)).toBe(0);
      expect(out).toMatch(/fabric network "fabric-2org" \(Fabric 2\.5\.12\) ready in/);
      expect(out).toMatch(/2 passed/);
      const report = JSON.parse(readFileSync(join(results, readdirSync(results)[0], 'results.json'), 'utf8')) as { rounds: Array<{ label: string; succeeded: number }> };
      expect(report.rounds.map((r) => [r.label, r.succeeded])).toEqual([['open', 100], ['query', 100]]);
      await expectNothingLeft([]);
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });

  test('`ledgerbench network up` keeps it up after the command returns; `network down` takes every process away', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lb-fabric-up-'));
    try {
      const up = await networkUp(NETWORK, stateDir);
      expect(up.connectionFile).toBe(join(stateDir, 'connection.json'));
      expect(statSync(up.connectionFile).mode & 0o777).toBe(0o600);
      expect(alive(up.pid)).toBe(true);
      // The owner, its watchdog, the orderer, two peers and two chaincode services (and, on a slow
      // machine, maybe a short-lived CLI call still finishing): all of them must be gone after down.
      const running = processesUsing(fabric.root);
      expect(running).toContain(up.pid);
      expect(running.length).toBeGreaterThanOrEqual(7);
      // A network someone else holds: reachable through the connection file alone.
      const connector = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, network: { connector: 'fabric-gateway', file: up.connectionFile }, txTimeoutMs: 30_000 });
      try {
        const open = await connector.submit({ contract: 'simple', fn: 'open', args: ['up-down', '5'] });
        expect(open, open.message).toMatchObject({ ok: true });
      } finally {
        await connector.close();
      }
      expect(await networkDown(stateDir)).toBe(true);
      await expectNothingLeft([up.pid, ...running]);
      expect(existsSync(up.connectionFile)).toBe(false);
    } finally {
      await networkDown(stateDir);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('a native Fabric 3.0.0 network with 3 Raft orderers', () => {
  let fabric3: UnpackedFabric;
  beforeAll(() => {
    fabric3 = unpackFabric('3.0.0');
  });
  afterAll(() => fabric3?.remove());

  test('comes up with the version read from the binaries, commits through the gateway, ends a round whose orderer is killed, and stops leaving nothing', async () => {
    const file = resolve(import.meta.dirname, 'fixtures/raft3.yaml');
    const cfg = loadNetworkFile(file);
    if (cfg.type !== 'fabric') throw new Error('expected a fabric network file');
    const handle = await startFabricNetwork(cfg, { env: { ...process.env, FABRIC_BIN: fabric3.root } });
    const pids = [...handle.pids.map((p) => p.pid), handle.watchdogPid];
    try {
      console.log(`fabric 3.0.0 raft3 bring-up: ${JSON.stringify(handle.timings)}`);
      expect(handle.version).toBe('3.0.0');
      expect(handle.pids.filter((p) => p.name.startsWith('orderer')).map((p) => p.name)).toEqual(['orderer0', 'orderer1', 'orderer2']);
      // Each node's /metrics URL is named after the node, for the monitors' figures.
      expect(handle.metricsUrls.map((m) => (typeof m === 'string' ? m : m.name))).toEqual(['orderer0.example.com', 'orderer1.example.com', 'orderer2.example.com', 'peer0.org1.example.com', 'peer0.org2.example.com']);
      const connector = await createFabricGatewayConnector({ workerIndex: 1, workerCount: 2, network: handle.ref, txTimeoutMs: 30_000 });
      try {
        const open = await connector.submit({ contract: 'simple', fn: 'open', args: ['raft3', '7'], channel: 'raftchannel' });
        expect(open, open.message).toMatchObject({ ok: true });
        const query = await connector.evaluate({ contract: 'simple', fn: 'query', args: ['raft3'], channel: 'raftchannel' });
        expect(Buffer.from(query.payload ?? []).toString()).toBe('7');
      } finally {
        await connector.close();
      }
      // An orderer killed mid-round: the round ends at once and names it.
      const victim = handle.pids.find((p) => p.name === 'orderer1')!;
      const killer = setTimeout(() => process.kill(victim.pid, 'SIGKILL'), 4000);
      const killedAt = performance.now();
      const r = await runRound(
        normalizeRound({ label: 'orderer killed', workload: 'open.js', txDuration: 30, rateControl: { type: 'fixed-rate', opts: { tps: 10 } } }, { source: file, field: '', baseDir: SEED_SIMPLE, roundIndex: 0 }),
        { network: handle.ref, runId: 'raft3', networkProcesses: handle.pids },
      ).finally(() => clearTimeout(killer));
      expect(r.aborted?.reason).toMatch(/orderer1 \(pid \d+\) exited/);
      expect(r.succeeded).toBeGreaterThan(0);
      expect((performance.now() - killedAt) / 1000).toBeLessThan(15);
    } finally {
      await handle.stop();
    }
    expect(await eventually(() => pids.every((p) => !alive(p)), 15_000)).toBe(true);
    expect(processesUsing(fabric3.root)).toEqual([]);
    expect(processesOfNetwork(handle.stateDir)).toEqual([]);
  });
});
