// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import {
  createFabricGatewayConnector,
  loadFabricNetwork,
  selectWorkerTarget,
} from '../../src/connectors/fabric-gateway/index.ts';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A self-signed P-256 certificate and its PKCS#8 key, as PEM. */
async function makeIdentity(cn: string): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: `CN=${cn}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      keys,
      signingAlgorithm: alg,
    },
    webcrypto as Crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem };
}

let dir: string;
let user1: { certPem: string; keyPem: string };
let user2: { certPem: string; keyPem: string };
let tlsCa: { certPem: string; keyPem: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-fgw-profile-'));
  [user1, user2, tlsCa] = await Promise.all([
    makeIdentity('User1@org1.example.com'),
    makeIdentity('User1@org2.example.com'),
    makeIdentity('tlsca.org1.example.com'),
  ]);
  // An MSP folder laid out as cryptogen writes it: keystore/<hash>_sk, signcerts/<name>-cert.pem.
  const msp = join(dir, 'crypto', 'org1', 'msp');
  await mkdir(join(msp, 'keystore'), { recursive: true });
  await mkdir(join(msp, 'signcerts'), { recursive: true });
  await writeFile(join(msp, 'keystore', 'abc123_sk'), user1.keyPem);
  await writeFile(join(msp, 'signcerts', 'User1@org1.example.com-cert.pem'), user1.certPem);
  await mkdir(join(dir, 'crypto', 'org2'), { recursive: true });
  await writeFile(join(dir, 'crypto', 'org2', 'key.pem'), user2.keyPem);
  await writeFile(join(dir, 'crypto', 'org2', 'cert.pem'), user2.certPem);
  await writeFile(join(dir, 'crypto', 'tlsca.pem'), tlsCa.certPem);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function writeFileIn(content: string, ext = '.yaml'): Promise<string> {
  const p = join(dir, `net-${n++}${ext}`);
  await writeFile(p, content);
  return p;
}

function connectionFile(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'ledgerbench-connection',
    version: 1,
    channel: 'mychannel',
    channels: ['mychannel'],
    peers: [
      { name: 'peer0.org1.example.com', mspId: 'Org1MSP', endpoint: '127.0.0.1:40123', hostnameOverride: 'peer0.org1.example.com' },
      { name: 'peer1.org1.example.com', mspId: 'Org1MSP', endpoint: '127.0.0.1:40124' },
      { name: 'peer0.org2.example.com', mspId: 'Org2MSP', endpoint: '127.0.0.1:40125' },
    ],
    identities: [
      { name: 'User1@org1.example.com', mspId: 'Org1MSP', certPem: user1.certPem, keyPem: user1.keyPem },
      { name: 'User1@org2.example.com', mspId: 'Org2MSP', certPem: user2.certPem, keyPem: user2.keyPem },
    ],
    chaincodes: [{ name: 'simple', channel: 'mychannel' }],
    operationsUrl: 'http://127.0.0.1:40126',
    ...over,
  };
}

/** test-network's connection-org1.yaml shape plus a ledgerbench: section. */
function testNetworkProfile(extra = ''): string {
  const pem = tlsCa.certPem
    .trim()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');
  return `---
name: test-network-org1
version: 1.0.0
client:
  organization: Org1
  connection:
    timeout:
      peer:
        endorser: '300'
organizations:
  Org1:
    mspid: Org1MSP
    peers:
    - peer0.org1.example.com
    certificateAuthorities:
    - ca.org1.example.com
peers:
  peer0.org1.example.com:
    url: grpcs://localhost:7051
    tlsCACerts:
      pem: |
${pem}
    grpcOptions:
      ssl-target-name-override: peer0.org1.example.com
      hostnameOverride: peer0.org1.example.com
certificateAuthorities:
  ca.org1.example.com:
    url: https://localhost:7054
    caName: ca-org1
    httpOptions:
      verify: false
${extra}`;
}

const ledgerbenchSection = `ledgerbench:
  channel: mychannel
  identities:
    - mspId: Org1MSP
      certPath: crypto/org1/msp/signcerts
      keyPath: crypto/org1/msp/keystore
