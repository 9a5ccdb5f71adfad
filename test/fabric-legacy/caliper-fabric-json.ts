/**
 * Writes a network file in the shape of Caliper 0.1's `fabric` adapter (network/fabric-v1.x/*.json)
 * for a network ledgerbench brought up, as a Caliper user would have written it for that network:
 * read from a fabric-ccp file of the network (caliper-profile.ts), with `cryptodir` and the TLS CA
 * paths relative to the workspace the test hands the connector, organization keys `org1`, `org2` (so
 * cryptogen's `org1.example.com` domains follow from Caliper's default), `events` ports and CAs as the
 * old files had them (they are not used), and a `context:` mapping.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { load } from 'js-yaml';

interface CcpShape {
  channels: Record<string, { chaincodes: Array<{ id: string; version: string }> }>;
  organizations: Record<string, { mspid: string; peers: string[] }>;
  orderers: Record<string, Endpoint>;
  peers: Record<string, Endpoint>;
}

interface Endpoint {
  url: string;
  tlsCACerts?: { path: string };
}

/** Where the network's files are. */
export interface NetworkFiles {
  /** A fabric-ccp file of the network (its TLS CA paths absolute). */
  ccpFile: string;
  /** cryptogen's output folder (peerOrganizations/, ordererOrganizations/). */
  cryptoDir: string;
  /** The folder paths in the JSON file are relative to. */
  workspace: string;
  /** `info.Version` (default 1.4.12). */
  version?: string;
}

/** Writes `outFile` for the network of `files` and returns it. */
export function writeCaliperFabricJson(files: NetworkFiles, outFile: string, context: Record<string, string>): string {
  const ccp = load(readFileSync(files.ccpFile, 'utf8')) as CcpShape;
  const crypto = relative(files.workspace, files.cryptoDir);
  // tls_cacerts relative to the workspace, as the old files wrote them; grpc:// nodes have none.
  const tls = (n: Endpoint) => (n.tlsCACerts ? { tls_cacerts: relative(files.workspace, n.tlsCACerts.path) } : {});
  const [ordererName, orderer] = Object.entries(ccp.orderers)[0];
  const network: Record<string, unknown> = {
    orderer: { url: orderer.url, mspid: 'OrdererMSP', msp: `${crypto}/ordererOrganizations/example.com/msp/`, 'server-hostname': ordererName, ...tls(orderer) },
  };
  const orgKeys: string[] = [];
  for (const org of Object.values(ccp.organizations)) {
    const domain = org.peers[0].slice(org.peers[0].indexOf('.') + 1);
    const key = domain.split('.')[0];
    orgKeys.push(key);
    const def: Record<string, unknown> = { name: `peer${key}`, mspid: org.mspid, msp: `${crypto}/peerOrganizations/${domain}/msp/`, ca: { url: 'http://127.0.0.1:7054', name: `ca-${key}` } };
    org.peers.forEach((peer, i) => {
      const port = Number(/:(\d+)$/.exec(ccp.peers[peer].url)![1]);
      def[`peer${i + 1}`] = { requests: ccp.peers[peer].url, events: ccp.peers[peer].url.replace(/:\d+$/, `:${port + 2}`), 'server-hostname': peer, ...tls(ccp.peers[peer]) };
    });
    network[key] = def;
  }
  const channels = Object.keys(ccp.channels);
  const doc = {
    caliper: { blockchain: 'fabric' },
    fabric: {
      cryptodir: crypto,
      network,
      channel: channels.map((name) => ({ name, deployed: true, config: `channel-artifacts/${name}.tx`, organizations: orgKeys })),
      chaincodes: channels.flatMap((channel) => ccp.channels[channel].chaincodes.map((cc) => ({ id: cc.id, path: `contract/fabric/${cc.id}`, language: 'node', version: cc.version, channel }))),
      context,
    },
    info: { Version: files.version ?? '1.4.12', Size: `${orgKeys.length} Orgs`, Orderer: 'Solo', Distribution: 'Single Host' },
  };
  writeFileSync(outFile, JSON.stringify(doc, null, 2), { mode: 0o600 });
  return outFile;
}
