/**
 * The fabric-legacy connector's reading of network files: the seed's fabric-ccp file unchanged (in a
 * Caliper workspace that has its key and certificate paths), the connection profile fabric-network is
 * given, discovery settings and the errors for files it cannot serve.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { checkLegacyOptions, loadLegacyNetwork, toCommonConnectionProfile } from '../../src/connectors/fabric-legacy/index.ts';
import { createCa } from '../../src/network/embedded/identities.ts';

const SEED = new URL('../../fixtures/seed-configs/fabric-ccp-2org2peer3orderer.yaml', import.meta.url).pathname;
let ws: string;

/** Writes `pem` at `rel` in the workspace (mode 0600 for keys). */
function put(rel: string, pem: string): void {
  mkdirSync(dirname(join(ws, rel)), { recursive: true });
  writeFileSync(join(ws, rel), pem, { mode: 0o600 });
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'lb-legacy-ws-'));
  // The seed's own relative paths, under the workspace, as Caliper's checkout would have them.
  const text = readFileSync(SEED, 'utf8');
  for (const org of ['org1', 'org2']) {
    const user = await createCa(`User1@${org}.example.com`, `${org}.example.com`);
    const key = new RegExp(`path: (\\S*${org}.example.com/users/User1@${org}.example.com/msp/keystore/\\S+)`).exec(text)![1];
    const cert = new RegExp(`path: (\\S*${org}.example.com/users/User1@${org}.example.com/msp/signcerts/\\S+)`).exec(text)![1];
    put(key, user.keyPem);
    put(cert, user.certPem);
  }
  mkdirSync(join(ws, 'networks'));
  writeFileSync(join(ws, 'networks', 'fabric-ccp.yaml'), text);
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

function writeVariant(name: string, edit: (text: string) => string): string {
  const file = join(ws, 'networks', name);
  writeFileSync(file, edit(readFileSync(SEED, 'utf8')));
  return file;
}

describe('the seed fabric-ccp file, unchanged', () => {
  test('loads: both clients, 4 peers with grpcOptions, 3 orderers, the channel with its peers, orderers and chaincodes; discovery off', async () => {
    const net = await loadLegacyNetwork(join(ws, 'networks', 'fabric-ccp.yaml'), { workspace: ws });
    expect(net.base.identities.map((i) => [i.name, i.mspId])).toEqual([
      ['client0.org1.example.com', 'Org1MSP'],
      ['client0.org2.example.com', 'Org2MSP'],
    ]);
    expect(net.base.peers.map((p) => [p.name, p.mspId, p.endpoint, p.tls])).toEqual([
      ['peer0.org1.example.com', 'Org1MSP', '192.168.56.2:7051', false],
      ['peer1.org1.example.com', 'Org1MSP', '192.168.56.2:8051', false],
      ['peer0.org2.example.com', 'Org2MSP', 'localhost:9051', false],
      ['peer1.org2.example.com', 'Org2MSP', 'localhost:10051', false],
    ]);
    expect(net.orderers.map((o) => o.url)).toEqual(['grpc://192.168.56.2:7050', 'grpc://192.168.56.2:8050', 'grpc://192.168.56.3:9050']);
    expect(net.channelMembers).toEqual({
      mychannel: {
        peers: ['peer0.org1.example.com', 'peer1.org1.example.com', 'peer0.org2.example.com', 'peer1.org2.example.com'],
        orderers: ['orderer1.example.com', 'orderer2.example.com', 'orderer3.example.com'],
      },
    });
    expect(net.base.chaincodes.map((c) => c.name)).toEqual(['waetcc', 'setlcc', 'simple']);
    // Caliper's fabric-ccp adapter sent to the listed peers and orderers: no discovery unless asked.
    expect(net.discovery).toEqual({ enabled: false, asLocalhost: true });
  });

  test('the connection profile fabric-network gets: organizations by MSP id, the client organization, overrides and grpc options, no key material', async () => {
    const net = await loadLegacyNetwork(join(ws, 'networks', 'fabric-ccp.yaml'), { workspace: ws });
    const ccp = toCommonConnectionProfile(net, 'Org2MSP');
    expect(ccp.client).toEqual({ organization: 'Org2MSP' });
    expect(ccp.organizations.Org1MSP).toEqual({ mspid: 'Org1MSP', peers: ['peer0.org1.example.com', 'peer1.org1.example.com'] });
    expect(ccp.peers['peer0.org2.example.com']).toEqual({
      url: 'grpc://localhost:9051',
      grpcOptions: { 'grpc.keepalive_time_ms': 600000, 'ssl-target-name-override': 'peer0.org2.example.com' },
    });
    expect(ccp.orderers['orderer3.example.com']).toEqual({ url: 'grpc://192.168.56.3:9050', grpcOptions: { 'ssl-target-name-override': 'orderer3.example.com' } });
    expect(ccp.channels.mychannel.orderers).toHaveLength(3);
    expect(JSON.stringify(ccp)).not.toContain('PRIVATE KEY');
  });

  test('discovery and asLocalhost: connector options over the ledgerbench: section over the default', async () => {
    const file = writeVariant('with-section.yaml', (t) => `${t}\nledgerbench:\n  discovery: true\n  asLocalhost: false\n`);
    expect((await loadLegacyNetwork(file, { workspace: ws })).discovery).toEqual({ enabled: true, asLocalhost: false });
    expect((await loadLegacyNetwork(file, { workspace: ws, options: { discovery: false } })).discovery).toEqual({ enabled: false, asLocalhost: false });
    const bad = await configError(loadLegacyNetwork(file, { workspace: ws, options: { discovery: 'yes' } }));
    expect(bad.message).toMatch(/options\.discovery.*true or false/s);
  });
});

