/**
 * orderer.yaml and core.yaml for Fabric 1.4 nodes, from the release's own sampleconfig with the fields
 * this network decides: 127.0.0.1 addresses with the topology's ports, MSP folders, data folders,
 * Prometheus metrics on the operations port, no TLS (as the seed's 1.4 fabric-ccp file: grpc://), and
 * the orderer booting from the system channel's genesis block.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { obj } from '../node-config.ts';
import { ORDERER_ORG, type OrdererNode, type PeerNode } from '../topology.ts';

type Obj = Record<string, unknown>;

/** Writes `<node.homeDir>/orderer.yaml`: solo, booting from `genesisBlock`. */
export function writeOrderer14Config(sampleDir: string, node: OrdererNode, genesisBlock: string): void {
  const doc = load(readFileSync(join(sampleDir, 'orderer.yaml'), 'utf8')) as Obj;
  const general = obj(doc, 'General');
  Object.assign(general, {
    ListenAddress: '127.0.0.1',
    ListenPort: node.port,
    GenesisMethod: 'file',
    GenesisFile: genesisBlock,
    LocalMSPDir: join(node.cryptoDir, 'msp'),
    LocalMSPID: ORDERER_ORG.mspId,
  });
  obj(general, 'TLS').Enabled = false;
  obj(doc, 'FileLedger').Location = join(node.homeDir, 'data');
  obj(doc, 'Operations').ListenAddress = `127.0.0.1:${node.operationsPort}`;
  obj(doc, 'Metrics').Provider = 'prometheus';
  mkdirSync(node.homeDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(node.homeDir, 'orderer.yaml'), dump(doc, { lineWidth: -1 }), { mode: 0o600 });
}

/**
 * Writes `<peer.homeDir>/core.yaml`. Each organization has one peer that leads it in gossip (pulls
 * blocks from the orderer) without an election; chaincode runs in dev mode (the peer is started with
 * --peer-chaincodedev), so no Docker is needed.
 */
export function writePeer14Config(sampleDir: string, peer: PeerNode, orgPeers: PeerNode[]): void {
  const core = load(readFileSync(join(sampleDir, 'core.yaml'), 'utf8')) as Obj;
  const p = obj(core, 'peer');
  const address = `127.0.0.1:${peer.port}`;
  Object.assign(p, {
    id: peer.host,
    networkId: 'ledgerbench',
    listenAddress: address,
    address,
    addressAutoDetect: false,
    chaincodeListenAddress: `127.0.0.1:${peer.chaincodePort}`,
    chaincodeAddress: `127.0.0.1:${peer.chaincodePort}`,
    fileSystemPath: join(peer.homeDir, 'data'),
    mspConfigPath: join(peer.cryptoDir, 'msp'),
    localMspId: peer.mspId,
  });
  obj(p, 'tls').enabled = false;
  const gossip = obj(p, 'gossip');
  const others = orgPeers.filter((x) => x !== peer).map((x) => `127.0.0.1:${x.port}`);
  Object.assign(gossip, {
    bootstrap: others.length > 0 ? others : address,
    endpoint: address,
    externalEndpoint: address,
    useLeaderElection: false,
    orgLeader: orgPeers[0] === peer,
  });
  obj(core, 'operations').listenAddress = `127.0.0.1:${peer.operationsPort}`;
  obj(core, 'metrics').provider = 'prometheus';
  mkdirSync(peer.homeDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(peer.homeDir, 'core.yaml'), dump(core, { lineWidth: -1 }), { mode: 0o600 });
}
