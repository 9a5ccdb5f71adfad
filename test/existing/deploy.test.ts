/**
 * Deploying to a network someone else started, the seeds' way: a real Fabric 2.5.12 network (brought
 * up here with ledgerbench's own `type: fabric` bring-up, without chaincodes, standing in for
 * test-network) and a Caliper fabric-ccp connection profile for it that lists a Node chaincode with a
 * `path`. startNetwork(profile) deploys it through the peer CLI (sequence 1), reuses it the next time
 * (nothing committed), and commits sequence 2 once the folder changed; the new code answers through
 * the gateway connector. `ledgerbench network up` with the profile reuses it too and serves it for
 * starts until `network down`. `created: false` joins the peers to a channel only the orderer had. Bad
 * input and an unreachable peer fail naming the field or the endpoint.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { createFabricGatewayConnector } from '../../src/connectors/fabric-gateway/index.ts';
import type { FabricNetworkHandle } from '../../src/network/fabric/network.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';
import { ledgerbenchCli } from '../cli/child.ts';
import { processesOfNetwork, type UnpackedFabric, unpackFabric } from '../fabric/support.ts';
import { alive, eventually } from '../support/processes.ts';

const REPO = resolve(import.meta.dirname, '../..');
const FIXTURE = resolve(import.meta.dirname, 'fixtures/versioned');

let fabric: UnpackedFabric;
let network: FabricNetworkHandle;
let work: string;
let chaincodeDir: string;
const savedFabricBin = process.env.FABRIC_BIN;
/** The temp folders of the deployments started so far. */
const deployments: string[] = [];

