/**
 * What the seed's fabric-ccp file asks ledgerbench to do on a Fabric 1.4 network, read without any
 * network (no traffic goes to the seed's addresses): unchanged it is refused for its Go chaincode;
 * with a Node chaincode and Org2's admin it plans the channel creation from its `configBinary`, the
 * joins and the dev-mode chaincode listeners (port + 1 unless given). Also the 1.4 CLI's list output
 * and the binaries error.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { createCa } from '../../src/network/embedded/identities.ts';
import { findPeerCli } from '../../src/network/existing/binaries.ts';
import { parseChaincodeList } from '../../src/network/existing/deploy14.ts';
import { readDeployPlan } from '../../src/network/existing/plan.ts';

const SEED = resolve(import.meta.dirname, '../../fixtures/seed-configs/fabric-ccp-2org2peer3orderer.yaml');
const CHAINCODE = resolve(import.meta.dirname, '../../fixtures/chaincode/simple');
const SEED_TEXT = readFileSync(SEED, 'utf8');
let ws: string;

/** Writes `pem` at `rel` in the workspace. */
function put(rel: string, pem: string): void {
  mkdirSync(dirname(join(ws, rel)), { recursive: true });
  writeFileSync(join(ws, rel), pem, { mode: 0o600 });
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'lb-plan-14-'));
  // The seed's own relative paths under the workspace, as Caliper's checkout had them; an MSP folder
  // (cacerts/) around each admin, as cryptogen writes it.
  for (const [org, who] of [
    ['org1', 'User1'],
    ['org2', 'User1'],
    ['org1', 'Admin'],
  ]) {
    const id = await createCa(`${who}@${org}.example.com`, `${org}.example.com`);
    const key = new RegExp(`path: (\\S*${org}.example.com/users/${who}@${org}.example.com/msp/keystore/\\S+)`).exec(SEED_TEXT)![1];
    const cert = new RegExp(`path: (\\S*${org}.example.com/users/${who}@${org}.example.com/msp/signcerts/\\S+)`).exec(SEED_TEXT)![1];
    put(key, id.keyPem);
    put(cert, id.certPem);
    put(join(dirname(dirname(cert)), 'cacerts', 'ca.pem'), id.certPem);
  }
  const org2Admin = await createCa('Admin@org2.example.com', 'org2.example.com');
  const msp = 'crypto/org2/users/Admin@org2.example.com/msp';
  put(`${msp}/keystore/priv_sk`, org2Admin.keyPem);
  put(`${msp}/signcerts/cert.pem`, org2Admin.certPem);
  put(`${msp}/cacerts/ca.pem`, org2Admin.certPem);
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

/** The seed's text with `edit` applied, as a file in the workspace, and its parsed document. */
function variant(name: string, edit: (text: string) => string): { file: string; doc: Record<string, unknown> } {
  const file = join(ws, name);
  const text = edit(SEED_TEXT);
  writeFileSync(file, text);
  return { file, doc: load(text) as Record<string, unknown> };
}

/** The seed made deployable: Node chaincode folders, Org2's admin. */
const deployable = (text: string) =>
  text
    .replace(/language: golang\n(\s+)path: \S+/g, `language: node\n$1path: ${CHAINCODE}`)
    .replace(/( {2}Org2:\n {4}mspid: Org2MSP\n)/, `$1    adminPrivateKey: { path: crypto/org2/users/Admin@org2.example.com/msp/keystore/priv_sk }\n    signedCert: { path: crypto/org2/users/Admin@org2.example.com/msp/signcerts/cert.pem }\n`);

