/**
 * An in-process embedded network running the fixed-asset chaincode (rich queries, private data,
 * key-level endorsement), reached with the real fabric-gateway client.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Commit, Contract } from '@hyperledger/fabric-gateway';
import { type EmbeddedNetworkConfig, loadNetworkFile } from '../../src/config/network-file.ts';
import { type RunningNetwork, startEmbeddedNetwork } from '../../src/network/embedded/network.ts';
import { type Connected, chaincodePath, connectGateway, tempDir, writeNetworkFile } from './helpers.ts';

export { chaincodePath };

/** A started network with one gateway per organization. */
export interface FixedAssetNet {
  net: RunningNetwork;
  cfg: EmbeddedNetworkConfig;
  org1: Connected;
  org2: Connected;
  /** The contract of a chaincode of mychannel, as seen through org1's or org2's gateway. */
  contract(name: string, org?: 1 | 2): Contract;
  stop(): Promise<void>;
}

/** Write a collections file into a temp folder; returns its path. */
export function writeCollections(collections: unknown[]): string {
  const file = join(tempDir('lb-collections-'), 'collections_config.json');
  writeFileSync(file, JSON.stringify(collections));
  return file;
}

/**
 * Start a two-organization network (one peer each, signatures verified) with the chaincode entries
 * given as YAML flow mappings under mychannel.
 */
export async function startFixedAssetNet(chaincodeEntries: string[], batchTimeoutMs = 100): Promise<FixedAssetNet> {
  const file = writeNetworkFile(`
type: embedded
name: fixed-asset-test
verifySignatures: true
organizations:
  - { mspId: Org1MSP, users: 1 }
  - { mspId: Org2MSP, users: 1 }
orderer:
  batchSize: { maxMessageCount: 10 }
  batchTimeout: ${batchTimeoutMs}ms
channels:
  - name: mychannel
    chaincodes:
${chaincodeEntries.map((e) => `      - ${e}`).join('\n')}
`);
  const cfg = loadNetworkFile(file) as EmbeddedNetworkConfig;
  const net = await startEmbeddedNetwork(cfg);
  const org1 = connectGateway(net.connection, { peer: 0, identity: 0 });
  const org2 = connectGateway(net.connection, { peer: 1, identity: 1 });
  return {
    net,
    cfg,
    org1,
    org2,
    contract: (name, org = 1) => (org === 1 ? org1 : org2).gateway.getNetwork('mychannel').getContract(name),
    stop: async () => {
      org1.close();
      org2.close();
      await net.stop();
    },
  };
}

/** Endorse now, submit later: the transaction's simulation happens before whatever runs in between. */
export async function endorseOnly(contract: Contract, fn: string, args: string[], opts: { endorsingOrganizations?: string[] } = {}): Promise<() => Promise<Commit>> {
  const tx = await contract.newProposal(fn, { arguments: args, ...opts }).endorse();
  return () => tx.submit();
}