beforeAll(async () => {
  fabric = unpackFabric('2.5.12');
  process.env.FABRIC_BIN = fabric.root;
  work = mkdtempSync(join(tmpdir(), 'lb-existing-test-'));
  const file = join(work, 'network.yaml');
  writeFileSync(
    file,
    `type: fabric
name: someone-elses
organizations:
  - { mspId: Org1MSP, peers: 1, users: 1 }
  - { mspId: Org2MSP, peers: 1, users: 1 }
orderer: { type: etcdraft, nodes: 1, batchTimeout: 250ms }
channels:
  - name: mychannel
`,
  );
  network = (await startNetwork(file)) as FabricNetworkHandle;
  // The chaincode folder the profile names: a copy, so the test can change it.
  chaincodeDir = join(work, 'versioned');
  cpSync(FIXTURE, chaincodeDir, { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(chaincodeDir, 'node_modules'));
}, 90_000);

afterAll(async () => {
  // What a failed network-up test left up.
  if (work && existsSync(join(work, 'state', 'network.json'))) await ledgerbenchCli(['network', 'down', '--state', join(work, 'state')], { timeoutMs: 30_000 }).finished;
  await network?.stop();
  if (savedFabricBin === undefined) delete process.env.FABRIC_BIN;
  else process.env.FABRIC_BIN = savedFabricBin;
  if (work) rmSync(work, { recursive: true, force: true });
  fabric?.remove();
});

/** The parts of the profile the tests edit. */
interface Profile {
  ledgerbench: Record<string, unknown>;
  channels: Record<string, Record<string, unknown>>;
  organizations: Record<string, Record<string, unknown>>;
  peers: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** A Caliper fabric-ccp profile for the running network, with `edit` applied to its document. */
function writeProfile(name: string, edit: (doc: Profile) => void = () => {}): string {
  const crypto = join(network.stateDir, 'crypto');
  const conn = JSON.parse(readFileSync(join(network.stateDir, 'connection.json'), 'utf8')) as { peers: Array<{ name: string; endpoint: string }> };
  const ordererPort = (load(readFileSync(join(network.stateDir, 'nodes', 'orderer0', 'orderer.yaml'), 'utf8')) as { General: { ListenPort: number } }).General.ListenPort;
  const org = (n: number) => {
    const dir = join(crypto, 'peerOrganizations', `org${n}.example.com`);
    return {
      mspid: `Org${n}MSP`,
      peers: [`peer0.org${n}.example.com`],
      adminPrivateKey: { path: join(dir, 'users', `Admin@org${n}.example.com`, 'msp', 'keystore', 'priv_sk') },
      signedCert: { path: join(dir, 'users', `Admin@org${n}.example.com`, 'msp', 'signcerts', `Admin@org${n}.example.com-cert.pem`) },
    };
  };
  const client = (n: number) => {
    const msp = join(crypto, 'peerOrganizations', `org${n}.example.com`, 'users', `User1@org${n}.example.com`, 'msp');
    return { client: { organization: `Org${n}`, clientPrivateKey: { path: join(msp, 'keystore', 'priv_sk') }, clientSignedCert: { path: join(msp, 'signcerts', `User1@org${n}.example.com-cert.pem`) } } };
  };
  const peer = (n: number) => ({
    url: `grpcs://${conn.peers.find((p) => p.name === `peer0.org${n}.example.com`)!.endpoint}`,
    tlsCACerts: { path: join(crypto, 'peerOrganizations', `org${n}.example.com`, 'tlsca', `tlsca.org${n}.example.com-cert.pem`) },
    grpcOptions: { 'ssl-target-name-override': `peer0.org${n}.example.com` },
  });
  const doc: Profile = {
    name: 'someone-elses',
    version: '1.0',
    caliper: { blockchain: 'fabric-ccp' },
    // The gateway connector for a Fabric 2.5 network (fabric-ccp files default to the legacy one).
    ledgerbench: { connector: 'fabric-gateway', readyTimeout: '20s' },
    clients: { 'client0.org1.example.com': client(1), 'client0.org2.example.com': client(2) },
    channels: {
      mychannel: {
        orderers: ['orderer0.example.com'],
        peers: { 'peer0.org1.example.com': { eventSource: true }, 'peer0.org2.example.com': { eventSource: true } },
        chaincodes: [{ id: 'versioned', version: 'v1', language: 'node', path: chaincodeDir }],
      },
    },
    organizations: { Org1: org(1), Org2: org(2) },
    orderers: {
      'orderer0.example.com': {
        url: `grpcs://127.0.0.1:${ordererPort}`,
        tlsCACerts: { path: join(crypto, 'ordererOrganizations', 'example.com', 'tlsca', 'tlsca.example.com-cert.pem') },
        grpcOptions: { 'ssl-target-name-override': 'orderer0.example.com' },
      },
    },
    peers: { 'peer0.org1.example.com': peer(1), 'peer0.org2.example.com': peer(2) },
  };
  edit(doc);
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify(doc, null, 2));
  return path;
}

/** `peer lifecycle chaincode querycommitted` as Org1's admin, as a user would check it by hand. */
async function committedSequence(): Promise<number | undefined> {
  const org1 = join(network.stateDir, 'crypto', 'peerOrganizations', 'org1.example.com');
  const conn = JSON.parse(readFileSync(join(network.stateDir, 'connection.json'), 'utf8')) as { peers: Array<{ endpoint: string }> };
  try {
    const { stdout } = await promisify(execFile)(join(fabric.root, 'bin', 'peer'), ['lifecycle', 'chaincode', 'querycommitted', '-C', 'mychannel', '-n', 'versioned', '-O', 'json'], {
      env: {
        ...process.env,
        FABRIC_CFG_PATH: join(fabric.root, 'config'),
        CORE_PEER_LOCALMSPID: 'Org1MSP',
        CORE_PEER_MSPCONFIGPATH: join(org1, 'users', 'Admin@org1.example.com', 'msp'),
        CORE_PEER_ADDRESS: conn.peers[0].endpoint,
        CORE_PEER_TLS_ENABLED: 'true',
        CORE_PEER_TLS_ROOTCERT_FILE: join(org1, 'tlsca', 'tlsca.org1.example.com-cert.pem'),
      },
    });
    return (JSON.parse(stdout) as { sequence: number }).sequence;
  } catch (err) {
    if (/namespace versioned is not defined/.test(String((err as { stderr?: string }).stderr))) return undefined;
    throw err;
  }
}

/** The version the committed `versioned` chaincode answers through the gateway connector. */
async function servedVersion(handle: NetworkHandle): Promise<string> {
  const connector = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, network: handle.ref, txTimeoutMs: 30_000 });
  try {
    return Buffer.from((await connector.evaluate({ contract: 'versioned', fn: 'version', args: [] })).payload ?? []).toString();
  } finally {
    await connector.close();
  }
}