async function refused(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe("the seed's fabric-ccp file, read for a Fabric 1.4 deployment", () => {
  test('unchanged, it asks for joins (created: false), which take Org2\'s admin, which it lacks: refused naming the field', async () => {
    put('network/fabric-v1.4/config-lgcns-2org2peer3orderer/channel.tx', 'not read before the orderer lacks the channel');
    const { file, doc } = variant('seed.yaml', (t) => t);
    const err = await refused(readDeployPlan(file, doc, ws));
    expect(err.field).toBe('organizations.Org2.adminPrivateKey');
  });

  test('with Org2\'s admin, its Go chaincodes are planned as prebuilt: used as deployed, never built', async () => {
    const withAdmin = (t: string) => deployable(t).replace(/language: node\n(\s+)path: \S+/g, 'language: golang\n$1path: contract/fabric/simple/go');
    put('network/fabric-v1.4/config-lgcns-2org2peer3orderer/channel.tx', 'not read before the orderer lacks the channel');
    const { file, doc } = variant('go.yaml', withAdmin);
    const [ch] = (await readDeployPlan(file, doc, ws))!.channels;
    expect(ch.chaincodes).toEqual([]);
    expect(ch.prebuilt.map((c) => [c.name, c.version, c.language, c.field])).toEqual([
      ['waetcc', 'v0', 'golang', 'channels.mychannel.chaincodes[0]'],
      ['setlcc', 'v0', 'golang', 'channels.mychannel.chaincodes[1]'],
      ['simple', 'v0', 'golang', 'channels.mychannel.chaincodes[2]'],
    ]);
  });

  test('with Node chaincode and both admins: create from configBinary, join all 4 peers, listeners at port + 1 unless given', async () => {
    put('network/fabric-v1.4/config-lgcns-2org2peer3orderer/channel.tx', 'not read before the orderer lacks the channel');
    const { file, doc } = variant('deployable.yaml', (t) => `${deployable(t)}ledgerbench:\n  chaincodeAddresses:\n    peer1.org2.example.com: 127.0.0.1:10999\n`);
    const plan = (await readDeployPlan(file, doc, ws))!;
    const [ch] = plan.channels;
    expect([ch.name, ch.join, ch.configBinary, ch.orderer.name]).toEqual(['mychannel', true, join(ws, 'network/fabric-v1.4/config-lgcns-2org2peer3orderer/channel.tx'), 'orderer1.example.com']);
    expect(ch.chaincodes.map((c) => [c.name, c.version, c.path])).toEqual([
      ['waetcc', 'v0', CHAINCODE],
      ['setlcc', 'v0', CHAINCODE],
      ['simple', 'v0', CHAINCODE],
    ]);
    expect(ch.peers.map((p) => [p.name, p.org, p.chaincodeAddress])).toEqual([
      ['peer0.org1.example.com', 'Org1', '192.168.56.2:7052'],
      ['peer1.org1.example.com', 'Org1', '192.168.56.2:8052'],
      ['peer0.org2.example.com', 'Org2', 'localhost:9052'],
      ['peer1.org2.example.com', 'Org2', '127.0.0.1:10999'],
    ]);
    expect(ch.peers[3].chaincodeAddressField).toBe('ledgerbench.chaincodeAddresses.peer1.org2.example.com');
    expect(ch.peers[0].chaincodeAddressField).toMatch(/port \+ 1/);
  });

  test('a configBinary that is not there, a bad listener address and bad init arguments name their fields', async () => {
    const missing = variant('missing-tx.yaml', (t) => deployable(t).replace(/configBinary: \S+/, 'configBinary: channel-artifacts/nope.tx'));
    const e1 = await refused(readDeployPlan(missing.file, missing.doc, ws));
    expect([e1.field, e1.problem]).toEqual(['channels.mychannel.configBinary', expect.stringContaining('cannot find the channel creation transaction "channel-artifacts/nope.tx"')]);

    const badAddress = variant('bad-address.yaml', (t) => `${deployable(t)}ledgerbench: { chaincodeAddresses: { peer0.org1.example.com: 7052 } }\n`);
    expect((await refused(readDeployPlan(badAddress.file, badAddress.doc, ws))).field).toBe('ledgerbench.chaincodeAddresses.peer0.org1.example.com');

    const badInit = variant('bad-init.yaml', (t) => deployable(t).replace('id: simple\n', 'id: simple\n        init: { a: 1 }\n'));
    expect((await refused(readDeployPlan(badInit.file, badInit.doc, ws))).field).toBe('channels.mychannel.chaincodes[2].init');
  });
});

describe('the Fabric 1.4 peer CLI', () => {
  test("`peer chaincode list` output is read line by line (1.4.12's wording)", () => {
    const out = [
      '2026-12-01 15:09:50.123 UTC [chaincodeCmd] checkChaincodeCmdParams -> INFO 001 Using default escc',
      'Get instantiated chaincodes on channel mychannel:',
      'Name: simple, Version: v0, Path: /work/main/fixtures/chaincode/simple, Escc: escc, Vscc: vscc',
      'Name: other, Version: 1.2, Path: x, Input: <nil>, Escc: escc, Vscc: vscc',
    ].join('\n');
    expect(parseChaincodeList(out)).toEqual([
      { name: 'simple', version: 'v0' },
      { name: 'other', version: '1.2' },
    ]);
    expect(parseChaincodeList('Get installed chaincodes on peer:\n')).toEqual([]);
  });

  test('no peer binary where it looks: a ConfigError on ledgerbench.binaries naming the place', async () => {
    const err = await refused(findPeerCli('profile.yaml', ws, {}));
    expect(err.field).toBe('ledgerbench.binaries');
    expect(err.problem).toContain(`${join(ws, 'peer')}: not there`);
  });
});