describe('files the fabric-legacy connector cannot serve', () => {
  test('no orderers with discovery off names the orderers field and both fixes', async () => {
    const file = writeVariant('no-orderers.yaml', (t) => t.replace(/^orderers:[\s\S]*?(?=^peers:)/m, '').replace(/ {4}orderers:\n( {6}- .*\n)+/, ''));
    const err = await configError(loadLegacyNetwork(file, { workspace: ws, options: { discovery: false } }));
    expect(err.field).toBe('orderers');
    expect(err.message).toMatch(/turn discovery on/);
    // Without the option, a file with no orderers turns discovery on by itself.
    expect((await loadLegacyNetwork(file, { workspace: ws })).discovery.enabled).toBe(true);
  });

  test('a channel naming an orderer that is not defined', async () => {
    const file = writeVariant('bad-orderer.yaml', (t) => t.replace('      - orderer3.example.com', '      - orderer9.example.com'));
    const err = await configError(loadLegacyNetwork(file, { workspace: ws }));
    expect(err.field).toBe('channels.mychannel.orderers');
    expect(err.message).toContain('orderer9.example.com is not defined');
  });

  test('a grpcs orderer without its TLS CA, and one whose CA path is in neither folder', async () => {
    const noCa = writeVariant('no-ca.yaml', (t) => t.replace('url: grpc://192.168.56.2:7050', 'url: grpcs://192.168.56.2:7050'));
    expect((await configError(loadLegacyNetwork(noCa, { workspace: ws }))).field).toBe('orderers.orderer1.example.com.tlsCACerts');
    const missing = writeVariant('missing-ca.yaml', (t) => t.replace('url: grpc://192.168.56.2:7050', 'url: grpcs://192.168.56.2:7050\n    tlsCACerts: { path: tls/ca.pem }'));
    const err = await configError(loadLegacyNetwork(missing, { workspace: ws }));
    expect(err.field).toBe('orderers.orderer1.example.com.tlsCACerts.path');
    expect(err.message).toContain(join(ws, 'tls/ca.pem'));
  });

  test('an unknown connector option names itself and the ones there are', () => {
    expect(() => checkLegacyOptions('net.yaml', { signer: 'node-crypto' })).toThrow(/options\.signer.*discovery or asLocalhost/s);
  });
});