`;

/** Caliper fabric-ccp shape as in seed-configs/fabric-ccp-2org2peer3orderer.yaml. */
function caliperProfile(over: { key?: string; cert?: string; org?: string; channels?: boolean; url?: string } = {}): string {
  return `name: Fabric
version: "1.0"
mutual-tls: false
caliper:
  blockchain: fabric-ccp
clients:
  client0.org1.example.com:
    client:
      organization: ${over.org ?? 'Org1'}
      clientPrivateKey:
        path: ${over.key ?? 'crypto/org1/msp/keystore/abc123_sk'}
      clientSignedCert:
        path: ${over.cert ?? 'crypto/org1/msp/signcerts/User1@org1.example.com-cert.pem'}
  client0.org2.example.com:
    client:
      organization: Org2
      clientPrivateKey:
        path: crypto/org2/key.pem
      clientSignedCert:
        path: crypto/org2/cert.pem
${
  over.channels === false
    ? ''
    : `channels:
  mychannel:
    created: false
    chaincodes:
      - id: simple
        version: v0
      - id: waetcc
        version: v0
`
}organizations:
  Org1:
    mspid: Org1MSP
    peers:
      - peer0.org1.example.com
      - peer1.org1.example.com
  Org2:
    mspid: Org2MSP
    peers:
      - peer0.org2.example.com
peers:
  peer0.org1.example.com:
    url: ${over.url ?? 'grpc://192.168.56.2:7051'}
    grpcOptions:
      ssl-target-name-override: peer0.org1.example.com
      grpc.keepalive_time_ms: 600000
  peer1.org1.example.com:
    url: grpc://192.168.56.2:8051
  peer0.org2.example.com:
    url: grpc://localhost:9051
