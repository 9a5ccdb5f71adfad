/**
 * The seeds' flow, steps 1 to 7, on Fabric 1.4.12 as Caliper 0.1 ran it: a network someone else
 * started (ledgerbench's own 1.4 bring-up with `nodesOnly`: solo orderer with a system channel, 2
 * organizations x 2 peers in chaincode dev mode, no channel, no chaincode) and a Caliper fabric-ccp
 * file for it in the seed's shape (fixtures/seed-configs/fabric-ccp-2org2peer3orderer.yaml: clients,
 * `created: false` with a `configBinary`, chaincodes with a path, organizations with admin keys,
 * caliper.command.start/end). `ledgerbench run` with the seed's simple benchmark creates the channel,
 * joins the four peers, installs and instantiates the chaincode and runs both rounds through the
 * fabric-legacy connector; the second run reuses all of it (its log says so) and `ledgerbench network
 * up` with the same file reuses it too and keeps the chaincode running until `network down`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadNetworkFile } from '../../src/config/network-file.ts';
import { createFabricLegacyConnector } from '../../src/connectors/fabric-legacy/index.ts';
import type { FabricNetworkFileConfig } from '../../src/network/fabric/config.ts';
import { freePorts } from '../../src/network/fabric/topology.ts';
import { type Fabric14NetworkHandle, startFabric14Network } from '../../src/network/fabric/v1/network.ts';
import { startNetwork } from '../../src/network/index.ts';
import { ledgerbenchCli, REPO } from '../cli/child.ts';
import { processesUsing, type UnpackedFabric, unpackFabric } from '../fabric/support.ts';
import { alive, eventually } from '../support/processes.ts';

const CHAINCODE = resolve(REPO, 'fixtures/chaincode/simple');

let fabric: UnpackedFabric;
let network: Fabric14NetworkHandle;
let work: string;
let ccp: string;
const savedFabricBin = process.env.FABRIC_BIN;

/** The parts of the bring-up's fabric-ccp file the seed's shape changes. */
interface Ccp {
  caliper: Record<string, unknown>;
  channels: Record<string, Record<string, unknown>>;
  organizations: Record<string, Record<string, unknown>>;
  orderers: Record<string, { url: string }>;
  ledgerbench?: Record<string, unknown>;
}

/**
 * The seed's fabric-ccp shape for the running network, from the bring-up's own fabric-ccp file (its
 * clients, orderer, peers): created: false with the channel creation transaction the bring-up wrote,
 * the chaincode with a path, admin keys, and the peers' chaincode listeners (read from their core.yaml).
 */
function writeSeedShapedCcp(stateDir: string, out: string): string {
  const doc = load(readFileSync(join(stateDir, 'fabric-ccp.yaml'), 'utf8')) as Ccp;
  const crypto = join(stateDir, 'crypto', 'peerOrganizations');
  for (const [key, org] of Object.entries(doc.organizations)) {
    const domain = `${key.toLowerCase()}.example.com`;
    const msp = join(crypto, domain, 'users', `Admin@${domain}`, 'msp');
    org.adminPrivateKey = { path: join(msp, 'keystore', readdirSync(join(msp, 'keystore'))[0]) };
    org.signedCert = { path: join(msp, 'signcerts', readdirSync(join(msp, 'signcerts'))[0]) };
  }
  const chaincodeAddresses: Record<string, string> = {};
  for (const node of readdirSync(join(stateDir, 'nodes'))) {
    const core = join(stateDir, 'nodes', node, 'core.yaml');
    try {
      const { peer } = load(readFileSync(core, 'utf8')) as { peer: { id: string; chaincodeListenAddress: string } };
      chaincodeAddresses[peer.id] = peer.chaincodeListenAddress;
    } catch {
      // An orderer's folder.
    }
  }
  // The seed's file has one channel; `second` (its creation transaction written too) is for test 3.
  delete doc.channels.second;
  Object.assign(doc.channels.mychannel, {
    configBinary: join(stateDir, 'channels', 'mychannel.tx'),
    created: false,
    chaincodes: [{ id: 'simple', version: 'v0', language: 'node', path: CHAINCODE }],
  });
  doc.caliper.command = { start: 'echo caliper start command', end: 'echo caliper end command' };
  doc.ledgerbench = { chaincodeAddresses, readyTimeout: '20s' };
  writeFileSync(out, dump(doc, { lineWidth: -1 }), { mode: 0o600 });
  return out;
}

