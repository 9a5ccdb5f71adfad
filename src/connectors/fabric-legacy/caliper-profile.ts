/**
 * Writes a Caliper fabric-ccp network file (the seed's shape: clients with key and certificate paths,
 * orderers, channels with peers, orderers and chaincodes, organizations, peers with TLS CAs) for a
 * `type: fabric` network that ledgerbench brought up. That network writes a connection file for the
 * gateway connector, which names peers and inline identities only; a 1.4 / 2.2 client also needs the
 * orderers and reads keys from files, so this file points at the network's own crypto folder and reads
 * the orderers' ports from their orderer.yaml. It is what a Caliper user would have written by hand for
 * the same network, so a benchmark run through it exercises the migration path.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dump, load } from 'js-yaml';

interface ConnectionFileShape {
  channel: string;
  channels: string[];
  peers: Array<{ name: string; mspId: string; endpoint: string; hostnameOverride?: string }>;
  identities: Array<{ name: string; mspId: string }>;
  chaincodes: Array<{ name: string; channel: string }>;
}

/** Options of {@link writeCaliperProfile}. */
export interface CaliperProfileOptions {
  /** Adds a `ledgerbench:` section with these fields (e.g. `{ discovery: true }`). */
  ledgerbench?: Record<string, unknown>;
  /** Leaves out the orderers (a profile for discovery only). */
  withoutOrderers?: boolean;
  /** The network's nodes serve TLS (default true; ledgerbench's Fabric 1.4 network runs without). */
  tls?: boolean;
}

/** The orderer organization's domain in a ledgerbench `type: fabric` network (topology.ts). */
const ORDERER_DOMAIN = 'example.com';

/**
 * Writes the fabric-ccp file for the network whose connection file is `connectionFile` (in the
 * network's state folder) to `outFile` (mode 0600) and returns `outFile`.
 */
export function writeCaliperProfile(connectionFile: string, outFile: string, opts: CaliperProfileOptions = {}): string {
  const stateDir = dirname(connectionFile);
  const conn = JSON.parse(readFileSync(connectionFile, 'utf8')) as ConnectionFileShape;
  const crypto = join(stateDir, 'crypto');
  const orgName = (mspId: string) => mspId.replace(/MSP$/, '') || mspId;
  const domainOf = (hostOrUser: string) => hostOrUser.slice(hostOrUser.search(/[.@]/) + 1);
  const tls = opts.tls ?? true;
  const scheme = tls ? 'grpcs' : 'grpc';

  const orderers: Record<string, unknown> = {};
  if (!opts.withoutOrderers) {
    for (const node of readdirSync(join(stateDir, 'nodes')).filter((n) => /^orderer\d+$/.test(n)).sort()) {
      const doc = load(readFileSync(join(stateDir, 'nodes', node, 'orderer.yaml'), 'utf8')) as { General: { ListenAddress: string; ListenPort: number } };
      const host = `${node}.${ORDERER_DOMAIN}`;
      orderers[host] = {
        url: `${scheme}://${doc.General.ListenAddress}:${doc.General.ListenPort}`,
        ...(tls ? { tlsCACerts: { path: join(crypto, 'ordererOrganizations', ORDERER_DOMAIN, 'tlsca', `tlsca.${ORDERER_DOMAIN}-cert.pem`) } } : {}),
        grpcOptions: { 'ssl-target-name-override': host },
      };
    }
  }

  const clients: Record<string, unknown> = {};
  const counters = new Map<string, number>();
  for (const id of conn.identities) {
    const n = counters.get(id.mspId) ?? 0;
    counters.set(id.mspId, n + 1);
    const msp = join(crypto, 'peerOrganizations', domainOf(id.name), 'users', id.name, 'msp');
    const cert = readdirSync(join(msp, 'signcerts')).find((f) => f.endsWith('.pem'))!;
    const key = readdirSync(join(msp, 'keystore'))[0];
    clients[`client${n}.${domainOf(id.name)}`] = {
      client: {
        organization: orgName(id.mspId),
        clientPrivateKey: { path: join(msp, 'keystore', key) },
        clientSignedCert: { path: join(msp, 'signcerts', cert) },
      },
    };
  }

  const organizations: Record<string, { mspid: string; peers: string[] }> = {};
  const peers: Record<string, unknown> = {};
  for (const p of conn.peers) {
    (organizations[orgName(p.mspId)] ??= { mspid: p.mspId, peers: [] }).peers.push(p.name);
    const domain = domainOf(p.name);
    peers[p.name] = {
      url: `${scheme}://${p.endpoint}`,
      ...(tls ? { tlsCACerts: { path: join(crypto, 'peerOrganizations', domain, 'tlsca', `tlsca.${domain}-cert.pem`) } } : {}),
      grpcOptions: { 'ssl-target-name-override': p.hostnameOverride ?? p.name },
    };
  }

  const channels = Object.fromEntries(
    conn.channels.map((ch) => [
      ch,
      {
        created: true,
        ...(opts.withoutOrderers ? {} : { orderers: Object.keys(orderers) }),
        peers: Object.fromEntries(conn.peers.map((p) => [p.name, { eventSource: true }])),
        chaincodes: conn.chaincodes.filter((c) => c.channel === ch).map((c) => ({ id: c.name, version: 'v0' })),
      },
    ]),
  );

  const doc = {
    name: 'Fabric',
    version: '1.0',
    'mutual-tls': false,
    caliper: { blockchain: 'fabric-ccp' },
    ...(opts.ledgerbench ? { ledgerbench: opts.ledgerbench } : {}),
    clients,
    channels,
    organizations,
    ...(opts.withoutOrderers ? {} : { orderers }),
    peers,
  };
  writeFileSync(outFile, dump(doc, { lineWidth: -1 }), { mode: 0o600 });
  return outFile;
}