`;
}

async function expectConfigError(file: string, field: string): Promise<ConfigError> {
  const err = await loadFabricNetwork(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const ce = err as ConfigError;
  expect(ce.file).toBe(file);
  expect(ce.field).toBe(field);
  expect(ce.fix.length).toBeGreaterThan(5);
  // Key material never appears in an error.
  expect(ce.message).not.toContain('PRIVATE KEY');
  expect(ce.message).not.toContain(user1.keyPem.split('\n')[1]);
  return ce;
}

describe('ledgerbench connection file', () => {
  test('parses peers, identities, chaincodes and the operations URL', async () => {
    const net = await loadFabricNetwork(await writeFileIn(JSON.stringify(connectionFile()), '.json'));
    expect(net.format).toBe('ledgerbench-connection');
    expect(net.channel).toBe('mychannel');
    expect(net.peers.map((p) => [p.name, p.mspId, p.endpoint, p.tls])).toEqual([
      ['peer0.org1.example.com', 'Org1MSP', '127.0.0.1:40123', false],
      ['peer1.org1.example.com', 'Org1MSP', '127.0.0.1:40124', false],
      ['peer0.org2.example.com', 'Org2MSP', '127.0.0.1:40125', false],
    ]);
    expect(net.identities.map((i) => [i.name, i.mspId])).toEqual([
      ['User1@org1.example.com', 'Org1MSP'],
      ['User1@org2.example.com', 'Org2MSP'],
    ]);
    expect(net.identities[0].privateKey.type).toBe('private');
    expect(net.chaincodes).toEqual([{ name: 'simple', channel: 'mychannel' }]);
    expect(net.operationsUrl).toBe('http://127.0.0.1:40126');
  });

  test('a peer with tlsRootCertPem is a TLS peer', async () => {
    const cf = connectionFile();
    (cf.peers as Array<Record<string, unknown>>)[0].tlsRootCertPem = tlsCa.certPem;
    const net = await loadFabricNetwork(await writeFileIn(JSON.stringify(cf), '.json'));
    expect(net.peers[0].tls).toBe(true);
    expect(net.peers[0].tlsRootCertPem).toBe(tlsCa.certPem);
  });

  test('redacted() and printing never show key material or certificates', async () => {
    const net = await loadFabricNetwork(await writeFileIn(JSON.stringify(connectionFile()), '.json'));
    const red = JSON.stringify(net.redacted());
    expect(red).not.toContain('PRIVATE KEY');
    expect(red).not.toContain('CERTIFICATE');
    expect(net.redacted().identities[0]).toMatchObject({ mspId: 'Org1MSP', subject: 'CN=User1@org1.example.com' });
    const keyLine = user1.keyPem.split('\n')[1];
    expect(JSON.stringify(net)).not.toContain(keyLine);
    expect(inspect(net, { depth: 10 })).not.toContain(keyLine);
  });

  test('workers spread over identities and over their organization peers', async () => {
    const net = await loadFabricNetwork(await writeFileIn(JSON.stringify(connectionFile()), '.json'));
    const picks = [0, 1, 2, 3, 4, 5].map((w) => {
      const t = selectWorkerTarget(net, w);
      return `${t.identity.mspId}/${t.peer.name}`;
    });
    expect(picks).toEqual([
      'Org1MSP/peer0.org1.example.com',
      'Org2MSP/peer0.org2.example.com',
      'Org1MSP/peer1.org1.example.com',
      'Org2MSP/peer0.org2.example.com',
      'Org1MSP/peer0.org1.example.com',
      'Org2MSP/peer0.org2.example.com',
    ]);
  });

  test('bad fields are ConfigErrors naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ version: 2 }, 'version'],
      [{ channel: undefined }, 'channel'],
      [{ peers: [] }, 'peers'],
      [{ peers: [{ name: 'p', mspId: 'Org1MSP', endpoint: 'localhost' }] }, 'peers[0].endpoint'],
      [{ peers: [{ name: 'p', mspId: 'Org1MSP', endpoint: '127.0.0.1:1', tlsRootCertPem: 'nope' }] }, 'peers[0].tlsRootCertPem'],
      [{ identities: [] }, 'identities'],
      [{ identities: [{ mspId: 'Org1MSP', certPem: user1.certPem }] }, 'identities[0].keyPem'],
      [{ identities: [{ mspId: 'Org1MSP', certPem: user1.certPem, keyPem: 'garbage' }] }, 'identities[0].keyPem'],
      [{ identities: [{ mspId: 'Org1MSP', certPem: 'garbage', keyPem: user1.keyPem }] }, 'identities[0].certPem'],
      [{ identities: [{ mspId: 'Org1MSP', certPem: user1.certPem, keyPem: user2.keyPem }] }, 'identities[0]'],
    ];
    for (const [over, field] of cases) {
      await expectConfigError(await writeFileIn(JSON.stringify(connectionFile(over)), '.json'), field);
    }
  });
});

describe('Fabric connection profile (test-network shape)', () => {
  test('grpcs url with inline TLS CA, identity from MSP folders in a ledgerbench: section', async () => {
    const net = await loadFabricNetwork(await writeFileIn(testNetworkProfile(ledgerbenchSection)));
    expect(net.format).toBe('connection-profile');
    expect(net.channel).toBe('mychannel');
    expect(net.peers).toHaveLength(1);
    expect(net.peers[0]).toMatchObject({
      name: 'peer0.org1.example.com',
      mspId: 'Org1MSP',
      endpoint: 'localhost:7051',
      tls: true,
      hostnameOverride: 'peer0.org1.example.com',
    });
    expect(net.peers[0].tlsRootCertPem).toContain('BEGIN CERTIFICATE');
    expect(net.identities).toHaveLength(1);
    expect(net.identities[0].mspId).toBe('Org1MSP');
    expect(net.identities[0].certPem).toBe(user1.certPem);
  });

  test("an identity whose organization has no peer in the profile uses another organization's gateway peer", async () => {
    const section = `ledgerbench:
  channel: mychannel
  identities:
    - mspId: Org2MSP
      certPath: crypto/org2/cert.pem
      keyPath: crypto/org2/key.pem