beforeAll(async () => {
  fabric = unpackFabric('1.4.12');
  process.env.FABRIC_BIN = fabric.root;
  work = mkdtempSync(join(tmpdir(), 'lb-existing-14-'));
  const file = join(work, 'network.yaml');
  writeFileSync(
    file,
    `type: fabric
name: someone-elses-14
version: "1.4"
organizations:
  - { mspId: Org1MSP, peers: 2, users: 1 }
  - { mspId: Org2MSP, peers: 2, users: 1 }
orderer: { nodes: 1, batchTimeout: 250ms }
channels:
  - name: mychannel
  - name: second
`,
  );
  const started = performance.now();
  network = await startFabric14Network(loadNetworkFile(file) as FabricNetworkFileConfig, { nodesOnly: true });
  console.log(`fabric 1.4.12, nodes only (2 orgs x 2 peers, solo): ${((performance.now() - started) / 1000).toFixed(1)}s`);
  ccp = writeSeedShapedCcp(network.stateDir, join(work, 'fabric-ccp.yaml'));
}, 60_000);

afterAll(async () => {
  // What a failed network-up test left up.
  if (work && existsSync(join(work, 'state', 'network.json'))) await ledgerbenchCli(['network', 'down', '--state', join(work, 'state')], { timeoutMs: 30_000 }).finished;
  await network?.stop();
  if (savedFabricBin === undefined) delete process.env.FABRIC_BIN;
  else process.env.FABRIC_BIN = savedFabricBin;
  try {
    if (fabric) {
      await eventually(() => processesUsing(fabric.root).length === 0, 10_000);
      expect(processesUsing(fabric.root)).toEqual([]);
    }
  } finally {
    fabric?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  }
}, 30_000);

/** `ledgerbench run` of the seed's simple benchmark against the ccp file; its rounds and log. */
async function runSeed(name: string): Promise<{ rounds: Array<[string, number, number]>; log: string; seconds: number; monitored: string[] }> {
  const results = join(work, name);
  const started = performance.now();
  const run = await ledgerbenchCli(['run', '--config', 'fixtures/seed-configs/simple-config.yaml', '--network', ccp, '--results', results], { timeoutMs: 100_000 }).finished;
  const seconds = (performance.now() - started) / 1000;
  const log = `${run.stdout}\n${run.stderr}`;
  expect(run.code, log).toBe(0);
  const json = JSON.parse(readFileSync(join(results, readdirSync(results)[0], 'results.json'), 'utf8'));
  const raw = json.rounds as Array<{ label: string; succeeded: number; failed: number; resources?: Array<{ name: string }> }>;
  const rounds = raw.map((r) => [r.label, r.succeeded, r.failed] as [string, number, number]);
  return { rounds, log, seconds, monitored: (raw[0].resources ?? []).map((r) => r.name) };
}

