/**
 * Picking the Fabric connector for a network file: `ledgerbench.connector`, `ledgerbench.fabricVersion`,
 * else the file's shape; a choice the network cannot serve fails with the reason, when the network is
 * opened (a profile) or when the connector starts (a Gateway-only server).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { chooseFabricConnector } from '../../src/connectors/fabric-legacy/choose-connector.ts';
import { createFabricLegacyConnector } from '../../src/connectors/fabric-legacy/index.ts';
import { createCa } from '../../src/network/embedded/identities.ts';
import { startNetwork } from '../../src/network/index.ts';

const SEED = new URL('../../fixtures/seed-configs/fabric-ccp-2org2peer3orderer.yaml', import.meta.url).pathname;
let ws: string;

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'lb-legacy-choice-'));
  const text = readFileSync(SEED, 'utf8');
  for (const org of ['org1', 'org2']) {
    const user = await createCa(`User1@${org}.example.com`, `${org}.example.com`);
    for (const [kind, pem] of [['keystore', user.keyPem], ['signcerts', user.certPem]]) {
      const rel = new RegExp(`path: (\\S*${org}.example.com/users/User1@${org}.example.com/msp/${kind}/\\S+)`).exec(text)![1];
      mkdirSync(dirname(join(ws, rel)), { recursive: true });
      writeFileSync(join(ws, rel), pem, { mode: 0o600 });
    }
  }
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

/**
 * The seed file with `edit` applied, in the workspace, its start and end commands made instant, and its
 * channel and chaincodes taken as already there (`created: true`, no chaincode `path`): a file that asks
 * for them to be set up is deployed to when opened (src/network/existing, tested in test/network).
 */
function seedVariant(name: string, edit: (text: string) => string = (t) => t): string {
  const file = join(ws, name);
  const deployed = readFileSync(SEED, 'utf8').replace('created: false', 'created: true').replace(/^ {8}path: contract\/.*\n/gm, '');
  writeFileSync(file, edit(deployed.replace('start: sleep 2s', 'start: "true"').replace('end: sleep 2s', 'end: "true"')));
  return file;
}

async function opened(file: string): Promise<string> {
  const saved = process.env.CALIPER_WORKSPACE;
  process.env.CALIPER_WORKSPACE = ws;
  try {
    const handle = await startNetwork(file);
    await handle.stop();
    return handle.ref.connector;
  } finally {
    if (saved === undefined) delete process.env.CALIPER_WORKSPACE;
    else process.env.CALIPER_WORKSPACE = saved;
  }
}

describe('the default follows the file', () => {
  test.each([
    ['a Caliper fabric-ccp file (clients:)', { clients: {}, peers: {} }, 'fabric-legacy'],
    ['caliper.blockchain: fabric-ccp without clients', { caliper: { blockchain: 'fabric-ccp' }, peers: {} }, 'fabric-legacy'],
    ['a test-network connection profile', { name: 'test-network-org1', version: '1.0.0', peers: {}, organizations: {} }, 'fabric-gateway'],
    ['a Caliper 0.4 network configuration', { name: 'x', version: '2.0.0', caliper: { blockchain: 'fabric' }, organizations: [] }, 'fabric-gateway'],
    ['a ledgerbench connection file', { kind: 'ledgerbench-connection', version: 1 }, 'fabric-gateway'],
    ['fabricVersion 1.4', { ledgerbench: { fabricVersion: '1.4' }, peers: {} }, 'fabric-legacy'],
    ['fabricVersion 2.2.1', { ledgerbench: { fabricVersion: '2.2.1' }, peers: {} }, 'fabric-legacy'],
    ['fabricVersion 2.5 on a fabric-ccp file', { ledgerbench: { fabricVersion: 2.5 }, clients: {}, peers: {} }, 'fabric-gateway'],
    ['connector: fabric-gateway on a fabric-ccp file', { ledgerbench: { connector: 'fabric-gateway' }, clients: {} }, 'fabric-gateway'],
    ['connector: fabric-legacy on a test-network profile', { ledgerbench: { connector: 'fabric-legacy' }, peers: {} }, 'fabric-legacy'],
  ])('%s', (_name, doc, expected) => {
    expect(chooseFabricConnector('net.yaml', doc)).toBe(expected);
  });
});

describe('a choice the network cannot serve says why', () => {
  test('fabric-gateway for Fabric 1.4 peers', () => {
    const err = (() => {
      try {
        chooseFabricConnector('net.yaml', { ledgerbench: { connector: 'fabric-gateway', fabricVersion: '1.4' } });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.field).toBe('ledgerbench.connector');
    expect(err!.message).toMatch(/Fabric 1\.4 peers have no Gateway service \(it came with Fabric 2\.4\).*connector: fabric-legacy/s);
  });

  test('an unknown connector and a version that is not one', () => {
    expect(() => chooseFabricConnector('net.yaml', { ledgerbench: { connector: 'fabric' } })).toThrow(/ledgerbench\.connector.*unknown Fabric connector "fabric".*fabric-legacy.*fabric-gateway/s);
    expect(() => chooseFabricConnector('net.yaml', { ledgerbench: { fabricVersion: 'latest' } })).toThrow(/ledgerbench\.fabricVersion.*"latest" is not a Fabric version/s);
  });

  test("ledgerbench's embedded network (Gateway API only) through fabric-legacy", async () => {
    const handle = await startNetwork(join(import.meta.dirname, '../../networks/embedded.yaml'));
    try {
      const err = await createFabricLegacyConnector({ workerIndex: 0, workerCount: 1, network: { connector: 'fabric-legacy', file: handle.ref.file! }, txTimeoutMs: 5000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/UNIMPLEMENTED.*Gateway API.*use the fabric-gateway connector/s);
    } finally {
      await handle.stop();
    }
  });
});

describe('where network files are opened', () => {
  test('the seed fabric-ccp file opens with fabric-legacy; ledgerbench.connector: fabric-gateway switches it', async () => {
    expect(await opened(seedVariant('seed.yaml'))).toBe('fabric-legacy');
    expect(await opened(seedVariant('seed-gateway.yaml', (t) => `${t}\nledgerbench:\n  connector: fabric-gateway\n`))).toBe('fabric-gateway');
  });

  test("fabric-legacy's own needs are checked when the file is opened: a fabric-ccp file without orderers and discovery off", async () => {
    const file = seedVariant('no-orderers.yaml', (t) => `${t.replace(/^orderers:[\s\S]*?(?=^peers:)/m, '').replace(/ {4}orderers:\n( {6}- .*\n)+/, '')}\nledgerbench:\n  discovery: false\n`);
    const err = await opened(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('orderers');
  });
});