`;
    const net = await loadFabricNetwork(await writeFileIn(testNetworkProfile(section)));
    expect(selectWorkerTarget(net, 3).peer.name).toBe('peer0.org1.example.com');
  });

  test('tlsCACerts.path resolves against the profile folder', async () => {
    const text = testNetworkProfile(ledgerbenchSection).replace(/tlsCACerts:\n\s+pem: \|\n(\s{10}.*\n)+/, 'tlsCACerts:\n      path: crypto/tlsca.pem\n');
    expect(text).toContain('path: crypto/tlsca.pem');
    const net = await loadFabricNetwork(await writeFileIn(text));
    expect(net.peers[0].tlsRootCertPem).toBe(tlsCa.certPem);
  });

  test('missing identity, missing channel, bad URL, unreadable key, missing TLS CA', async () => {
    await expectConfigError(await writeFileIn(testNetworkProfile('ledgerbench:\n  channel: mychannel\n')), 'ledgerbench.identities');
    await expectConfigError(
      await writeFileIn(testNetworkProfile(ledgerbenchSection.replace('  channel: mychannel\n', ''))),
      'ledgerbench.channel',
    );
    await expectConfigError(
      await writeFileIn(testNetworkProfile(ledgerbenchSection).replace('grpcs://localhost:7051', 'https://localhost:7051')),
      'peers.peer0.org1.example.com.url',
    );
    await expectConfigError(
      await writeFileIn(testNetworkProfile(ledgerbenchSection).replace('grpcs://localhost:7051', 'grpcs://localhost')),
      'peers.peer0.org1.example.com.url',
    );
    const ce = await expectConfigError(
      await writeFileIn(testNetworkProfile(ledgerbenchSection.replace('crypto/org1/msp/keystore', 'crypto/nope/key.pem'))),
      'ledgerbench.identities[0].keyPath',
    );
    expect(ce.message).toContain(join(dir, 'crypto/nope/key.pem'));
    await expectConfigError(
      await writeFileIn(testNetworkProfile(ledgerbenchSection.replace('crypto/org1/msp/keystore', 'crypto/tlsca.pem'))),
      'ledgerbench.identities[0].keyPath',
    );
    await expectConfigError(
      await writeFileIn(testNetworkProfile(ledgerbenchSection).replace(/ {4}tlsCACerts:\n\s+pem: \|\n(\s{10}.*\n)+/, '')),
      'peers.peer0.org1.example.com.tlsCACerts',
    );
  });
});

describe('Caliper fabric-ccp profile', () => {
  test('clients: give the identities, channels: the channel and chaincodes', async () => {
    const net = await loadFabricNetwork(await writeFileIn(caliperProfile()));
    expect(net.channel).toBe('mychannel');
    expect(net.identities.map((i) => [i.name, i.mspId])).toEqual([
      ['client0.org1.example.com', 'Org1MSP'],
      ['client0.org2.example.com', 'Org2MSP'],
    ]);
    expect(net.peers.map((p) => [p.name, p.mspId, p.endpoint, p.tls])).toEqual([
      ['peer0.org1.example.com', 'Org1MSP', '192.168.56.2:7051', false],
      ['peer1.org1.example.com', 'Org1MSP', '192.168.56.2:8051', false],
      ['peer0.org2.example.com', 'Org2MSP', 'localhost:9051', false],
    ]);
    expect(net.peers[0].grpcOptions).toEqual({ 'grpc.keepalive_time_ms': 600000 });
    expect(net.peers[0].hostnameOverride).toBe('peer0.org1.example.com');
    expect(net.chaincodes).toEqual([
      { name: 'simple', channel: 'mychannel' },
      { name: 'waetcc', channel: 'mychannel' },
    ]);
  });

  test('errors name the client field', async () => {
    await expectConfigError(await writeFileIn(caliperProfile({ key: 'crypto/missing_sk' })), 'clients.client0.org1.example.com.client.clientPrivateKey.path');
    await expectConfigError(await writeFileIn(caliperProfile({ cert: 'crypto/org2/key.pem' })), 'clients.client0.org1.example.com.client.clientSignedCert');
    await expectConfigError(await writeFileIn(caliperProfile({ org: 'Org9' })), 'clients.client0.org1.example.com.client.organization');
    await expectConfigError(await writeFileIn(caliperProfile({ channels: false })), 'ledgerbench.channel');
    await expectConfigError(await writeFileIn(caliperProfile({ url: 'grpc://:7051' })), 'peers.peer0.org1.example.com.url');
    await expectConfigError(await writeFileIn(caliperProfile().replace('mutual-tls: false', 'mutual-tls: true')), 'mutual-tls');
  });

  test('the seed config shape itself (paths that do not exist here) fails on the key path', async () => {
    const seed = await readFile(new URL('../../fixtures/seed-configs/fabric-ccp-2org2peer3orderer.yaml', import.meta.url).pathname, 'utf8');
    await expectConfigError(await writeFileIn(seed), 'clients.client0.org1.example.com.client.clientSignedCert.path');
  });
});

describe('Caliper 0.4+ network configuration (version 2.0.0)', () => {
  async function caliperV2(over: { profile?: string; key?: string; wallet?: boolean } = {}): Promise<string> {
    const profile = over.profile ?? (await writeFileIn(testNetworkProfile()));
    const identities = over.wallet
      ? `    identities:
      wallet:
        path: ./wallet`
      : `    identities:
      certificates:
        - name: User1
          clientPrivateKey:
            path: ${over.key ?? 'crypto/org1/msp/keystore/abc123_sk'}
          clientSignedCert:
            path: crypto/org1/msp/signcerts/User1@org1.example.com-cert.pem`;
    return writeFileIn(`name: Caliper test
