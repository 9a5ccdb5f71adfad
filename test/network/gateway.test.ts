/**
 * The embedded network against the real @hyperledger/fabric-gateway client: endorse / submit /
 * commit status / evaluate, MVCC and phantom conflicts, policies, chaincode errors, batching, events,
 * metrics and the conflicts endpoint.
 */
import { EndorseError, type Network, StatusCode } from '@hyperledger/fabric-gateway';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protos from '@hyperledger/fabric-protos';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { conflictMark, conflictsSince } from '../../src/network/conflicts.ts';
import { createCa, issueCert } from '../../src/network/embedded/identities.ts';
import type { ConnectionFile } from '../../src/network/embedded/network.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';
import { type Connected, chaincodePath, connectGateway, readConnection, removeTempDirs, text, writeNetworkFile } from './helpers.ts';

const BATCH_TIMEOUT_MS = 300;

describe('embedded network, two organizations, signatures on', () => {
  let handle: NetworkHandle;
  let conn: ConnectionFile;
  let org1: Connected;
  let org2: Connected;
  let network: Network;

  beforeAll(async () => {
    const file = writeNetworkFile(`
type: embedded
name: gateway-test
verifySignatures: true
organizations:
  - { mspId: Org1MSP, users: 2 }
  - { mspId: Org2MSP, users: 2 }
orderer:
  batchSize: { maxMessageCount: 10 }
  batchTimeout: ${BATCH_TIMEOUT_MS}ms
channels:
  - name: mychannel
    chaincodes:
      - { name: simple, path: ${chaincodePath('simple')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')" }
      - { name: counter, path: ${chaincodePath('counter')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')" }
      - { name: counter-both, path: ${chaincodePath('counter')}, endorsementPolicy: "AND('Org1MSP.peer','Org2MSP.peer')" }
      - { name: asset-transfer, path: ${chaincodePath('asset-transfer')}, endorsementPolicy: "OR('Org1MSP.member','Org2MSP.member')" }
      - { name: kv-shim, path: ${chaincodePath('kv-shim')} }
      - { name: waetcc, path: ${chaincodePath('waetcc')}, endorsementPolicy: "OR('Org1MSP.peer')" }
      - { name: dice, path: ${resolve(import.meta.dirname, 'fixtures/nondeterministic.cjs')}, endorsementPolicy: "AND('Org1MSP.peer','Org2MSP.peer')" }
`);
    handle = await startNetwork(file);
    conn = readConnection(handle.ref.file!);
    org1 = connectGateway(conn, { peer: 0, identity: 0 });
    org2 = connectGateway(conn, { peer: 1, identity: 2 });
    network = org1.gateway.getNetwork('mychannel');
  });

  afterAll(async () => {
    org1?.close();
    org2?.close();
    await handle?.stop();
    removeTempDirs();
  });

  test('the connection file lists peers, identities and chaincodes', () => {
    expect(conn.kind).toBe('ledgerbench-connection');
    expect(conn.channel).toBe('mychannel');
    expect(conn.peers.map((p) => [p.name, p.mspId])).toEqual([
      ['peer0.org1.example.com', 'Org1MSP'],
      ['peer0.org2.example.com', 'Org2MSP'],
    ]);
    expect(conn.peers[0].endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(conn.identities.map((i) => i.name)).toEqual(['User1@org1.example.com', 'User2@org1.example.com', 'User1@org2.example.com', 'User2@org2.example.com']);
    expect(conn.chaincodes).toContainEqual({ name: 'simple', channel: 'mychannel' });
    expect(handle.ref.operationsUrl).toBe(conn.operationsUrl);
  });

  test('submits commit, state equals what valid transactions wrote', async () => {
    const simple = network.getContract('simple');
    await simple.submitTransaction('open', 'alice', '100');
    await Promise.all([simple.submitTransaction('open', 'bob', '50'), simple.submitTransaction('open', 'carol', '0')]);
    await simple.submitTransaction('transfer', 'alice', 'bob', '30');
    await simple.submitTransaction('transfer', 'bob', 'carol', '80');
    // Read through the other organization's gateway: one ledger, committed state.
    const other = org2.gateway.getNetwork('mychannel').getContract('simple');
    expect(text(await other.evaluateTransaction('query', 'alice'))).toBe('70');
    expect(text(await other.evaluateTransaction('query', 'bob'))).toBe('0');
    expect(text(await other.evaluateTransaction('query', 'carol'))).toBe('80');
    await simple.submitTransaction('delete', 'carol');
    await expect(simple.evaluateTransaction('query', 'carol')).rejects.toThrow(/account carol does not exist/);
  });

  test('a result comes back from submit, the status names the block', async () => {
    const counter = network.getContract('counter');
    const commit = await counter.submitAsync('increment', { arguments: ['results'] });
    expect(text(commit.getResult())).toBe('1');
    const status = await commit.getStatus();
    expect(status.successful).toBe(true);
    expect(status.code).toBe(StatusCode.VALID);
    expect(status.blockNumber).toBeGreaterThan(0n);
  });

  test('two increments in one block: exactly one MVCC_READ_CONFLICT, and the conflicts endpoint names the key', async () => {
    const mark = await conflictMark(handle.ref.operationsUrl!);
    const counter = network.getContract('counter');
    // Endorse both against the same committed state, then order them into the same block.
    const a = await counter.newProposal('increment', { arguments: ['hot'] }).endorse();
    const b = await counter.newProposal('increment', { arguments: ['hot'] }).endorse();
    const [ca, cb] = await Promise.all([a.submit(), b.submit()]);
    const [sa, sb] = await Promise.all([ca.getStatus(), cb.getStatus()]);
    expect(sa.blockNumber).toBe(sb.blockNumber);
    expect([sa.code, sb.code].sort()).toEqual([StatusCode.VALID, StatusCode.MVCC_READ_CONFLICT].sort());
    expect(text(await counter.evaluateTransaction('read', 'hot'))).toBe('1');

    const report = await conflictsSince(handle.ref.operationsUrl!, mark);
    expect(report.source).toBe('embedded-validator');
    expect(report.byCode).toEqual({ MVCC_READ_CONFLICT: 1 });
    expect(report.hotKeys).toEqual([{ key: 'counter/hot', count: 1, readers: ['counter:increment'], writers: ['counter:increment'] }]);
  });

  test('a range read that changes before commit is a PHANTOM_READ_CONFLICT', async () => {
    const counter = network.getContract('counter');
    await counter.submitTransaction('increment', 'ph-a');
    const count = await counter.newProposal('countRange', { arguments: ['ph-', 'ph-total'] }).endorse();
    expect(text(count.getResult())).toBe('1');
    const insert = await counter.newProposal('increment', { arguments: ['ph-b'] }).endorse();
    const ci = await insert.submit();
    const cc = await count.submit();
    expect((await ci.getStatus()).code).toBe(StatusCode.VALID);
    expect((await cc.getStatus()).code).toBe(StatusCode.PHANTOM_READ_CONFLICT);
    // Re-run after the insert committed: now consistent.
    expect(text(await counter.submitTransaction('countRange', 'ph-', 'ph-total'))).toBe('2');
  });

  test('an AND policy is endorsed by both organizations; one endorser is not enough', async () => {
    const both = network.getContract('counter-both');
    const tx = await both.newProposal('increment', { arguments: ['and'] }).endorse();
    const status = await (await tx.submit()).getStatus();
    expect(status.code).toBe(StatusCode.VALID);

    const only1 = await both.newProposal('increment', { arguments: ['and'], endorsingOrganizations: ['Org1MSP'] }).endorse();
    expect((await (await only1.submit()).getStatus()).code).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    expect(text(await both.evaluateTransaction('read', 'and'))).toBe('1');
  });

  test('a chaincode error reaches the client as EndorseError with its message', async () => {
    const counter = network.getContract('counter');
    const err = await counter.submitTransaction('fail', 'boom: no more coffee').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EndorseError);
    const e = err as EndorseError;
    expect(e.code).toBe(10); // ABORTED, as Fabric's gateway
    expect(e.message).toContain('boom: no more coffee');
    expect(e.details[0]).toMatchObject({ mspId: 'Org1MSP', message: expect.stringContaining('boom: no more coffee') });
  });

  test('an unknown function is a clear error', async () => {
    await expect(network.getContract('counter').submitTransaction('nope')).rejects.toThrow(/function that does not exist: nope/);
    await expect(network.getContract('counter').evaluateTransaction('read', 'a', 'b')).rejects.toThrow(/Expected 1 parameters, but 2 have been supplied/);
    await expect(network.getContract('missing-cc').evaluateTransaction('x')).rejects.toThrow(/chaincode missing-cc not found on channel mychannel/);
  });

  test('a certificate from a foreign CA is rejected', async () => {
    const ca = await createCa('ca.evil.example.com', 'evil.example.com');
    const user = await issueCert(ca, { commonName: 'Mallory', ou: 'client', organization: 'evil.example.com' });
    const mallory = connectGateway(conn, { certPem: user.certPem, keyPem: user.keyPem, mspId: 'Org1MSP' });
    try {
      await expect(mallory.gateway.getNetwork('mychannel').getContract('simple').submitTransaction('open', 'm', '1')).rejects.toThrow(
        /creator certificate not issued by Org1MSP's CA/,
      );
      await expect(mallory.gateway.getNetwork('mychannel').getContract('simple').evaluateTransaction('query', 'alice')).rejects.toThrow(/not issued by Org1MSP's CA/);
    } finally {
      mallory.close();
    }
  });

  test('one transaction under light load waits about BatchTimeout for its block', async () => {
    const counter = network.getContract('counter');
    const tx = await counter.newProposal('increment', { arguments: ['lonely'] }).endorse();
    const t0 = performance.now();
    const commit = await tx.submit();
    await commit.getStatus();
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(BATCH_TIMEOUT_MS - 50);
  });

  test('blocks are cut at MaxMessageCount', async () => {
    const simple = network.getContract('simple');
    const proposals = await Promise.all(Array.from({ length: 25 }, (_, i) => simple.newProposal('open', { arguments: [`cut${i}`, '1'] }).endorse()));
    const commits = [];
    for (const p of proposals) commits.push(await p.submit());
    const statuses = await Promise.all(commits.map((c) => c.getStatus()));
    const perBlock = new Map<bigint, number>();
    for (const s of statuses) {
      expect(s.code).toBe(StatusCode.VALID);
      perBlock.set(s.blockNumber, (perBlock.get(s.blockNumber) ?? 0) + 1);
    }
    const sizes = [...perBlock.values()];
    expect(Math.max(...sizes)).toBe(10);
    expect(sizes.filter((n) => n === 10).length).toBeGreaterThanOrEqual(2);
  });

  test('chaincode events of committed transactions stream from a start block', async () => {
    const assets = network.getContract('asset-transfer');
    const commit = await assets.submitAsync('CreateAsset', { arguments: ['asset1', 'blue', '5', 'Tom', '300'] });
    const { blockNumber } = await commit.getStatus();
    await assets.submitTransaction('TransferAsset', 'asset1', 'Jerry');
    const events = await network.getChaincodeEvents('asset-transfer', { startBlock: blockNumber });
    try {
      const seen = [];
      for await (const ev of events) {
        seen.push(ev);
        if (seen.length === 2) break;
      }
      expect(seen.map((e) => e.eventName)).toEqual(['CreateAsset', 'TransferAsset']);
      expect(seen[0].blockNumber).toBe(blockNumber);
      expect(seen[0].transactionId).toBe(commit.getTransactionId());
      expect(JSON.parse(text(seen[1].payload))).toMatchObject({ ID: 'asset1', Owner: 'Jerry' });
    } finally {
      events.close();
    }
    expect(JSON.parse(text(await assets.evaluateTransaction('GetAllAssets')))).toEqual([{ ID: 'asset1', Color: 'blue', Size: 5, Owner: 'Jerry', AppraisedValue: 300 }]);
    const history = JSON.parse(text(await assets.evaluateTransaction('GetAssetHistory', 'asset1')));
    expect(history.map((h: { value: { Owner: string } }) => h.value.Owner)).toEqual(['Jerry', 'Tom']);
  });

  test('a low-level shim chaincode runs, and invokeChaincode joins the same read/write set', async () => {
    const kv = network.getContract('kv-shim');
    expect(text(await kv.submitTransaction('put', 'k1', 'v1'))).toBe('OK');
    expect(text(await kv.evaluateTransaction('get', 'k1'))).toBe('v1');
    await expect(kv.evaluateTransaction('get', 'nothing')).rejects.toThrow(/key nothing not found/);
    expect(text(await kv.submitTransaction('callCounter', 'via-shim'))).toBe('1');
    expect(text(await network.getContract('counter').evaluateTransaction('read', 'via-shim'))).toBe('1');
  });

  test('the seed chaincode writes its batch of keys', async () => {
    const waetcc = network.getContract('waetcc');
    expect(text(await waetcc.submitTransaction('batch', 'acc', '10', '5'))).toBe('5');
    expect(text(await waetcc.evaluateTransaction('get', 'acc14'))).toBe('acc14');
  });

  test('endorsing peers that disagree fail the endorsement as nondeterministic', async () => {
    await expect(network.getContract('dice').submitTransaction('roll')).rejects.toThrow(/nondeterministic chaincode dice/);
  });

  test('a transaction submitted twice commits once; the second copy is DUPLICATE_TXID', async () => {
    const mark = await conflictMark(handle.ref.operationsUrl!);
    const tx = await network.getContract('counter').newProposal('increment', { arguments: ['dup'] }).endorse();
    const first = await tx.submit();
    const second = await tx.submit();
    expect((await first.getStatus()).code).toBe(StatusCode.VALID);
    expect((await second.getStatus()).code).toBe(StatusCode.VALID); // the committed status of that tx id
    await tx.submit(); // once more, after commit
    await new Promise((r) => setTimeout(r, BATCH_TIMEOUT_MS + 200));
    expect((await conflictsSince(handle.ref.operationsUrl!, mark)).byCode).toEqual({ DUPLICATE_TXID: 2 });
    expect(text(await network.getContract('counter').evaluateTransaction('read', 'dup'))).toBe('1');
  });

  test('a proposal whose transaction id is not sha256(nonce + creator) is refused', async () => {
    const proposal = network.getContract('counter').newProposal('read', { arguments: ['x'] });
    const ptx = protos.gateway.ProposedTransaction.deserializeBinary(proposal.getBytes());
    const signed = ptx.getProposal()!;
    const p = protos.peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
    const header = protos.common.Header.deserializeBinary(p.getHeader_asU8());
    const ch = protos.common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    ch.setTxId('f'.repeat(64));
    header.setChannelHeader(ch.serializeBinary());
    p.setHeader(header.serializeBinary());
    signed.setProposalBytes(p.serializeBinary());
    ptx.setTransactionId('f'.repeat(64));
    await expect(org1.gateway.newProposal(ptx.serializeBinary()).evaluate()).rejects.toThrow(/invalid transaction id/);
  });

  test('malformed Endorse, Submit and CommitStatus requests are INVALID_ARGUMENT, not INTERNAL', async () => {
    const client = new grpc.Client(conn.peers[0].endpoint, grpc.credentials.createInsecure());
    const raw = (b: Buffer) => b;
    const call = (method: string) =>
      new Promise<grpc.ServiceError | null>((done) =>
        // Field 3 (length-delimited) claims 9 bytes and carries 1: truncated on the wire.
        client.makeUnaryRequest(`/gateway.Gateway/${method}`, raw, raw, Buffer.from([0x1a, 0x09, 1]), { deadline: Date.now() + 5000 }, (err) => done(err)),
      );
    try {
      for (const method of ['Endorse', 'Submit', 'CommitStatus']) {
        const err = await call(method);
        expect(err?.code, method).toBe(grpc.status.INVALID_ARGUMENT);
        expect(err?.details, method).toMatch(/malformed/);
      }
    } finally {
      client.close();
    }
  });

  test('metrics carry Fabric names', async () => {
    const body = await (await fetch(`${handle.ref.operationsUrl}/metrics`)).text();
    expect(handle.metricsUrls).toEqual([{ url: `${handle.ref.operationsUrl}/metrics`, name: 'embedded-network:gateway-test' }]);
    for (const name of [
      'endorser_proposals_received',
      'endorser_successful_proposals',
      'endorser_proposal_duration_bucket',
      'broadcast_processed_count',
      'ledger_blockchain_height',
      'ledger_block_processing_time_bucket',
      'process_cpu_user_seconds_total',
    ]) {
      expect(body).toContain(name);
    }
    expect(body).toMatch(/ledger_transaction_count\{channel="mychannel",validation_code="MVCC_READ_CONFLICT"\} [1-9]/);
    expect(body).toMatch(/ledger_transaction_count\{channel="mychannel",validation_code="VALID"\} \d+/);
    // Per-chaincode and per-status series, as Fabric labels them.
    expect(body).toMatch(/endorser_proposals_received\{channel="mychannel",chaincode="counter"\} [1-9]/);
    expect(body).toMatch(/endorser_successful_proposals\{channel="mychannel",chaincode="counter"\} [1-9]/);
    expect(body).toMatch(/endorser_proposal_duration_count\{channel="mychannel",chaincode="counter",success="true"\} [1-9]/);
    expect(body).toMatch(/broadcast_processed_count\{channel="mychannel",status="SUCCESS"\} [1-9]/);
  });
});

