/**
 * Caliper 0.1's `fabric` adapter network files (the JSON of Caliper's network/fabric-v1.x folders) read
 * by the fabric-legacy connector: what maps (peers, orderer, Admin@<domain> identities from
 * cryptogen's layout under cryptodir, channels, chaincodes, context), a warning per kind of field that
 * does not, and an error naming the field and the fix for what cannot work. The same shape against a
 * real Fabric 1.4 network is in test/fabric-legacy/fabric-1.4.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadFabricNetwork } from '../../src/connectors/fabric-gateway/index.ts';
import { checkFabricProfile, chooseFabricConnector } from '../../src/connectors/fabric-legacy/choose-connector.ts';
import { loadLegacyNetwork, toCommonConnectionProfile } from '../../src/connectors/fabric-legacy/index.ts';
import { createCa } from '../../src/network/embedded/identities.ts';

const CRYPTO = 'network/fabric-v1.4/config/crypto-config';
/** A JSON document the cases edit freely (deleting and adding fields at any depth). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
let ws: string;
let tlsCa: string;

function put(rel: string, text: string): void {
  mkdirSync(dirname(join(ws, rel)), { recursive: true });
  writeFileSync(join(ws, rel), text, { mode: 0o600 });
}

/** A file of Caliper's network/fabric-v1.x shape (TLS, 2 orgs, 1 peer each), edited by `edit`. */
function oldJson(edit: (doc: Json) => void = () => {}): Json {
  const peer = (org: string, port: number) => ({
    requests: `grpcs://localhost:${port}`,
    events: `grpcs://localhost:${port + 2}`,
    'server-hostname': `peer0.${org}.example.com`,
    tls_cacerts: `${CRYPTO}/peerOrganizations/${org}.example.com/peers/peer0.${org}.example.com/tls/ca.crt`,
  });
  const doc: Json = {
    caliper: { blockchain: 'fabric', command: { start: 'true', end: 'true' } },
    fabric: {
      cryptodir: CRYPTO,
      network: {
        orderer: {
          url: 'grpcs://localhost:7050',
          mspid: 'OrdererMSP',
          msp: `${CRYPTO}/ordererOrganizations/example.com/msp/`,
          'server-hostname': 'orderer.example.com',
          tls_cacerts: `${CRYPTO}/ordererOrganizations/example.com/orderers/orderer.example.com/tls/ca.crt`,
        },
        org1: { name: 'peerOrg1', mspid: 'Org1MSP', msp: `${CRYPTO}/peerOrganizations/org1.example.com/msp/`, ca: { url: 'https://localhost:7054', name: 'ca-org1' }, peer1: peer('org1', 7051) },
        org2: { name: 'peerOrg2', mspid: 'Org2MSP', msp: `${CRYPTO}/peerOrganizations/org2.example.com/msp/`, ca: { url: 'https://localhost:8054', name: 'ca-org2' }, peer1: peer('org2', 8051) },
      },
      channel: [{ name: 'mychannel', deployed: false, config: 'network/fabric-v1.4/config/mychannel.tx', organizations: ['org1', 'org2'] }],
      chaincodes: [
        { id: 'simple', path: 'contract/fabric/simple/go', language: 'golang', version: 'v0', channel: 'mychannel' },
        { id: 'smallbank', path: 'contract/fabric/smallbank', language: 'golang', version: 'v0', channel: 'mychannel' },
      ],
      'endorsement-policy': { identities: [{ role: { name: 'member', mspId: 'Org1MSP' } }], policy: { '1-of': [{ 'signed-by': 0 }] } },
      context: { open: 'mychannel', query: 'mychannel' },
    },
    info: { Version: '1.4.12', Size: '2 Orgs with 1 Peer', Orderer: 'Solo' },
  };
  edit(doc);
  return doc;
}