version: "2.0.0"
caliper:
  blockchain: fabric
channels:
  - channelName: mychannel
    contracts:
      - id: basic
organizations:
  - mspid: Org1MSP
${identities}
    connectionProfile:
      path: ${profile}
      discover: true
`);
  }

  test('identities from certificates, peers from the organization connection profile', async () => {
    const net = await loadFabricNetwork(await caliperV2());
    expect(net.format).toBe('caliper-network-config');
    expect(net.channel).toBe('mychannel');
    expect(net.chaincodes).toEqual([{ name: 'basic', channel: 'mychannel' }]);
    expect(net.identities.map((i) => [i.name, i.mspId])).toEqual([['User1', 'Org1MSP']]);
    expect(net.peers.map((p) => [p.name, p.mspId, p.endpoint, p.tls])).toEqual([
      ['peer0.org1.example.com', 'Org1MSP', 'localhost:7051', true],
    ]);
  });

  test('errors name the field', async () => {
    await expectConfigError(await caliperV2({ key: 'crypto/none_sk' }), 'organizations[0].identities.certificates[0].clientPrivateKey.path');
    await expectConfigError(await caliperV2({ profile: join(dir, 'no-profile.yaml') }), 'organizations[0].connectionProfile.path');
    await expectConfigError(await caliperV2({ wallet: true }), 'organizations[0].identities.wallet');
  });

  test('channel and contract names that Fabric would refuse are errors when the file is read', async () => {
    const text = await readFile(await caliperV2(), 'utf8');
    await expectConfigError(await writeFileIn(text.replace('channelName: mychannel', 'channelName: MyChannel')), 'channels[0].channelName');
    await expectConfigError(await writeFileIn(text.replace('id: basic', 'id: "basic contract"')), 'channels[0].contracts[0].id');
    await expectConfigError(await writeFileIn(caliperProfile().replace('id: waetcc', 'id: wae/tcc')), 'channels.mychannel.chaincodes[1]');
    await expectConfigError(await writeFileIn(testNetworkProfile(ledgerbenchSection.replace('channel: mychannel', 'channel: my_channel'))), 'ledgerbench.channel');
  });
});

describe("relative paths: Caliper's workspace for Caliper shapes, the file's folder for ledgerbench sections", () => {
  // The workspace is `dir` (crypto/ holds user1, as in beforeAll); the files sit in dir/networks,
  // whose own crypto/ holds user2 under the same relative names.
  let networks: string;
  beforeAll(async () => {
    networks = join(dir, 'networks');
    const msp = join(networks, 'crypto', 'org1', 'msp');
    await mkdir(join(msp, 'keystore'), { recursive: true });
    await mkdir(join(msp, 'signcerts'), { recursive: true });
    await writeFile(join(msp, 'keystore', 'abc123_sk'), user2.keyPem);
    await writeFile(join(msp, 'signcerts', 'User1@org1.example.com-cert.pem'), user2.certPem);
  });
  const inNetworks = async (name: string, content: string) => {
    const p = join(networks, name);
    await writeFile(p, content);
    return p;
  };

  test('a fabric-ccp profile resolves against the workspace first, a ledgerbench: section against its folder first', async () => {
    const ccp = await loadFabricNetwork(await inNetworks('ccp.yaml', caliperProfile()), { workspace: dir });
    expect(ccp.identities[0].certPem).toBe(user1.certPem);
    // crypto/org2 exists only in the workspace: found there for the ledgerbench section as well.
    const own = await loadFabricNetwork(await inNetworks('own.yaml', testNetworkProfile(ledgerbenchSection)), { workspace: dir });
    expect(own.identities[0].certPem).toBe(user2.certPem);
    const cp = await loadFabricNetwork(
      await inNetworks('own-org2.yaml', testNetworkProfile(ledgerbenchSection.replace('crypto/org1/msp/signcerts', 'crypto/org2/cert.pem').replace('crypto/org1/msp/keystore', 'crypto/org2/key.pem'))),
      { workspace: dir },
    );
    expect(cp.identities[0].certPem).toBe(user2.certPem);
  });

  test("a fabric-ccp profile whose paths are relative to its own folder still loads (the folder is the fallback)", async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'lb-fgw-ws-'));
    try {
      const net = await loadFabricNetwork(await inNetworks('ccp-own.yaml', caliperProfile().replaceAll('crypto/org2/', '../crypto/org2/')), { workspace: elsewhere });
      expect(net.identities.map((i) => i.certPem)).toEqual([user2.certPem, user2.certPem]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  test('a Caliper 0.4+ network config finds its connection profile and identities in the workspace', async () => {
    const profile = await inNetworks('cp.yaml', testNetworkProfile());
    const v2 = `name: Caliper test
