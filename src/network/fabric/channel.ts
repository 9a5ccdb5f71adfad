/**
 * Channels the Fabric 2.x/3.x way, without a system channel: configtxgen writes each channel's genesis
 * block from a configtx.yaml made for this network, `osnadmin channel join` hands it to every orderer
 * (channel participation API), and `peer channel join` to every peer. The organizations' first peers
 * are the channel's anchor peers, so the organizations find each other in gossip.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { FabricBinaries } from './binaries.ts';
import type { FabricNetworkFileConfig } from './config.ts';
import type { ManagedProcess, ProcessSupervisor } from './processes.ts';
import { listening, waitUntil } from './readiness.ts';
import { ORDERER_ORG, type PeerNode, type Topology } from './topology.ts';

const ADMIN_TIMEOUT_MS = 30_000;

/** The environment that makes the `peer` CLI act as an organization's admin against one of its peers. */
export function peerAdminEnv(topology: Topology, peer: PeerNode): NodeJS.ProcessEnv {
  const org = topology.orgs.find((o) => o.mspId === peer.mspId)!;
  return {
    ...process.env,
    FABRIC_CFG_PATH: peer.homeDir,
    CORE_PEER_LOCALMSPID: peer.mspId,
    CORE_PEER_MSPCONFIGPATH: org.adminMspDir,
    CORE_PEER_ADDRESS: `127.0.0.1:${peer.port}`,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: org.tlsCaFile,
  };
}

/** Writes configtx.yaml for this network and one genesis block per channel; returns the blocks' paths. */
export async function createGenesisBlocks(cfg: FabricNetworkFileConfig, topology: Topology, bin: FabricBinaries, procs: ProcessSupervisor): Promise<Map<string, string>> {
  mkdirSync(topology.channelDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(topology.channelDir, 'configtx.yaml'), dump(configtx(cfg, topology, bin), { lineWidth: -1, noRefs: true }), { mode: 0o600 });
  const blocks = new Map<string, string>();
  for (const ch of cfg.channels) {
    const block = join(topology.channelDir, `${ch.name}.block`);
    await procs.run(`configtxgen-${ch.name}`, bin.tools.configtxgen, ['-profile', 'LedgerbenchChannel', '-outputBlock', block, '-channelID', ch.name, '-configPath', topology.channelDir], {
      env: { ...process.env, FABRIC_CFG_PATH: topology.channelDir },
    });
    blocks.set(ch.name, block);
  }
  return blocks;
}

/**
 * Joins every orderer to the channel through its admin endpoint (mutual TLS as the orderer org's
 * admin). The admin listener may open a moment after /healthz answers, so each join waits for it.
 */
export async function joinOrderers(channel: string, block: string, topology: Topology, bin: FabricBinaries, procs: ProcessSupervisor, watch: ManagedProcess[]): Promise<void> {
  await Promise.all(
    topology.orderers.map(async (o) => {
      await waitUntil(`${o.name}'s admin endpoint 127.0.0.1:${o.adminPort}`, () => listening(`127.0.0.1:${o.adminPort}`), ADMIN_TIMEOUT_MS, watch);
      await procs.run(`osnadmin-join-${channel}-${o.name}`, bin.tools.osnadmin, [
        'channel', 'join', '--channelID', channel, '--config-block', block,
        '-o', `127.0.0.1:${o.adminPort}`,
        '--ca-file', topology.orderer.tlsCaFile,
        '--client-cert', topology.orderer.adminTlsCert,
        '--client-key', topology.orderer.adminTlsKey,
      ]);
    }),
  );
}

/** Joins every peer to the channel as its organization's admin, once its gRPC listener is open. */
export async function joinPeers(channel: string, block: string, topology: Topology, bin: FabricBinaries, procs: ProcessSupervisor, watch: ManagedProcess[]): Promise<void> {
  await Promise.all(
    topology.peers.map(async (p) => {
      await waitUntil(`${p.name}'s gRPC endpoint 127.0.0.1:${p.port}`, () => listening(`127.0.0.1:${p.port}`), ADMIN_TIMEOUT_MS, watch);
      await procs.run(`join-${channel}-${p.name}`, bin.tools.peer, ['channel', 'join', '-b', block], { env: peerAdminEnv(topology, p) });
    }),
  );
}

const sig = (rule: string) => ({ Type: 'Signature', Rule: rule });
const meta = (rule: string) => ({ Type: 'ImplicitMeta', Rule: rule });

