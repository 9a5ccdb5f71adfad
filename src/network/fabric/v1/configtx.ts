/**
 * configtx.yaml for a Fabric 1.4 network: the 1.4 way of making channels, with a system channel. The
 * orderer starts from a genesis block holding a consortium of the organizations; each application
 * channel is then created from a channel creation transaction (`peer channel create`), and each
 * organization's anchor peer set by an update transaction. Policies as fabric-samples' 1.4 networks
 * write them (signature policies over the MSP roles, NodeOUs on), capabilities V1_4_x.
 */
import type { FabricNetworkFileConfig } from '../config.ts';
import { ORDERER_ORG, type Topology } from '../topology.ts';

/** The profile names configtxgen is called with. */
export const GENESIS_PROFILE = 'LedgerbenchGenesis';
export const CHANNEL_PROFILE = 'LedgerbenchChannel';
const CONSORTIUM = 'LedgerbenchConsortium';

/** The organization's Name in configtx.yaml (configtxgen's `-asOrg`). */
export function orgName(mspId: string): string {
  return mspId.replace(/MSP$/, '') || mspId;
}

function signature(rule: string): { Type: 'Signature'; Rule: string } {
  return { Type: 'Signature', Rule: rule };
}

function implicitMeta(rule: string): { Type: 'ImplicitMeta'; Rule: string } {
  return { Type: 'ImplicitMeta', Rule: rule };
}

/** The configtx.yaml document for `cfg` laid out as `topology`. */
export function configtx14(cfg: FabricNetworkFileConfig, topology: Topology): Record<string, unknown> {
  const ordererOrg = {
    Name: 'OrdererOrg',
    ID: ORDERER_ORG.mspId,
    MSPDir: topology.orderer.mspDir,
    Policies: {
      Readers: signature(`OR('${ORDERER_ORG.mspId}.member')`),
      Writers: signature(`OR('${ORDERER_ORG.mspId}.member')`),
      Admins: signature(`OR('${ORDERER_ORG.mspId}.admin')`),
    },
  };
  const orgs = topology.orgs.map((o) => ({
    Name: orgName(o.mspId),
    ID: o.mspId,
    MSPDir: o.mspDir,
    Policies: {
      Readers: signature(`OR('${o.mspId}.admin', '${o.mspId}.peer', '${o.mspId}.client')`),
      Writers: signature(`OR('${o.mspId}.admin', '${o.mspId}.client')`),
      Admins: signature(`OR('${o.mspId}.admin')`),
    },
    AnchorPeers: [{ Host: '127.0.0.1', Port: o.peers[0].port }],
  }));
  const standard = { Readers: implicitMeta('ANY Readers'), Writers: implicitMeta('ANY Writers'), Admins: implicitMeta('MAJORITY Admins') };
  const orderer = {
    OrdererType: 'solo',
    Addresses: topology.orderers.map((o) => `127.0.0.1:${o.port}`),
    BatchTimeout: `${cfg.orderer.batchTimeoutMs}ms`,
    BatchSize: {
      MaxMessageCount: cfg.orderer.batchSize.maxMessageCount,
      AbsoluteMaxBytes: cfg.orderer.batchSize.absoluteMaxBytes,
      PreferredMaxBytes: cfg.orderer.batchSize.preferredMaxBytes,
    },
    Organizations: [ordererOrg],
    Policies: { ...standard, BlockValidation: implicitMeta('ANY Writers') },
    Capabilities: { V1_4_2: true },
  };
  const application = { Organizations: orgs, Policies: standard, Capabilities: { V1_4_2: true } };
  const channel = { Policies: standard, Capabilities: { V1_4_3: true } };
  return {
    Organizations: [ordererOrg, ...orgs],
    Profiles: {
      [GENESIS_PROFILE]: { ...channel, Orderer: orderer, Consortiums: { [CONSORTIUM]: { Organizations: orgs } } },
      [CHANNEL_PROFILE]: { ...channel, Consortium: CONSORTIUM, Application: application },
    },
  };
}