version: "2.0.0"
caliper:
  blockchain: fabric
channels:
  - channelName: mychannel
    contracts: [{ id: basic }]
organizations:
  - mspid: Org1MSP
    identities:
      certificates:
        - name: User1
          clientPrivateKey: { path: crypto/org1/msp/keystore/abc123_sk }
          clientSignedCert: { path: crypto/org1/msp/signcerts/User1@org1.example.com-cert.pem }
    connectionProfile:
      path: networks/${profile.split('/').at(-1)}
`;
    const net = await loadFabricNetwork(await inNetworks('v2.yaml', v2), { workspace: dir });
    expect(net.identities[0].certPem).toBe(user1.certPem);
    expect(net.peers.map((p) => p.name)).toEqual(['peer0.org1.example.com']);
  });

  test('the workspace defaults to $CALIPER_WORKSPACE (then the current folder)', async () => {
    const file = await inNetworks('ccp-env.yaml', caliperProfile().replaceAll('crypto/org2/', '../crypto/org2/'));
    const saved = process.env.CALIPER_WORKSPACE;
    try {
      process.env.CALIPER_WORKSPACE = dir;
      expect((await loadFabricNetwork(file)).identities[0].certPem).toBe(user1.certPem);
      delete process.env.CALIPER_WORKSPACE;
      // The tests run in the repository, which has no crypto/: the file's own folder is used.
      expect((await loadFabricNetwork(file)).identities[0].certPem).toBe(user2.certPem);
    } finally {
      if (saved === undefined) delete process.env.CALIPER_WORKSPACE;
      else process.env.CALIPER_WORKSPACE = saved;
    }
  });

  test('a path in neither folder: the error names both folders and the order', async () => {
    const file = await inNetworks('ccp-missing.yaml', caliperProfile({ key: 'crypto/missing_sk' }));
    const err = await loadFabricNetwork(file, { workspace: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.field).toBe('clients.client0.org1.example.com.client.clientPrivateKey.path');
    expect(ce.message).toContain(`the workspace (${join(dir, 'crypto/missing_sk')})`);
    expect(ce.message).toContain(`the network file's folder (${join(networks, 'crypto/missing_sk')})`);
    expect(ce.fix).toMatch(/looked for in the workspace \(the folder ledgerbench runs in, or \$CALIPER_WORKSPACE\), then in the network file's folder/);
  });
});

