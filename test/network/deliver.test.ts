/**
 * The embedded network's Deliver service against the unmodified @hyperledger/fabric-gateway client:
 * filtered blocks with transaction ids and validation codes, replay from a start block, event names,
 * refusals, and streams ended when the network stops.
 */
import { type Network, StatusCode } from '@hyperledger/fabric-gateway';
import type * as protos from '@hyperledger/fabric-protos';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCa, issueCert } from '../../src/network/embedded/identities.ts';
import type { ConnectionFile } from '../../src/network/embedded/network.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';
import { type Connected, chaincodePath, connectGateway, readConnection, removeTempDirs, writeNetworkFile } from './helpers.ts';

type FilteredBlock = InstanceType<typeof protos.peer.FilteredBlock>;

const networkFile = (name: string) =>
  writeNetworkFile(`
type: embedded
name: ${name}
verifySignatures: true
organizations:
  - { mspId: Org1MSP, users: 1 }
  - { mspId: Org2MSP, users: 1 }
orderer:
  batchSize: { maxMessageCount: 2 }
  batchTimeout: 200ms
channels:
  - name: mychannel
    chaincodes:
      - { name: counter, path: ${chaincodePath('counter')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')" }
      - { name: asset-transfer, path: ${chaincodePath('asset-transfer')}, endorsementPolicy: "OR('Org1MSP.member','Org2MSP.member')" }
`);

