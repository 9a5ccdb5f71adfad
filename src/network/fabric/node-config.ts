/**
 * Each node's configuration file: Fabric's sample core.yaml / orderer.yaml from the binaries' config
 * folder, with the fields this network decides (addresses, TLS files, MSP, data folders, operations
 * endpoint, external builder) set in the file itself. Writing the file, rather than overriding with
 * CORE_* / ORDERER_* variables, keeps list-valued settings (external builders, root CAs) exact and lets
 * a developer read what a node ran with in its folder.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import type { FabricOrdererType } from './config.ts';
import type { OrdererNode, OrgLayout, PeerNode } from './topology.ts';

type Obj = Record<string, unknown>;

/** Environment variable the external builder reads to find this peer's chaincode connection files. */
export const CCAAS_DIR_ENV = 'LEDGERBENCH_CCAAS_DIR';

/** Folder where a peer's per-chaincode connection files are written for the external builder. */
export function ccaasDir(peer: PeerNode): string {
  return join(peer.homeDir, 'ccaas');
}

/**
 * How often a peer retries a gossip connection that failed. Fabric's default (the 25 s alive
 * expiration) is what makes two freshly started organizations miss each other for half a minute.
 */
const GOSSIP_RECONNECT = '2s';

/** Writes `<peer.homeDir>/core.yaml`. */
export function writePeerConfig(sampleDir: string, peer: PeerNode, org: OrgLayout, builderDir: string): void {
  const core = load(readFileSync(join(sampleDir, 'core.yaml'), 'utf8')) as Obj;
  const p = obj(core, 'peer');
  const address = `127.0.0.1:${peer.port}`;
  p.id = peer.host;
  p.networkId = 'ledgerbench';
  p.listenAddress = address;
  p.address = address;
  p.addressAutoDetect = false;
  p.chaincodeListenAddress = `127.0.0.1:${peer.chaincodePort}`;
  p.chaincodeAddress = `127.0.0.1:${peer.chaincodePort}`;
  p.fileSystemPath = join(peer.homeDir, 'data');
  p.mspConfigPath = join(peer.cryptoDir, 'msp');
  p.localMspId = peer.mspId;
  const gossip = obj(p, 'gossip');
  // Peers of the same organization find each other through peer0; other organizations through the
  // channel's anchor peers (peer0 of each organization, in the genesis block).
  const others = org.peers.filter((x) => x !== peer).map((x) => `127.0.0.1:${x.port}`);
  gossip.bootstrap = others.length > 0 ? others : address;
  gossip.endpoint = address;
  gossip.externalEndpoint = address;
  gossip.useLeaderElection = false;
  gossip.orgLeader = true;
  gossip.reconnectInterval = GOSSIP_RECONNECT;
  // How often the membership metric readiness reads is refreshed (Fabric's default: 5 s).
  gossip.membershipTrackerInterval = '1s';
  const tls = obj(p, 'tls');
  tls.enabled = true;
  tls.clientAuthRequired = false;
  tls.cert = { file: join(peer.cryptoDir, 'tls', 'server.crt') };
  tls.key = { file: join(peer.cryptoDir, 'tls', 'server.key') };
  tls.rootcert = { file: join(peer.cryptoDir, 'tls', 'ca.crt') };
  tls.clientRootCAs = { files: [join(peer.cryptoDir, 'tls', 'ca.crt')] };
  // No Docker: chaincode only through the external builder below.
  obj(core, 'vm').endpoint = '';
  const cc = obj(core, 'chaincode');
  cc.externalBuilders = [{ name: 'ledgerbench-ccaas', path: builderDir, propagateEnvironment: [CCAAS_DIR_ENV] }];
  obj(obj(core, 'ledger'), 'snapshots').rootDir = join(peer.homeDir, 'data', 'snapshots');
  obj(core, 'operations').listenAddress = `127.0.0.1:${peer.operationsPort}`;
  obj(core, 'metrics').provider = 'prometheus';
  mkdirSync(peer.homeDir, { recursive: true, mode: 0o700 });
  mkdirSync(ccaasDir(peer), { recursive: true, mode: 0o700 });
  writeFileSync(join(peer.homeDir, 'core.yaml'), dump(core, { lineWidth: -1 }), { mode: 0o600 });
}

/**
 * Writes `<orderer.homeDir>/orderer.yaml`: no system channel, channel participation on. Raft and
 * SmartBFT share it: both talk over the general listener with the node's TLS certificate on the
 * client side too (the consenters' ClientTLSCert in configtx.yaml), and both keep a write-ahead log
 * per channel under Consensus.WALDir.
 */
export function writeOrdererConfig(sampleDir: string, node: OrdererNode, consensus: FabricOrdererType = 'etcdraft'): void {
  const doc = load(readFileSync(join(sampleDir, 'orderer.yaml'), 'utf8')) as Obj;
  const tlsDir = join(node.cryptoDir, 'tls');
  const general = obj(doc, 'General');
  general.ListenAddress = '127.0.0.1';
  general.ListenPort = node.port;
  general.TLS = {
    Enabled: true,
    PrivateKey: join(tlsDir, 'server.key'),
    Certificate: join(tlsDir, 'server.crt'),
    RootCAs: [join(tlsDir, 'ca.crt')],
    ClientAuthRequired: false,
  };
  // Raft talks over the general listener; its client side presents the node's TLS certificate.
  Object.assign(obj(general, 'Cluster'), {
    ClientCertificate: join(tlsDir, 'server.crt'),
    ClientPrivateKey: join(tlsDir, 'server.key'),
    RootCAs: [join(tlsDir, 'ca.crt')],
  });
  // Fabric 2.x: no system channel (channel participation only). 3.x has no system channel at all
  // and no such setting.
  if ('BootstrapMethod' in general) general.BootstrapMethod = 'none';
  general.LocalMSPDir = join(node.cryptoDir, 'msp');
  general.LocalMSPID = 'OrdererMSP';
  obj(doc, 'FileLedger').Location = join(node.homeDir, 'data');
  obj(doc, 'Operations').ListenAddress = `127.0.0.1:${node.operationsPort}`;
  obj(doc, 'Metrics').Provider = 'prometheus';
  doc.Admin = {
    ListenAddress: `127.0.0.1:${node.adminPort}`,
    TLS: {
      Enabled: true,
      Certificate: join(tlsDir, 'server.crt'),
      PrivateKey: join(tlsDir, 'server.key'),
      ClientAuthRequired: true,
      ClientRootCAs: [join(tlsDir, 'ca.crt')],
    },
  };
  obj(doc, 'ChannelParticipation').Enabled = true;
  const consensusDir = join(node.homeDir, 'data', consensus === 'BFT' ? 'smartbft' : 'etcdraft');
  Object.assign(obj(doc, 'Consensus'), { WALDir: join(consensusDir, 'wal'), SnapDir: join(consensusDir, 'snapshot') });
  mkdirSync(node.homeDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(node.homeDir, 'orderer.yaml'), dump(doc, { lineWidth: -1 }), { mode: 0o600 });
}

/** `parent[key]` as a mapping, created empty where the sample file has none. */
export function obj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}
