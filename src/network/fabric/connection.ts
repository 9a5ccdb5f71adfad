/**
 * The connection file for the fabric-gateway connector, in the shape the embedded network writes
 * (`kind: ledgerbench-connection`, src/network/README.md): every peer with its TLS CA and the host name
 * in its certificate, and every organization's client users with certificate and private key, so
 * workers alternate identities between organizations. Mode 0600: it holds private keys.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricNetworkFileConfig } from './config.ts';
import type { Topology } from './topology.ts';

/** What the file holds (the connector's `parseConnectionFile` reads it). */
export interface FabricConnectionFile {
  kind: 'ledgerbench-connection';
  version: 1;
  channel: string;
  channels: string[];
  peers: Array<{ name: string; mspId: string; endpoint: string; tlsRootCertPem: string; hostnameOverride: string }>;
  identities: Array<{ name: string; mspId: string; certPem: string; keyPem: string }>;
  chaincodes: Array<{ name: string; channel: string }>;
}

/** Writes `<stateDir>/connection.json` (mode 0600) and returns its path. */
export function writeConnectionFile(cfg: FabricNetworkFileConfig, topology: Topology): string {
  const file: FabricConnectionFile = {
    kind: 'ledgerbench-connection',
    version: 1,
    channel: cfg.channels[0].name,
    channels: cfg.channels.map((c) => c.name),
    peers: topology.orgs.flatMap((o) => {
      const tlsRootCertPem = readFileSync(o.tlsCaFile, 'utf8');
      return o.peers.map((p) => ({ name: p.host, mspId: p.mspId, endpoint: `127.0.0.1:${p.port}`, tlsRootCertPem, hostnameOverride: p.host }));
    }),
    // Interleaved (Org1 User1, Org2 User1, Org1 User2, ...) so that workers, which take identities in
    // turn, spread over the organizations.
    identities: interleave(topology.orgs.map((o) => o.users.map((u) => ({ name: u.name, mspId: o.mspId, ...readIdentity(u.mspDir) })))),
    chaincodes: cfg.channels.flatMap((c) => c.chaincodes.map((cc) => ({ name: cc.name, channel: c.name }))),
  };
  const path = join(topology.stateDir, 'connection.json');
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return path;
}

function readIdentity(mspDir: string): { certPem: string; keyPem: string } {
  const signcerts = join(mspDir, 'signcerts');
  const keystore = join(mspDir, 'keystore');
  const cert = readdirSync(signcerts).find((f) => f.endsWith('.pem'));
  const key = readdirSync(keystore)[0];
  if (!cert || !key) throw new Error(`${mspDir} has no signing certificate or key (cryptogen output incomplete)`);
  return { certPem: readFileSync(join(signcerts, cert), 'utf8'), keyPem: readFileSync(join(keystore, key), 'utf8') };
}

function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(...lists.map((l) => l.length)); i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}