/** Reads blocks from an iterator until `until` says enough (or `timeoutMs` passes). */
async function collect(blocks: AsyncIterable<FilteredBlock>, until: (got: FilteredBlock[]) => boolean, timeoutMs = 5000): Promise<FilteredBlock[]> {
  const got: FilteredBlock[] = [];
  const it = blocks[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (!until(got)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out with ${got.length} blocks`);
    const r = await Promise.race([it.next(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out waiting for a block')), left))]);
    if (r.done) break;
    got.push(r.value);
  }
  return got;
}

const txIds = (blocks: FilteredBlock[]) => blocks.flatMap((b) => b.getFilteredTransactionsList().map((t) => t.getTxid()));

describe('DeliverFiltered on the embedded network', () => {
  let handle: NetworkHandle;
  let conn: ConnectionFile;
  let org1: Connected;
  let network: Network;

  beforeAll(async () => {
    handle = await startNetwork(networkFile('deliver-test'));
    conn = readConnection(handle.ref.file!);
    org1 = connectGateway(conn, { peer: 0, identity: 0 });
    network = org1.gateway.getNetwork('mychannel');
  });

  afterAll(async () => {
    org1?.close();
    await handle?.stop();
    removeTempDirs();
  });

  test('blocks committed after the stream opens carry each transaction id and its validation code', async () => {
    const events = await network.getFilteredBlockEvents();
    try {
      const counter = network.getContract('counter');
      const key = `hot-${process.pid}`;
      // Two increments endorsed against the same version, ordered into one block (maxMessageCount 2):
      // the second is an MVCC conflict.
      const submitted = await Promise.all([1, 2].map(() => counter.submitAsync('increment', { arguments: [key] })));
      const ids = submitted.map((s) => s.getTransactionId());
      const blocks = await collect(events, (got) => ids.every((id) => txIds(got).includes(id)));
      const all = blocks.flatMap((b) => b.getFilteredTransactionsList());
      const codes = ids.map((id) => all.find((t) => t.getTxid() === id)!.getTxValidationCode());
      expect(codes.sort()).toEqual([StatusCode.VALID, StatusCode.MVCC_READ_CONFLICT].sort());
      // What the stream says agrees with CommitStatus.
      for (const [i, s] of submitted.entries()) expect((await s.getStatus()).code).toBe(all.find((t) => t.getTxid() === ids[i])!.getTxValidationCode());
      const block = blocks.find((b) => b.getFilteredTransactionsList().some((t) => t.getTxid() === ids[0]))!;
      expect(block.getChannelId()).toBe('mychannel');
      expect(block.getFilteredTransactionsList()[0].getType()).toBe(3); // ENDORSER_TRANSACTION
    } finally {
      events.close();
    }
  });

  test('a start block replays the past in order, from the genesis block, with event names and no payloads', async () => {
    const asset = network.getContract('asset-transfer');
    const id = `asset-${process.pid}`;
    const tx = await asset.submitAsync('CreateAsset', { arguments: [id, 'blue', '5', 'Tom', '100'] });
    const status = await tx.getStatus();
    const events = await network.getFilteredBlockEvents({ startBlock: 0n });
    try {
      const blocks = await collect(events, (got) => got.length > 0 && got[got.length - 1].getNumber() >= Number(status.blockNumber));
      expect(blocks.map((b) => b.getNumber())).toEqual(Array.from({ length: blocks.length }, (_, i) => i));
      expect(blocks[0].getFilteredTransactionsList().map((t) => t.getType())).toEqual([1]); // CONFIG
      const ft = blocks[Number(status.blockNumber)].getFilteredTransactionsList().find((t) => t.getTxid() === tx.getTransactionId())!;
      const event = ft.getTransactionActions()!.getChaincodeActionsList()[0].getChaincodeEvent()!;
      expect([event.getChaincodeId(), event.getEventName(), event.getTxId(), event.getPayload_asU8().length]).toEqual(['asset-transfer', 'CreateAsset', tx.getTransactionId(), 0]);
    } finally {
      events.close();
    }
  });

  test('full blocks are refused as unimplemented, naming DeliverFiltered', async () => {
    const events = await network.getBlockEvents();
    try {
      await expect(collect(events as unknown as AsyncIterable<FilteredBlock>, (got) => got.length > 0)).rejects.toMatchObject({ code: 12, message: expect.stringContaining('DeliverFiltered') });
    } finally {
      events.close();
    }
  });

  test('a creator from an unknown CA is answered FORBIDDEN', async () => {
    const ca = await createCa('ca.rogue.example.com', 'rogue.example.com');
    const rogue = await issueCert(ca, { commonName: 'User1@org1.example.com', ou: 'client', organization: 'org1.example.com' });
    const c = connectGateway(conn, { certPem: rogue.certPem, keyPem: rogue.keyPem, mspId: 'Org1MSP' });
    try {
      const events = await c.gateway.getNetwork('mychannel').getFilteredBlockEvents();
      await expect(collect(events, (got) => got.length > 0)).rejects.toThrow(/Unexpected status response: 403/);
      events.close();
    } finally {
      c.close();
    }
  });

  test('an unknown channel is answered NOT_FOUND', async () => {
    const events = await org1.gateway.getNetwork('nochannel').getFilteredBlockEvents();
    await expect(collect(events, (got) => got.length > 0)).rejects.toThrow(/Unexpected status response: 404/);
    events.close();
  });
});

test('a stream is ended when the network stops', async () => {
  const h = await startNetwork(networkFile('deliver-stop'));
  const c = connectGateway(readConnection(h.ref.file!), { peer: 0, identity: 0 });
  try {
    const events = await c.gateway.getNetwork('mychannel').getFilteredBlockEvents({ startBlock: 0n });
    const it = events[Symbol.asyncIterator]();
    expect((await it.next()).value.getNumber()).toBe(0);
    // Ended by the server before its connections are cut: the stream completes without a gRPC error
    // (fabric-gateway 1.x then fails mapping the missing block with a plain TypeError), where a cut
    // connection would fail it with CANCELLED or UNAVAILABLE.
    const next = it.next().then(
      () => 'ended',
      (e: { code?: unknown }) => (typeof e.code === 'number' ? `gRPC error ${e.code}` : 'ended'),
    );
    await h.stop();
    await expect(Promise.race([next, new Promise((r) => setTimeout(() => r('hanging'), 3000))])).resolves.toBe('ended');
  } finally {
    c.close();
    removeTempDirs();
  }
});