function configtx(cfg: FabricNetworkFileConfig, topology: Topology, bin: FabricBinaries): Record<string, unknown> {
  const ordererOrg = {
    Name: 'OrdererOrg',
    ID: ORDERER_ORG.mspId,
    MSPDir: topology.orderer.mspDir,
    Policies: {
      Readers: sig(`OR('${ORDERER_ORG.mspId}.member')`),
      Writers: sig(`OR('${ORDERER_ORG.mspId}.member')`),
      Admins: sig(`OR('${ORDERER_ORG.mspId}.admin')`),
    },
    OrdererEndpoints: topology.orderers.map((o) => `127.0.0.1:${o.port}`),
  };
  const peerOrgs = topology.orgs.map((o) => ({
    Name: o.mspId,
    ID: o.mspId,
    MSPDir: o.mspDir,
    Policies: {
      Readers: sig(`OR('${o.mspId}.admin', '${o.mspId}.peer', '${o.mspId}.client')`),
      Writers: sig(`OR('${o.mspId}.admin', '${o.mspId}.client')`),
      Admins: sig(`OR('${o.mspId}.admin')`),
      Endorsement: sig(`OR('${o.mspId}.peer')`),
    },
    AnchorPeers: [{ Host: '127.0.0.1', Port: o.peers[0].port }],
  }));
  const [major, minor] = bin.version.split('.').map(Number);
  const common = { Readers: meta('ANY Readers'), Writers: meta('ANY Writers'), Admins: meta('MAJORITY Admins') };
  const bft = cfg.orderer.type === 'BFT';
  return {
    Profiles: {
      LedgerbenchChannel: {
        Policies: common,
        // SmartBFT channels need the V3_0 channel capability (every orderer and peer at 3.0 or later).
        Capabilities: bft ? { V3_0: true } : { V2_0: true },
        Orderer: {
          OrdererType: bft ? 'BFT' : 'etcdraft',
          BatchTimeout: `${cfg.orderer.batchTimeoutMs}ms`,
          BatchSize: {
            MaxMessageCount: cfg.orderer.batchSize.maxMessageCount,
            AbsoluteMaxBytes: `${Math.floor(cfg.orderer.batchSize.absoluteMaxBytes / 1024)} KB`,
            PreferredMaxBytes: `${Math.floor(cfg.orderer.batchSize.preferredMaxBytes / 1024)} KB`,
          },
          ...(bft ? bftConsensus(cfg, topology) : raftConsensus(topology)),
          Organizations: [ordererOrg],
          Policies: { ...common, BlockValidation: meta('ANY Writers') },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: peerOrgs,
          Policies: { ...common, LifecycleEndorsement: meta('MAJORITY Endorsement'), Endorsement: meta('MAJORITY Endorsement') },
          // V2_5 (purge of private data) exists from Fabric 2.5 on.
          Capabilities: major > 2 || minor >= 5 ? { V2_5: true } : { V2_0: true },
        },
      },
    },
  };
}

/** Raft consenters are known by their TLS certificates (TLS pinning). */
function raftConsensus(topology: Topology): Record<string, unknown> {
  return {
    EtcdRaft: {
      Consenters: topology.orderers.map((o) => ({
        Host: '127.0.0.1',
        Port: o.port,
        ClientTLSCert: join(o.cryptoDir, 'tls', 'server.crt'),
        ServerTLSCert: join(o.cryptoDir, 'tls', 'server.crt'),
      })),
    },
  };
}

/**
 * SmartBFT consenters are known by their enrollment certificates (they sign blocks and consensus
 * messages), plus the TLS certificates of the cluster connections between them. IDs start at 1.
 * Each orderer's delivery endpoint is in the orderer organization's OrdererEndpoints, one per
 * consenter, as Fabric recommends for BFT (which has no global Orderer/Addresses).
 */
function bftConsensus(cfg: FabricNetworkFileConfig, topology: Topology): Record<string, unknown> {
  return {
    ConsenterMapping: topology.orderers.map((o, i) => ({
      ID: i + 1,
      Host: '127.0.0.1',
      Port: o.port,
      MSPID: ORDERER_ORG.mspId,
      Identity: o.signCert,
      ClientTLSCert: join(o.cryptoDir, 'tls', 'server.crt'),
      ServerTLSCert: join(o.cryptoDir, 'tls', 'server.crt'),
    })),
    // Fabric's documented defaults, except the batch interval: SmartBFT cuts a batch after
    // RequestBatchMaxInterval (BatchTimeout is Raft's), so the file's batchTimeout goes there.
    SmartBFT: {
      RequestBatchMaxInterval: `${cfg.orderer.batchTimeoutMs}ms`,
      RequestForwardTimeout: '2s',
      RequestComplainTimeout: '20s',
      RequestAutoRemoveTimeout: '3m',
      ViewChangeResendInterval: '5s',
      ViewChangeTimeout: '20s',
      LeaderHeartbeatTimeout: '1m',
      LeaderHeartbeatCount: 10,
      CollectTimeout: '1s',
      IncomingMessageBufferSize: 200,
      RequestPoolSize: 100000,
    },
  };
}
