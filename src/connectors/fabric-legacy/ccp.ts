/**
 * The common connection profile handed to fabric-network's Gateway.connect(), built from the validated
 * network: every certificate inline (`pem`), so fabric-network never resolves a path itself (it would
 * resolve them against the worker's current folder, not where Caliper's rules found them), and no
 * client keys (those go into the worker's in-memory wallet).
 */
import type { FabricPeerConfig } from '../fabric-gateway/profile.ts';
import type { LegacyNetworkConfig } from './profile.ts';

/** The subset of a common connection profile (CCP) that fabric-network 2.2's loader reads. */
export interface CommonConnectionProfile {
  name: string;
  version: '1.0.0';
  client: { organization: string };
  organizations: Record<string, { mspid: string; peers: string[] }>;
  peers: Record<string, CcpEndpoint>;
  orderers: Record<string, CcpEndpoint>;
  channels: Record<string, { peers: Record<string, Record<string, never>>; orderers: string[] }>;
}

interface CcpEndpoint {
  url: string;
  tlsCACerts?: { pem: string };
  grpcOptions: Record<string, unknown>;
}

/** A peer as the CCP writes it; the host name in its certificate goes in as fabric-common's override. */
function peerEndpoint(p: FabricPeerConfig): CcpEndpoint {
  const grpcOptions: Record<string, unknown> = { ...p.grpcOptions };
  if (p.hostnameOverride) grpcOptions['ssl-target-name-override'] = p.hostnameOverride;
  return { url: `${p.tls ? 'grpcs' : 'grpc'}://${p.endpoint}`, ...(p.tlsRootCertPem ? { tlsCACerts: { pem: p.tlsRootCertPem } } : {}), grpcOptions };
}

/**
 * Builds the CCP for a client of organization `mspId`. Organizations are keyed by MSP id: fabric-network
 * looks a peer's organization up by the peers lists, and the client's own organization is where
 * discovery starts.
 */
export function toCommonConnectionProfile(net: LegacyNetworkConfig, mspId: string): CommonConnectionProfile {
  const organizations: CommonConnectionProfile['organizations'] = {};
  for (const p of net.base.peers) {
    const org = p.mspId || mspId;
    organizations[org] ??= { mspid: org, peers: [] };
    organizations[org].peers.push(p.name);
  }
  organizations[mspId] ??= { mspid: mspId, peers: [] };
  const peers = Object.fromEntries(net.base.peers.map((p) => [p.name, peerEndpoint(p)]));
  const orderers = Object.fromEntries(
    net.orderers.map((o) => [o.name, { url: o.url, ...(o.tlsRootCertPem ? { tlsCACerts: { pem: o.tlsRootCertPem } } : {}), grpcOptions: { ...o.grpcOptions } }]),
  );
  const channels = Object.fromEntries(
    Object.entries(net.channelMembers).map(([name, m]) => [name, { peers: Object.fromEntries(m.peers.map((p) => [p, {}])), orderers: [...m.orderers] }]),
  );
  return { name: 'ledgerbench', version: '1.0.0', client: { organization: mspId }, organizations, peers, orderers, channels };
}