let n = 0;
function write(doc: Record<string, unknown>): string {
  const file = join(ws, 'networks', `fabric-${n++}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'lb-caliper-json-'));
  tlsCa = (await createCa('tlsca.example.com', 'example.com')).certPem;
  put(`${CRYPTO}/ordererOrganizations/example.com/orderers/orderer.example.com/tls/ca.crt`, tlsCa);
  for (const org of ['org1', 'org2']) {
    const domain = `${org}.example.com`;
    put(`${CRYPTO}/peerOrganizations/${domain}/peers/peer0.${domain}/tls/ca.crt`, tlsCa);
    for (const user of ['Admin', 'User1']) {
      const id = await createCa(`${user}@${domain}`, domain);
      const msp = `${CRYPTO}/peerOrganizations/${domain}/users/${user}@${domain}/msp`;
      put(`${msp}/keystore/0a1b2c${user}${org}_sk`, id.keyPem);
      put(`${msp}/signcerts/${user}@${domain}-cert.pem`, id.certPem);
    }
  }
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe("Caliper 0.1's fabric adapter JSON", () => {
  test('loads: peers from requests with their TLS CAs, the orderer, Admin@<domain> of each organization, channel members, chaincodes, context; bcType fabric; discovery off', async () => {
    const file = write(oldJson());
    expect(chooseFabricConnector(file, oldJson())).toBe('fabric-legacy');
    const net = await loadLegacyNetwork(file, { workspace: ws });
    expect(net.base.format).toBe('caliper-fabric-json');
    expect(net.base.peers.map((p) => [p.name, p.mspId, p.endpoint, p.tls, p.hostnameOverride, p.tlsRootCertPem === tlsCa])).toEqual([
      ['peer0.org1.example.com', 'Org1MSP', 'localhost:7051', true, 'peer0.org1.example.com', true],
      ['peer0.org2.example.com', 'Org2MSP', 'localhost:8051', true, 'peer0.org2.example.com', true],
    ]);
    expect(net.orderers).toEqual([{ name: 'orderer.example.com', url: 'grpcs://localhost:7050', tlsRootCertPem: tlsCa, grpcOptions: { 'ssl-target-name-override': 'orderer.example.com' } }]);
    // The old adapter signed as each organization's admin (util.getSubmitter(client, true, org)).
    expect(net.base.identities.map((i) => [i.name, i.mspId])).toEqual([
      ['Admin@org1.example.com', 'Org1MSP'],
      ['Admin@org2.example.com', 'Org2MSP'],
    ]);
    expect(net.channelMembers).toEqual({ mychannel: { peers: ['peer0.org1.example.com', 'peer0.org2.example.com'], orderers: ['orderer.example.com'] } });
    expect(net.base.chaincodes).toEqual([
      { name: 'simple', channel: 'mychannel' },
      { name: 'smallbank', channel: 'mychannel' },
    ]);
    expect(net.base.contexts).toEqual({ open: 'mychannel', query: 'mychannel' });
    expect(net.bcType).toBe('fabric');
    expect(net.discovery).toEqual({ enabled: false, asLocalhost: true });
    const ccp = toCommonConnectionProfile(net, 'Org1MSP');
    expect(ccp.peers['peer0.org1.example.com']).toEqual({ url: 'grpcs://localhost:7051', tlsCACerts: { pem: tlsCa }, grpcOptions: { 'ssl-target-name-override': 'peer0.org1.example.com' } });
    expect(JSON.stringify(ccp)).not.toContain('PRIVATE KEY');
  });

  test('fields that do not map: one warning per kind, naming every field of that kind and why; printed once when the network is opened', async () => {
    const file = write(oldJson());
    const { warnings } = await loadLegacyNetwork(file, { workspace: ws });
    expect(warnings).toHaveLength(5);
    const line = (field: string) => warnings.find((w) => w.includes(field)) ?? '';
    expect(line('fabric.network.org1.peer1.events')).toContain('fabric.network.org2.peer1.events: not used: fabric-network 2.2 has no 1.x event hub');
    expect(line('fabric.network.org1.ca')).toMatch(/fabric\.network\.org2\.ca: not used: nothing is enrolled at a CA.*no TLS client certificate/);
    expect(line('fabric.channel[0].deployed')).toContain('does not create channels');
    expect(line('fabric.chaincodes[].path')).toContain('does not install or instantiate chaincode');
    expect(line('fabric.endorsement-policy')).toContain('instantiation policy');
    for (const w of warnings) expect(w.startsWith(`${file}: `)).toBe(true);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(await checkFabricProfile(file, oldJson(), ws)).toBe('fabric-legacy');
      expect(warn.mock.calls.map((c) => c[0])).toEqual(warnings.map((w) => `fabric-legacy: ${w}`));
    } finally {
      warn.mockRestore();
    }
    // A file with nothing to ignore says nothing.
    const quiet = write(
      oldJson((d) => {
        for (const org of ['org1', 'org2']) {
          delete d.fabric.network[org].ca;
          delete d.fabric.network[org].peer1.events;
        }
        d.fabric.channel[0].deployed = true;
        d.fabric.chaincodes = [{ id: 'simple', channel: 'mychannel' }];
        delete d.fabric['endorsement-policy'];
      }),
    );
    expect((await loadLegacyNetwork(quiet, { workspace: ws })).warnings).toEqual([]);
  });

  test("the seed's 5.2 shape, context written as an element of chaincodes, is read with a warning to move it", async () => {
    const file = write(
      oldJson((d) => {
        delete d.fabric.context;
        d.fabric.chaincodes.push({ context: { mytest: 'mychannel' } });
      }),
    );
    const net = await loadLegacyNetwork(file, { workspace: ws });
    expect(net.base.contexts).toEqual({ mytest: 'mychannel' });
    expect(net.base.chaincodes.map((c) => c.name)).toEqual(['simple', 'smallbank']);
    expect(net.warnings.some((w) => w.includes('fabric.chaincodes[2].context: read as the round label -> channel mapping; Caliper 0.1 reads it at fabric.context'))).toBe(true);
  });

  test('network.<org>.user { key, cert } and domain are honoured, as the old adapter did', async () => {
    const file = write(
      oldJson((d) => {
        d.fabric.network.org1.user = {
          key: `${CRYPTO}/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp/keystore/0a1b2cUser1org1_sk`,
          cert: `${CRYPTO}/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp/signcerts/User1@org1.example.com-cert.pem`,
        };
        // Keys that do not follow orgN.example.com name their domain.
        d.fabric.network.second = { ...d.fabric.network.org2, domain: 'org2.example.com' };
        delete d.fabric.network.org2;
        d.fabric.channel[0].organizations = ['org1', 'second'];
      }),
    );
    const net = await loadLegacyNetwork(file, { workspace: ws });
    expect(net.base.identities.map((i) => [i.name, i.mspId])).toEqual([
      ['org1.user', 'Org1MSP'],
      ['Admin@org2.example.com', 'Org2MSP'],
    ]);
  });
});

describe('what cannot work names the field and what to write', () => {
  const cases: Array<[string, (d: Json) => void, string, RegExp]> = [
    ['a context channel the file does not define', (d) => (d.fabric.context.query = 'yourchannel'), 'fabric.context.query', /"yourchannel" is not a channel of this network \(its channels: mychannel\)/],
    ['no cryptodir and no user', (d) => delete d.fabric.cryptodir, 'fabric.cryptodir', /is missing, and fabric\.network\.org1 has no user/],
    ['an organization key whose default domain is not in cryptodir', (d) => ((d.fabric.network.orgA = d.fabric.network.org1), delete d.fabric.network.org1, (d.fabric.channel[0].organizations = ['orgA', 'org2'])), 'fabric.network.orgA', /signed as Admin@orgA\.example\.com.*orgA\.example\.com/],
    ['a grpcs peer without tls_cacerts', (d) => delete d.fabric.network.org1.peer1.tls_cacerts, 'fabric.network.org1.peer1.tls_cacerts', /grpcs:\/\/, so the TLS CA certificate is needed/],
    ['a TLS CA path in neither folder', (d) => (d.fabric.network.orderer.tls_cacerts = 'nowhere/ca.crt'), 'fabric.network.orderer.tls_cacerts', /cannot find the TLS CA certificate "nowhere\/ca\.crt"/],
    ['a bad requests url', (d) => (d.fabric.network.org2.peer1.requests = 'localhost:8051'), 'fabric.network.org2.peer1.requests', /bad peer url/],
    ['a channel naming an organization that is not there', (d) => (d.fabric.channel[0].organizations = ['org1', 'org3']), 'fabric.channel[0].organizations', /org3 is not an organization of fabric\.network \(it has org1, org2\)/],
    ['no orderer', (d) => delete d.fabric.network.orderer, 'fabric.network.orderer', /is missing/],
    ['a chaincode on a channel that is not listed', (d) => (d.fabric.chaincodes[0].channel = 'otherchannel'), 'fabric.chaincodes[0].channel', /otherchannel is not a channel of fabric\.channel/],
    ['Fabric 1.0 peers', (d) => (d.info.Version = '1.0.0'), 'info.Version', /no deliver service/],
  ];
  test.each(cases)('%s', async (_name, edit, field, problem) => {
    const file = write(oldJson(edit));
    const err = await configError(loadLegacyNetwork(file, { workspace: ws }));
    expect(err.file).toBe(file);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(problem);
    expect(err.fix.length).toBeGreaterThan(10);
  });

  test('fabric-gateway cannot read it: chosen explicitly, or given the file directly', async () => {
    const doc = oldJson((d) => (d.ledgerbench = { connector: 'fabric-gateway' }));
    const file = write(doc);
    expect(() => chooseFabricConnector(file, doc)).toThrow(/ledgerbench\.connector: this is a network file of Caliper 0\.1's `fabric` adapter.*only fabric-legacy reads/s);
    const direct = await configError(loadFabricNetwork(write(oldJson()), { workspace: ws }));
    expect(direct.field).toBe('fabric');
  });
});