describe('whole-file problems', () => {
  test('missing file, bad syntax, an embedded network file, an unrelated file', async () => {
    await expectConfigError(join(dir, 'nope.yaml'), '(file)');
    // A YAML syntax error names its position.
    await expectConfigError(await writeFileIn('peers: [unclosed'), 'line 1, column 17');
    await expectConfigError(await writeFileIn('{"kind": '), '(file)');
    await expectConfigError(await writeFileIn('type: embedded\nname: x\n'), 'type');
    await expectConfigError(await writeFileIn('test:\n  rounds: []\n'), '(file)');
  });
});

describe('connector creation', () => {
  const ctx = (file: string | undefined, options?: Record<string, unknown>) => ({
    workerIndex: 0,
    workerCount: 1,
    // Also caps the connection warm-up at creation, which waits out a silent server.
    txTimeoutMs: 1000,
    network: { connector: 'fabric-gateway', file, options },
  });

  test('ConfigErrors surface when the connector is created', async () => {
    await expect(createFabricGatewayConnector(ctx(undefined))).rejects.toBeInstanceOf(ConfigError);
    await expect(createFabricGatewayConnector(ctx(join(dir, 'missing.json')))).rejects.toBeInstanceOf(ConfigError);
    const file = await writeFileIn(JSON.stringify(connectionFile()), '.json');
    const err = await createFabricGatewayConnector(ctx(file, { signer: 'fast' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('options.signer');
  });

  test('an unreachable endpoint fails cleanly with a connection failure, within the deadline', async () => {
    // A port that was just free: nothing listens there.
    const { createServer } = await import('node:net');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const cf = connectionFile({ peers: [{ name: 'p0', mspId: 'Org1MSP', endpoint: `127.0.0.1:${port}` }] });
    const file = await writeFileIn(JSON.stringify(cf), '.json');
    for (const signer of ['node-crypto', 'sdk-default']) {
      const connector = await createFabricGatewayConnector(ctx(file, { signer }));
      try {
        expect(connector.type).toBe('fabric-gateway');
        expect(connector.bcType).toBe('fabric-ccp');
        const t0 = Date.now();
        const out = await connector.submit({ contract: 'simple', fn: 'open', args: ['a', '1'], timeoutMs: 3000 });
        expect(Date.now() - t0).toBeLessThan(10_000);
        expect(out.ok).toBe(false);
        expect(['connection', 'timeout']).toContain(out.stage);
        expect(out.reason).toMatch(/^endorse: UNAVAILABLE$|^timeout: endorse$/);
        expect(out.txId).toMatch(/^[0-9a-f]{64}$/);
        expect(out.reason).not.toContain(out.txId);
        const ev = await connector.evaluate({ contract: 'simple', fn: 'query', args: ['a'], timeoutMs: 3000 });
        expect(ev.ok).toBe(false);
        expect(ev.reason).toMatch(/^evaluate: UNAVAILABLE$|^timeout: evaluate$/);
      } finally {
        await connector.close();
      }
    }
  });

  test('a silent server (accepts TCP, never answers) times out at the deadline instead of hanging', async () => {
    const { createServer } = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const srv = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const cf = connectionFile({ peers: [{ name: 'p0', mspId: 'Org1MSP', endpoint: `127.0.0.1:${port}` }] });
    const connector = await createFabricGatewayConnector(ctx(await writeFileIn(JSON.stringify(cf), '.json')));
    try {
      const t0 = Date.now();
      const out = await connector.submit({ contract: 'simple', fn: 'open', args: ['a', '1'], timeoutMs: 800 });
      const took = Date.now() - t0;
      expect(out).toMatchObject({ ok: false, stage: 'timeout', reason: 'timeout: endorse' });
      expect(took).toBeGreaterThanOrEqual(700);
      expect(took).toBeLessThan(10_000);
    } finally {
      await connector.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