describe("the seeds' flow on Fabric 1.4.12 through a fabric-ccp file (created: false, chaincode with a path)", () => {
  test('the first run creates the channel, joins every peer, installs and instantiates; the second reuses it all', async () => {
    const first = await runSeed('first');
    const lines = (log: string) => log.split('\n').filter((l) => l.includes('existing network') || l.includes('caliper'));
    console.log(`first run ${first.seconds.toFixed(1)}s: ${first.rounds.map((r) => r.join(' ')).join(', ')}\n${lines(first.log).join('\n')}`);
    expect(first.rounds).toEqual([
      ['open', 100, 0],
      ['query', 100, 0],
    ]);
    expect(first.log).toMatch(/channel mychannel: created on orderer \S+ from \S+mychannel\.tx, joined peer0\.org1\.example\.com, peer1\.org1\.example\.com, peer0\.org2\.example\.com, peer1\.org2\.example\.com/);
    expect(first.log).toMatch(/chaincode simple on mychannel: instantiated at version v0; installed on peer0\.org1\.example\.com, peer1\.org1\.example\.com, peer0\.org2\.example\.com, peer1\.org2\.example\.com; dev-mode chaincode processes registered/);
    // Steps 1 and 7: Caliper's start and end commands ran around it.
    expect(first.log).toContain('caliper start command');
    expect(first.log).toContain('caliper end command');

    const second = await runSeed('second');
    console.log(`second run ${second.seconds.toFixed(1)}s: ${second.rounds.map((r) => r.join(' ')).join(', ')}\n${lines(second.log).join('\n')}`);
    expect(second.rounds).toEqual([
      ['open', 100, 0],
      ['query', 100, 0],
    ]);
    expect(second.log).toContain('channel mychannel: every listed peer has joined it (created: false, nothing to do)');
    expect(second.log).toContain('chaincode simple on mychannel: instantiated at version v0 already, reused (nothing instantiated); installed on every listed peer already');
    expect(second.log).not.toMatch(/created on orderer|joined peer/);
  }, 200_000);

  test('`ledgerbench network up` with the same file sets it up as a run does (reused here) and keeps the chaincode running for runs until `network down`', async () => {
    const state = join(work, 'state');
    const up = await ledgerbenchCli(['network', 'up', ccp, '--state', state], { timeoutMs: 60_000 }).finished;
    const upLog = readFileSync(join(state, 'network.log'), 'utf8');
    expect(up.code, `${up.stdout}\n${up.stderr}\n${upLog}`).toBe(0);
    const { pid } = JSON.parse(readFileSync(join(state, 'network.json'), 'utf8')) as { pid: number };
    console.log(`network up: ${up.stdout.trim()}\n${upLog}`);
    expect(upLog).toContain('chaincode simple on mychannel: instantiated at version v0 already, reused');
    expect(alive(pid)).toBe(true);

    // A run against the same file while it is up: the chaincode processes network up started serve it.
    const during = await runSeed('while-up');
    console.log(`run while up ${during.seconds.toFixed(1)}s: ${during.rounds.map((r) => r.join(' ')).join(', ')}\n${during.log.split('\n').filter((l) => l.includes('existing network')).join('\n')}`);
    expect(during.rounds).toEqual([
      ['open', 100, 0],
      ['query', 100, 0],
    ]);
    expect(during.log).toContain(`set up by \`ledgerbench network up\` (pid ${pid}), whose chaincode processes serve it; nothing deployed`);
    // The process monitor reports the chaincode processes the owner keeps.
    console.log('monitored while up:', during.monitored);
    expect(during.monitored.filter((n) => n.includes('chaincode-simple-'))).toHaveLength(4);

    const down = await ledgerbenchCli(['network', 'down', '--state', state], { timeoutMs: 30_000 }).finished;
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('network down');
    expect(await eventually(() => !alive(pid), 10_000)).toBe(true);
    expect(readFileSync(join(state, 'network.log'), 'utf8')).toContain('caliper end command');
    // The profile is the user's file: network down leaves it.
    expect(existsSync(ccp)).toBe(true);
  }, 120_000);

  test('a new version is upgraded (peer chaincode upgrade, with Caliper\'s init arguments) and answers; peers missing from a channel the orderer has are joined; a channel to create without configBinary (also through network up), a closed or a wrong chaincode listener and a bad address each fail naming the field (and dev mode)', async () => {
    const doc = load(readFileSync(ccp, 'utf8')) as Ccp;
    const variant = (name: string, edit: (d: Ccp) => void) => {
      const copy = structuredClone(doc);
      edit(copy);
      const file = join(work, `${name}.yaml`);
      writeFileSync(file, dump(copy, { lineWidth: -1 }), { mode: 0o600 });
      return file;
    };
    const logs: string[] = [];
    const upgraded = await startNetwork(
      variant('v1', (d) => {
        // Caliper's instantiate arguments: Init runs open('from-init', '42').
        Object.assign((d.channels.mychannel.chaincodes as Array<Record<string, unknown>>)[0], { version: 'v1', function: 'open', init: ['from-init', '42'] });
      }),
      { log: (l) => logs.push(l) },
    );
    try {
      console.log(logs.join('\n'));
      expect(logs.join('\n')).toContain('chaincode simple on mychannel: upgraded from version v0 to v1; installed on peer0.org1.example.com, peer1.org1.example.com, peer0.org2.example.com, peer1.org2.example.com');
      const c = await createFabricLegacyConnector({ workerIndex: 0, workerCount: 1, network: upgraded.ref, txTimeoutMs: 10_000 });
      try {
        expect(await c.submit({ contract: 'simple', fn: 'open', args: ['after-upgrade', '7'] })).toMatchObject({ ok: true });
        expect(Buffer.from((await c.evaluate({ contract: 'simple', fn: 'query', args: ['after-upgrade'] })).payload ?? []).toString()).toBe('7');
        expect(Buffer.from((await c.evaluate({ contract: 'simple', fn: 'query', args: ['from-init'] })).payload ?? []).toString()).toBe('42');
      } finally {
        await c.close();
      }
    } finally {
      await upgraded.stop();
    }

    // The seeds list Go chaincode with a path: never built, used as instantiated at its version.
    const goLogs: string[] = [];
    const asGo = (version: string) => (d: Ccp) => Object.assign((d.channels.mychannel.chaincodes as Array<Record<string, unknown>>)[0], { version, language: 'golang', path: 'contract/fabric/simple/go' });
    const go = await startNetwork(variant('go', asGo('v1')), { log: (l) => goLogs.push(l) });
    await go.stop();
    expect(goLogs.join('\n')).toContain('chaincode simple on mychannel: golang, instantiated at version v1, used as deployed');
    expect(go.pids).toEqual([]);
    const goOther = await startNetwork(variant('go-v7', asGo('v7'))).catch((e: unknown) => e);
    expect((goOther as ConfigError).field).toBe('channels.mychannel.chaincodes[0].version');
    expect((goOther as ConfigError).problem).toMatch(/is deployed on channel mychannel at version v1, not v7/);

    // A channel the orderer has and some listed peers have not joined: fetched and joined, not created.
    const second = (peers: string[]) =>
      variant(`second-${peers.length}`, (d) => {
        const ch = structuredClone(d.channels.mychannel);
        Object.assign(ch, { configBinary: join(network.stateDir, 'channels', 'second.tx'), chaincodes: [], peers: Object.fromEntries(peers.map((p) => [p, { eventSource: true }])) });
        d.channels = { second: ch };
      });
    const all = ['peer0.org1.example.com', 'peer1.org1.example.com', 'peer0.org2.example.com', 'peer1.org2.example.com'];
    for (const [peers, expected] of [
      [all.slice(0, 1), /channel second: created on orderer orderer0\.example\.com from \S+second\.tx, joined peer0\.org1\.example\.com \(\d+\.\d s\)$/m],
      [all, /channel second: joined peer1\.org1\.example\.com, peer0\.org2\.example\.com, peer1\.org2\.example\.com \(\d+\.\d s\)$/m],
    ] as const) {
      const lines: string[] = [];
      await (await startNetwork(second([...peers]), { log: (l) => lines.push(l) })).stop();
      expect(lines.join('\n')).toMatch(expected);
    }

    const noTx = variant('no-tx', (d) => {
      const ch = d.channels.mychannel;
      delete ch.configBinary;
      ch.chaincodes = [];
      d.channels = { otherchannel: ch };
    });
    const err = await startNetwork(noTx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('channels.otherchannel.configBinary');
    expect((err as Error).message).toMatch(/does not exist on orderer 127\.0\.0\.1:\d+ .*configtxgen -profile <your channel profile> -channelID otherchannel -outputCreateChannelTx/s);

    const [closedPort] = await freePorts(1);
    const wrongListener = variant('wrong-listener', (d) => {
      (d.ledgerbench!.chaincodeAddresses as Record<string, string>)['peer1.org2.example.com'] = `127.0.0.1:${closedPort}`;
      d.ledgerbench!.readyTimeout = '1s';
    });
    await expect(startNetwork(wrongListener)).rejects.toThrow(`chaincode listener of peer peer1.org2.example.com (ledgerbench.chaincodeAddresses.peer1.org2.example.com) 127.0.0.1:${closedPort}: not reachable (ECONNREFUSED)`);

    // Something that is not a dev-mode peer's chaincode listener (the orderer) at one peer's address.
    const ordererUrl = Object.values(doc.orderers)[0].url;
    const notDevMode = variant('not-dev-mode', (d) => {
      (d.ledgerbench!.chaincodeAddresses as Record<string, string>)['peer0.org2.example.com'] = ordererUrl.replace('grpc://', '');
    });
    const started = performance.now();
    const refused = (await startNetwork(notDevMode).catch((e: unknown) => e)) as Error;
    console.log(`not a dev-mode listener, after ${((performance.now() - started) / 1000).toFixed(1)}s: ${refused.message.split('\n').slice(0, 3).join('\n')}`);
    expect(refused.message).toMatch(/chaincode simple:v0 to register with peer peer0\.org2\.example\.com at 127\.0\.0\.1:\d+ \(ledgerbench\.chaincodeAddresses\.peer0\.org2\.example\.com; the peer must be in chaincode dev mode\)/);
    expect(refused.message).toContain('chaincode runs only on peers in chaincode dev mode (`peer node start --peer-chaincodedev=true`)');

    // network up with a file whose deployment fails: the command fails naming the field, its owner is gone.
    const failedState = join(work, 'failed-state');
    const failedUp = await ledgerbenchCli(['network', 'up', noTx, '--state', failedState], { timeoutMs: 60_000 }).finished;
    expect(failedUp.code).not.toBe(0);
    expect(failedUp.stderr).toContain('channels.otherchannel.configBinary');
    expect(existsSync(join(failedState, 'network.json'))).toBe(false);

    const badAddress = variant('bad-address', (d) => {
      (d.ledgerbench!.chaincodeAddresses as Record<string, string>)['peer0.org1.example.com'] = 'grpc://127.0.0.1:7052';
    });
    const bad = await startNetwork(badAddress).catch((e: unknown) => e);
    expect((bad as ConfigError).field).toBe('ledgerbench.chaincodeAddresses.peer0.org1.example.com');
  }, 90_000);
});