/** Starts the profile, checks the chaincode through the gateway connector, stops; returns the log. */
async function startAndCall(profile: string, expectVersion: string): Promise<string[]> {
  const log: string[] = [];
  const t0 = performance.now();
  const handle: NetworkHandle = await startNetwork(profile, { log: (l) => log.push(l) });
  console.log(`startNetwork(profile) took ${((performance.now() - t0) / 1000).toFixed(1)}s:\n  ${log.join('\n  ')}`);
  const pids = handle.pids.map((p) => p.pid);
  try {
    expect(handle.ref).toMatchObject({ connector: 'fabric-gateway', file: profile });
    expect(handle.pids.map((p) => p.name)).toEqual(['chaincode-versioned']);
    // The admin keys were in the deployment's temp folder only while the peer CLI ran.
    const stateDir = /LEDGERBENCH_FABRIC_NETWORK=([^\0]+)/.exec(readFileSync(`/proc/${pids[0]}/environ`, 'latin1'))![1];
    expect(existsSync(join(stateDir, 'msp'))).toBe(false);
    deployments.push(stateDir);
    const connector = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, network: handle.ref, txTimeoutMs: 30_000 });
    try {
      const put = await connector.submit({ contract: 'versioned', fn: 'put', args: ['k', expectVersion] });
      expect(put, put.message).toMatchObject({ ok: true });
      const got = await connector.evaluate({ contract: 'versioned', fn: 'get', args: ['k'] });
      expect(Buffer.from(got.payload ?? []).toString()).toBe(expectVersion);
      const version = await connector.evaluate({ contract: 'versioned', fn: 'version', args: [] });
      expect(Buffer.from(version.payload ?? []).toString(), version.message).toBe(expectVersion);
    } finally {
      await connector.close();
    }
  } finally {
    await handle.stop();
  }
  expect(await eventually(() => pids.every((p) => !alive(p)), 10_000)).toBe(true);
  return log;
}

