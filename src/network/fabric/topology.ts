/**
 * The network's nodes with their names, ports and files, decided once before anything starts: every
 * other step (crypto, channel, node configuration, lifecycle, connection file) reads it from here.
 * Ports are free ports the OS hands out on 127.0.0.1 at start, all held open together while they are
 * picked so no two nodes get the same one.
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { FabricNetworkFileConfig } from './config.ts';

/** The orderer organization's MSP id and domain (cryptogen's OrdererOrgs entry). */
export const ORDERER_ORG = { mspId: 'OrdererMSP', domain: 'example.com' } as const;

/** An orderer node. */
export interface OrdererNode {
  /** `orderer0.example.com`: the name in its TLS certificate. */
  host: string;
  /** Short name for logs and folders: `orderer0`. */
  name: string;
  port: number;
  adminPort: number;
  operationsPort: number;
  /** cryptogen's folder for this node (msp/, tls/). */
  cryptoDir: string;
  /** Its enrollment certificate (msp/signcerts): how SmartBFT consenters know each other. */
  signCert: string;
  /** Its FABRIC_CFG_PATH (orderer.yaml) and ledger. */
  homeDir: string;
}

/** A peer node. */
export interface PeerNode {
  /** `peer0.org1.example.com`. */
  host: string;
  /** `peer0-org1`. */
  name: string;
  mspId: string;
  domain: string;
  port: number;
  chaincodePort: number;
  operationsPort: number;
  cryptoDir: string;
  homeDir: string;
}

/** Where everything of one organization lives. */
export interface OrgLayout {
  mspId: string;
  domain: string;
  /** Organization MSP (for configtx.yaml). */
  mspDir: string;
  /** PEM of the TLS CA that signed every peer's TLS certificate. */
  tlsCaFile: string;
  /** The organization's admin MSP, used for channel joins and lifecycle calls. */
  adminMspDir: string;
  /** Client users `User1@<domain>` ... (signcerts + keystore). */
  users: Array<{ name: string; mspDir: string }>;
  peers: PeerNode[];
}

/** The whole network's layout. */
export interface Topology {
  stateDir: string;
  logDir: string;
  cryptoDir: string;
  channelDir: string;
  orderers: OrdererNode[];
  orderer: { mspDir: string; tlsCaFile: string; adminTlsCert: string; adminTlsKey: string };
  orgs: OrgLayout[];
  peers: PeerNode[];
}

/** Lays out the network of `cfg` under `stateDir`, with fresh free ports. */
export async function planTopology(cfg: FabricNetworkFileConfig, stateDir: string): Promise<Topology> {
  const portCount = cfg.orderer.nodes * 3 + cfg.organizations.reduce((n, o) => n + o.peers * 3, 0);
  const ports = await freePorts(portCount);
  const cryptoDir = join(stateDir, 'crypto');
  const ordDomainDir = join(cryptoDir, 'ordererOrganizations', ORDERER_ORG.domain);
  const orderers: OrdererNode[] = Array.from({ length: cfg.orderer.nodes }, (_, i) => {
    const host = `orderer${i}.${ORDERER_ORG.domain}`;
    return {
      host,
      name: `orderer${i}`,
      port: ports.shift()!,
      adminPort: ports.shift()!,
      operationsPort: ports.shift()!,
      cryptoDir: join(ordDomainDir, 'orderers', host),
      signCert: join(ordDomainDir, 'orderers', host, 'msp', 'signcerts', `${host}-cert.pem`),
      homeDir: join(stateDir, 'nodes', `orderer${i}`),
    };
  });
  const adminDir = join(ordDomainDir, 'users', `Admin@${ORDERER_ORG.domain}`);
  const orgs: OrgLayout[] = cfg.organizations.map((o) => {
    const orgDir = join(cryptoDir, 'peerOrganizations', o.domain);
    const short = o.domain.split('.')[0];
    const peers: PeerNode[] = Array.from({ length: o.peers }, (_, i) => {
      const host = `peer${i}.${o.domain}`;
      return {
        host,
        name: `peer${i}-${short}`,
        mspId: o.mspId,
        domain: o.domain,
        port: ports.shift()!,
        chaincodePort: ports.shift()!,
        operationsPort: ports.shift()!,
        cryptoDir: join(orgDir, 'peers', host),
        homeDir: join(stateDir, 'nodes', `peer${i}-${short}`),
      };
    });
    return {
      mspId: o.mspId,
      domain: o.domain,
      mspDir: join(orgDir, 'msp'),
      tlsCaFile: join(orgDir, 'tlsca', `tlsca.${o.domain}-cert.pem`),
      adminMspDir: join(orgDir, 'users', `Admin@${o.domain}`, 'msp'),
      users: Array.from({ length: o.users }, (_, i) => ({ name: `User${i + 1}@${o.domain}`, mspDir: join(orgDir, 'users', `User${i + 1}@${o.domain}`, 'msp') })),
      peers,
    };
  });
  return {
    stateDir,
    logDir: join(stateDir, 'logs'),
    cryptoDir,
    channelDir: join(stateDir, 'channels'),
    orderers,
    orderer: {
      mspDir: join(ordDomainDir, 'msp'),
      tlsCaFile: join(ordDomainDir, 'tlsca', `tlsca.${ORDERER_ORG.domain}-cert.pem`),
      adminTlsCert: join(adminDir, 'tls', 'client.crt'),
      adminTlsKey: join(adminDir, 'tls', 'client.key'),
    },
    orgs,
    peers: orgs.flatMap((o) => o.peers),
  };
}

/** `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
      ports.push((srv.address() as { port: number }).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
