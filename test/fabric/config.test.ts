/**
 * The `type: fabric` network file and finding Fabric's binaries: defaults, and errors that name the
 * file, the field and the fix (a typo, a bad value, binaries missing or of a version it cannot run).
 * Nothing here starts a network.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadNetworkFile } from '../../src/config/network-file.ts';
import { findFabricBinaries } from '../../src/network/fabric/binaries.ts';
import { startFabricNetwork } from '../../src/network/fabric/network.ts';

const REPO = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lb-fabric-config-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function writeNetwork(body: string): string {
  const file = join(temp(), 'network.yaml');
  writeFileSync(file, body);
  return file;
}

const network = (extra = '', org2 = '{ mspId: Org2MSP }', chaincode = `{ name: simple, path: ${join(REPO, 'fixtures/chaincode/simple')} }`) => `
type: fabric
organizations:
  - { mspId: Org1MSP }
  - ${org2}
channels:
  - name: mychannel
    chaincodes:
      - ${chaincode}
${extra}`;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('type: fabric network file', () => {
  test('the shipped fabric-2org.yaml loads with every default filled in', () => {
    const cfg = loadNetworkFile(join(REPO, 'networks/fabric-2org.yaml'));
    if (cfg.type !== 'fabric') throw new Error(`expected type fabric, got ${cfg.type}`);
    expect(cfg.organizations).toEqual([
      { mspId: 'Org1MSP', domain: 'org1.example.com', peers: 1, users: 2 },
      { mspId: 'Org2MSP', domain: 'org2.example.com', peers: 1, users: 2 },
    ]);
    expect(cfg.orderer).toMatchObject({ type: 'etcdraft', nodes: 1, batchTimeoutMs: 500, batchSize: { maxMessageCount: 50 } });
    expect(cfg.channels[0].chaincodes[0]).toMatchObject({ name: 'simple', path: join(REPO, 'fixtures/chaincode/simple'), version: '1.0', sequence: 1 });
    expect(cfg.binaries).toBeUndefined();
  });

  test('defaults: MAJORITY endorsement, Fabric test-network batching, binaries resolved against the file', () => {
    const file = writeNetwork(network('binaries: ../fabric-2.5'));
    const cfg = loadNetworkFile(file);
    if (cfg.type !== 'fabric') throw new Error('expected fabric');
    expect(cfg.channels[0].chaincodes[0].endorsementPolicy).toBe("OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer')");
    expect(cfg.orderer).toMatchObject({ batchTimeoutMs: 2000, batchSize: { maxMessageCount: 10 } });
    expect(cfg.binaries).toBe(resolve(file, '../../fabric-2.5'));
  });

  test('a misspelt field names the file, the field and the field it meant', () => {
    const file = writeNetwork(network().replace('organizations:', 'organisations:'));
    const err = configError(() => loadNetworkFile(file));
    expect(err.file).toBe(file);
    expect(err.field).toBe('organisations');
    expect(err.fix).toContain('did you mean `organizations`?');
    const nested = configError(() => loadNetworkFile(writeNetwork(network('orderer: { batchTimout: 1s }'))));
    expect(nested.field).toBe('orderer.batchTimout');
    expect(nested.fix).toContain('`batchTimeout`');
  });

  test('bad values are errors with a fix', () => {
    const cases: Array<[string, string, RegExp]> = [
      [network('orderer: { batchTimeout: 500 }'), 'orderer.batchTimeout', /duration with a unit/],
      [network('orderer: { type: kafka }'), 'orderer.type', /type: etcdraft.*type: BFT/],
      [network('orderer: { type: BFT, nodes: 3 }'), 'orderer.nodes', /3f\+1/],
      [network('orderer: { type: BFT }\nversion: "1.4"'), 'orderer.type', /Fabric 3\.x/],
      [network('orderer: { nodes: 6 }'), 'orderer.nodes', /between 1 and 5/],
      [network('', '{ mspId: Org1MSP }'), 'organizations[1].mspId', /own mspId/],
      [network('', '{ mspId: Org2MSP, domain: org1.example.com }'), 'organizations[1].domain', /own domain/],
      [network('', undefined, '{ name: simple, path: /nonexistent/chaincode }'), 'channels[0].chaincodes[0].path', /Node chaincode folder/],
      [network('', undefined, `{ name: "my cc", path: ${join(REPO, 'fixtures/chaincode/simple')} }`), 'channels[0].chaincodes[0].name', /name: simple/],
      [network('', undefined, `{ name: simple, path: ${join(REPO, 'fixtures/chaincode/simple')}, endorsementPolicy: "OR('Org3MSP.peer')" }`), 'channels[0].chaincodes[0].endorsementPolicy', /Org1MSP, Org2MSP/],
      [network('', undefined, `{ name: simple, path: ${join(REPO, 'fixtures/chaincode/simple')}, sequence: 0 }`), 'channels[0].chaincodes[0].sequence', /between 1/],
      [network('', undefined, `{ name: simple, path: ${join(REPO, 'fixtures/chaincode/simple')}, init: { args: [a] } }`), 'channels[0].chaincodes[0].init.function', /InitLedger/],
      [network('', undefined, `{ name: simple, path: ${join(REPO, 'fixtures/chaincode/simple')}, init: { function: f, args: [1] } }`), 'channels[0].chaincodes[0].init.args', /quote every argument/],
      [network('', undefined, `{ name: simple, path: ${join(REPO, 'fixtures/chaincode/simple')}, collections: /nonexistent.json }`), 'channels[0].chaincodes[0].collections', /collection definitions/],
      [network('', undefined, `{ name: simple, path: ${join(REPO, 'fixtures/chaincode/simple')}, collections: ${join(REPO, 'package.json')} }`), 'channels[0].chaincodes[0].collections', /not a list of collections/],
    ];
    for (const [body, field, fix] of cases) {
      const err = configError(() => loadNetworkFile(writeNetwork(body)));
      expect(err.field, body).toBe(field);
      expect(`${err.message}`, body).toMatch(fix);
    }
  });

  test('orderer type BFT: SmartBFT with 4 nodes by default; etcdraft stays the default type', () => {
    const bft = loadNetworkFile(writeNetwork(network('orderer: { type: BFT, batchTimeout: 250ms }')));
    if (bft.type !== 'fabric') throw new Error('expected fabric');
    expect(bft.orderer).toMatchObject({ type: 'BFT', nodes: 4, batchTimeoutMs: 250 });
    const spelt = loadNetworkFile(writeNetwork(network('orderer: { type: SmartBFT, nodes: 7 }')));
    if (spelt.type !== 'fabric') throw new Error('expected fabric');
    expect(spelt.orderer).toMatchObject({ type: 'BFT', nodes: 7 });
    const raft = loadNetworkFile(writeNetwork(network('orderer: { nodes: 3 }')));
    if (raft.type !== 'fabric') throw new Error('expected fabric');
    expect(raft.orderer).toMatchObject({ type: 'etcdraft', nodes: 3 });
  });

  test('a chaincode folder without package.json is refused before anything starts', () => {
    const dir = temp();
    const err = configError(() => loadNetworkFile(writeNetwork(network('', undefined, `{ name: simple, path: ${dir} }`))));
    expect(err.message).toContain('has no package.json');
  });
});

describe('finding the Fabric binaries', () => {
  /** A fake release folder: shell scripts that answer `peer version` like Fabric does. */
  function fakeRelease(version: string, omit: string[] = []): string {
    const root = temp();
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'config'));
    for (const tool of ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin']) {
      if (omit.includes(tool)) continue;
      const path = join(root, 'bin', tool);
      writeFileSync(path, `#!/bin/sh\necho "${tool}:"\necho " Version: ${version}"\n`);
      chmodSync(path, 0o755);
    }
    for (const f of ['core.yaml', 'orderer.yaml']) if (!omit.includes(f)) writeFileSync(join(root, 'config', f), 'x: 1\n');
    return root;
  }

  test('the binaries field wins, then FABRIC_BIN, then PATH; a release root or its bin/ both work', async () => {
    const a = fakeRelease('2.5.12');
    const b = fakeRelease('3.0.0');
    expect((await findFabricBinaries('n.yaml', a, { FABRIC_BIN: b })).version).toBe('2.5.12');
    expect(await findFabricBinaries('n.yaml', undefined, { FABRIC_BIN: b })).toMatchObject({ version: '3.0.0', major: 3, source: 'FABRIC_BIN', configDir: join(b, 'config') });
    expect(await findFabricBinaries('n.yaml', undefined, { PATH: `/nonexistent:${join(a, 'bin')}` })).toMatchObject({ version: '2.5.12', source: 'PATH' });
    expect((await findFabricBinaries('n.yaml', join(b, 'bin'), {})).tools.peer).toBe(join(b, 'bin', 'peer'));
  });

  test('missing binaries: the error says where it looked, what is missing there, and how to get them', async () => {
    const partial = fakeRelease('2.5.12', ['osnadmin', 'orderer.yaml']);
    const err = await findFabricBinaries('/x/network.yaml', partial, {}).then(() => undefined, (e: unknown) => e as ConfigError);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.file).toBe('/x/network.yaml');
    expect(err!.field).toBe('binaries');
    expect(err!.message).toContain(`binaries field ${partial}: missing ${join(partial, 'bin', 'osnadmin')}, ${join(partial, 'config', 'orderer.yaml')}`);
    expect(err!.fix).toMatch(/install-fabric\.sh binary/);
    const none = await findFabricBinaries('/x/network.yaml', undefined, { PATH: '/nonexistent' }).then(() => undefined, (e: unknown) => e as ConfigError);
    expect(none!.message).toMatch(/PATH \(\/nonexistent\): no peer binary/);
    expect(none!.fix).toMatch(/FABRIC_BIN/);
  });

  test('a stateDir holding files ledgerbench did not write is refused, never cleared', async () => {
    const release = fakeRelease('2.5.12');
    const dir = temp();
    writeFileSync(join(dir, 'notes.txt'), 'someone else\'s file');
    const file = writeNetwork(network(`binaries: ${release}\nstateDir: ${dir}`));
    const cfg = loadNetworkFile(file);
    if (cfg.type !== 'fabric') throw new Error('expected fabric');
    const err = await startFabricNetwork(cfg).then(() => undefined, (e: unknown) => e as ConfigError);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.field).toBe('stateDir');
    expect(err!.fix).toMatch(/new or empty folder/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe("someone else's file");
  });

  test('BFT on Fabric 2.x binaries: the error names the field, the version found, where, and the fix; nothing starts', async () => {
    const release = fakeRelease('2.5.12');
    const file = writeNetwork(network(`binaries: ${release}\norderer: { type: BFT }`));
    const cfg = loadNetworkFile(file);
    if (cfg.type !== 'fabric') throw new Error('expected fabric');
    const err = await startFabricNetwork(cfg).then(() => undefined, (e: unknown) => e as ConfigError);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.file).toBe(file);
    expect(err!.field).toBe('orderer.type');
    expect(err!.message).toContain(`BFT (SmartBFT) needs Fabric 3.x, but the binaries found through binaries field (${join(release, 'bin', 'peer')}) are Fabric 2.5.12`);
    expect(err!.fix).toMatch(/Fabric 3\.x release.*type: etcdraft/);
  });

  test('Fabric 1.4 binaries are refused with the version they are', async () => {
    const old = fakeRelease('1.4.12');
    const err = await findFabricBinaries('/x/network.yaml', old, {}).then(() => undefined, (e: unknown) => e as ConfigError);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain('is Fabric 1.4.12; native networks need Fabric 2.x or 3.x');
  });
});