describe('a connection profile that lists a Node chaincode with a path, against a running Fabric 2.5.12 network', () => {
  test('the first start deploys it (sequence 1), the next reuses it, and a changed folder is committed as sequence 2 whose code answers', async () => {
    const profile = writeProfile('profile');
    expect(await committedSequence()).toBeUndefined();

    const first = await startAndCall(profile, 'one');
    expect(first.join('\n')).toMatch(/chaincode versioned on mychannel: deployed, sequence 1/);
    expect(await committedSequence()).toBe(1);

    const second = await startAndCall(profile, 'one');
    expect(second.join('\n')).toMatch(/committed sequence 1 is this folder's package, reused \(nothing committed\)/);
    expect(await committedSequence()).toBe(1);

    const source = join(chaincodeDir, 'chaincode.cjs');
    writeFileSync(source, readFileSync(source, 'utf8').replace("const VERSION = 'one';", "const VERSION = 'two';"));
    const third = await startAndCall(profile, 'two');
    expect(third.join('\n')).toMatch(/chaincode versioned on mychannel: upgraded, sequence 2/);
    expect(await committedSequence()).toBe(2);
    // Nothing of the deployments is left: no process (the network's own nodes are someone else's and
    // keep running), no temp folder.
    for (const dir of deployments) {
      expect(processesOfNetwork(dir)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    }
    expect(network.pids.every((p) => alive(p.pid))).toBe(true);
  });

  test('`ledgerbench network up` with the profile reuses the committed chaincode and serves it until `network down`; a start meanwhile deploys nothing and uses it', async () => {
    const profile = writeProfile('profile');
    const state = join(work, 'state');
    const up = await ledgerbenchCli(['network', 'up', profile, '--state', state], { timeoutMs: 60_000 }).finished;
    const upLog = readFileSync(join(state, 'network.log'), 'utf8');
    expect(up.code, `${up.stderr}\n${upLog}`).toBe(0);
    expect(upLog).toMatch(/chaincode versioned on mychannel: committed sequence 2 is this folder's package, reused/);
    const { pid } = JSON.parse(readFileSync(join(state, 'network.json'), 'utf8')) as { pid: number };
    const log: string[] = [];
    const handle = await startNetwork(profile, { log: (l) => log.push(l) });
    try {
      expect(log.join('\n')).toContain(`set up by \`ledgerbench network up\` (pid ${pid}), whose chaincode processes serve it; nothing deployed`);
      // The owner's chaincode service, for this run's process monitor.
      expect(handle.pids.map((p) => p.name)).toEqual(['chaincode-versioned']);
      expect(await servedVersion(handle)).toBe('two');
    } finally {
      await handle.stop();
    }
    const down = await ledgerbenchCli(['network', 'down', '--state', state], { timeoutMs: 30_000 }).finished;
    expect(down.code, down.stderr).toBe(0);
    expect(await eventually(() => !alive(pid) && handle.pids.every((p) => !alive(p.pid)), 10_000)).toBe(true);
    expect(existsSync(profile)).toBe(true);
  });

  test('a Go chaincode listed with a path (as the seeds list theirs) is used as deployed when committed at its version; at another version the error names `version`', async () => {
    // The committed `versioned` runs as a Node service under `network up`; listed as Go here, it is
    // the network's own chaincode to this run, which must neither build nor serve it.
    const state = join(work, 'state-go');
    const up = await ledgerbenchCli(['network', 'up', writeProfile('profile'), '--state', state], { timeoutMs: 60_000 }).finished;
    expect(up.code, up.stderr).toBe(0);
    try {
      const go = writeProfile('go-deployed', (doc) => {
        doc.channels.mychannel.chaincodes = [{ id: 'versioned', version: 'v1', language: 'golang', path: 'contract/fabric/versioned/go' }];
      });
      const log: string[] = [];
      const handle = await startNetwork(go, { log: (l) => log.push(l) });
      try {
        expect(log.join('\n')).toMatch(/chaincode versioned on mychannel: golang, committed at version v1 \(sequence 2\), used as deployed/);
        expect(handle.pids).toEqual([]);
        expect(await servedVersion(handle)).toBe('two');
      } finally {
        await handle.stop();
      }
      const other = writeProfile('go-v9', (doc) => {
        doc.channels.mychannel.chaincodes = [{ id: 'versioned', version: 'v9', language: 'golang', path: 'contract/fabric/versioned/go' }];
      });
      const err = await startNetwork(other).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe('channels.mychannel.chaincodes[0].version');
      expect((err as ConfigError).problem).toMatch(/is deployed on channel mychannel at version v1, not v9/);
      expect((err as ConfigError).fix).toBe('write version: v1, or deploy version v9 yourself first');
    } finally {
      const down = await ledgerbenchCli(['network', 'down', '--state', state], { timeoutMs: 30_000 }).finished;
      expect(down.code, down.stderr).toBe(0);
    }
  });

  test('an unreachable peer fails the start naming its endpoint, with every endpoint tried', async () => {
    const profile = writeProfile('unreachable', (doc) => {
      doc.peers['peer0.org2.example.com'].url = 'grpcs://127.0.0.1:1';
      doc.ledgerbench.readyTimeout = '1s';
    });
    const err = (await startNetwork(profile).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/peer peer0\.org2\.example\.com 127\.0\.0\.1:1: not reachable \(ECONNREFUSED\)/);
    expect(err.message).toMatch(/peer peer0\.org1\.example\.com 127\.0\.0\.1:\d+: answered/);
    expect(err.message).toMatch(/orderer orderer0\.example\.com 127\.0\.0\.1:\d+: answered/);
  });

  test('bad input names the field: a missing admin identity, a Go chaincode, a channel that does not exist, init arguments', async () => {
    const noAdmin = writeProfile('no-admin', (doc) => {
      delete doc.organizations.Org2.adminPrivateKey;
      delete doc.organizations.Org2.signedCert;
    });
    const e1 = await startNetwork(noAdmin).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ConfigError);
    expect((e1 as ConfigError).field).toBe('organizations.Org2.adminPrivateKey');
    expect((e1 as ConfigError).message).toMatch(/Org2 has peers on channel mychannel, where chaincode versioned is to be deployed/);

    const go = writeProfile('go', (doc) => {
      doc.channels.mychannel.chaincodes = [{ id: 'simple', version: 'v0', language: 'golang', path: chaincodeDir }];
    });
    const e2 = await startNetwork(go).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ConfigError);
    expect((e2 as ConfigError).field).toBe('channels.mychannel.chaincodes[0].language');
    expect((e2 as ConfigError).problem).toMatch(/golang chaincode simple \(.*\) is not deployed on channel mychannel, and ledgerbench cannot deploy it/);
    expect((e2 as ConfigError).fix).toMatch(/deploy it yourself first .*Node chaincode folder/);

    const missingChannel = writeProfile('no-channel', (doc) => {
      doc.channels = { otherchannel: { ...doc.channels.mychannel, created: false, chaincodes: [] } };
    });
    const e3 = await startNetwork(missingChannel).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(ConfigError);
    expect((e3 as ConfigError).field).toBe('channels.otherchannel.created');
    expect((e3 as ConfigError).message).toMatch(/osnadmin channel join/);

    // Caliper's instantiate arguments are Fabric 1.4's (deploy14.ts passes them to instantiate).
    const init = writeProfile('init', (doc) => {
      (doc.channels.mychannel.chaincodes as Array<Record<string, unknown>>)[0].init = ['a', '1'];
    });
    const e4 = await startNetwork(init).catch((e: unknown) => e);
    expect(e4).toBeInstanceOf(ConfigError);
    expect((e4 as ConfigError).field).toBe('channels.mychannel.chaincodes[0].init');
    expect((e4 as ConfigError).problem).toMatch(/Fabric 1\.4's/);
  });

  test('created: false joins the listed peers to a channel the orderer has and they have not joined; the next start finds them joined', async () => {
    // A second channel on the orderer only, as its operator would add it (configtxgen, osnadmin).
    const state = network.stateDir;
    const block = join(work, 'second.block');
    const run = promisify(execFile);
    const tool = (name: string) => join(fabric.root, 'bin', name);
    await run(tool('configtxgen'), ['-profile', 'LedgerbenchChannel', '-outputBlock', block, '-channelID', 'second', '-configPath', join(state, 'channels')], { env: { ...process.env, FABRIC_CFG_PATH: join(state, 'channels') } });
    const admin = (load(readFileSync(join(state, 'nodes', 'orderer0', 'orderer.yaml'), 'utf8')) as { Admin: { ListenAddress: string } }).Admin.ListenAddress;
    const ordererOrg = join(state, 'crypto', 'ordererOrganizations', 'example.com');
    await run(tool('osnadmin'), ['channel', 'join', '--channelID', 'second', '--config-block', block, '-o', admin, '--ca-file', join(ordererOrg, 'tlsca', 'tlsca.example.com-cert.pem'), '--client-cert', join(ordererOrg, 'users', 'Admin@example.com', 'tls', 'client.crt'), '--client-key', join(ordererOrg, 'users', 'Admin@example.com', 'tls', 'client.key')]);

    const profile = writeProfile('second', (doc) => {
      doc.channels = { second: { ...doc.channels.mychannel, created: false, chaincodes: [] } };
    });
    for (const expected of [/channel second: joined peer0\.org1\.example\.com, peer0\.org2\.example\.com/, /channel second: every listed peer has joined it/]) {
      const log: string[] = [];
      const handle = await startNetwork(profile, { log: (l) => log.push(l) });
      await handle.stop();
      expect(log.join('\n')).toMatch(expected);
    }
  });
});
