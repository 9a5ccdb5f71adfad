/** The hand-written protobuf encoding equals google-protobuf's, byte for byte. */
import * as protos from '@hyperledger/fabric-protos';
import { describe, expect, test } from 'vitest';
import { buildEnvelope, encodeRwset } from '../../src/network/embedded/endorser.ts';
import { packVersion } from '../../src/network/embedded/ledger.ts';
import { PbWriter } from '../../src/network/embedded/pb.ts';
import { Simulation } from '../../src/network/embedded/stub.ts';

const kv = protos.ledger.rwset.kvrwset;

function read(key: string, block?: number, tx?: number) {
  const r = new kv.KVRead();
  r.setKey(key);
  if (block !== undefined) {
    const v = new kv.Version();
    v.setBlockNum(block);
    v.setTxNum(tx ?? 0);
    r.setVersion(v);
  }
  return r;
}

describe('PbWriter', () => {
  test('varints beyond 32 bits and skipped defaults', () => {
    const v = new kv.Version();
    v.setBlockNum(2 ** 40 + 5);
    v.setTxNum(0);
    expect(new PbWriter().uint(1, 2 ** 40 + 5).uint(2, 0).finish()).toEqual(Buffer.from(v.serializeBinary()));
  });

  test('a read/write set with reads, range queries, writes and deletes', () => {
    const sim = new Simulation();
    sim.recordRead('cc', 'b', packVersion(3, 1));
    sim.recordRead('cc', 'a', 0);
    sim.recordRead('other', 'x', packVersion(7, 0));
    sim.recordWrite('cc', 'z', Buffer.from('zz'));
    sim.recordWrite('cc', 'd', null);
    sim.recordWrite('cc', 'empty', Buffer.alloc(0));
    sim.ranges.push({ ns: 'cc', start: 'a', end: 'm', exhausted: true, reads: [['b', packVersion(3, 1)]] });

    const ccSet = new kv.KVRWSet();
    ccSet.setReadsList([read('a'), read('b', 3, 1)]);
    const info = new kv.RangeQueryInfo();
    info.setStartKey('a');
    info.setEndKey('m');
    info.setItrExhausted(true);
    const raw = new kv.QueryReads();
    raw.setKvReadsList([read('b', 3, 1)]);
    info.setRawReads(raw);
    ccSet.setRangeQueriesInfoList([info]);
    const w = (key: string, value: Buffer | null) => {
      const x = new kv.KVWrite();
      x.setKey(key);
      if (value === null) x.setIsDelete(true);
      else x.setValue(value);
      return x;
    };
    ccSet.setWritesList([w('d', null), w('empty', Buffer.alloc(0)), w('z', Buffer.from('zz'))]);
    const otherSet = new kv.KVRWSet();
    otherSet.setReadsList([read('x', 7, 0)]);
    const ns = (name: string, set: InstanceType<typeof kv.KVRWSet>) => {
      const n = new protos.ledger.rwset.NsReadWriteSet();
      n.setNamespace(name);
      n.setRwset(set.serializeBinary());
      return n;
    };
    const txrw = new protos.ledger.rwset.TxReadWriteSet();
    txrw.setDataModel(protos.ledger.rwset.TxReadWriteSet.DataModel.KV);
    txrw.setNsRwsetList([ns('cc', ccSet), ns('other', otherSet)]);
    expect(Buffer.from(encodeRwset(sim))).toEqual(Buffer.from(txrw.serializeBinary()));
  });

  test('the envelope decodes with google-protobuf into the same parts', () => {
    const prop = {
      channelHeaderBytes: Buffer.from('channel-header'),
      signatureHeaderBytes: Buffer.from('signature-header'),
      payloadBytes: Buffer.from('ccpp'),
      transient: new Map(),
    } as unknown as Parameters<typeof buildEnvelope>[0];
    const { envelope, payload } = buildEnvelope(prop, Buffer.from('prp'), [{ endorser: Buffer.from('peer'), signature: Buffer.from('sig') }]);
    const env = protos.common.Envelope.deserializeBinary(envelope);
    expect(Buffer.from(env.getPayload_asU8())).toEqual(payload);
    const p = protos.common.Payload.deserializeBinary(payload);
    expect(Buffer.from(p.getHeader()!.getChannelHeader_asU8()).toString()).toBe('channel-header');
    const tx = protos.peer.Transaction.deserializeBinary(p.getData_asU8());
    const action = tx.getActionsList()[0];
    expect(Buffer.from(action.getHeader_asU8()).toString()).toBe('signature-header');
    const cap = protos.peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    expect(Buffer.from(cap.getChaincodeProposalPayload_asU8()).toString()).toBe('ccpp');
    const endorsed = cap.getAction()!;
    expect(Buffer.from(endorsed.getProposalResponsePayload_asU8()).toString()).toBe('prp');
    expect(Buffer.from(endorsed.getEndorsementsList()[0].getSignature_asU8()).toString()).toBe('sig');
  });
});

describe('low-S signatures', () => {
  test('signLowS always yields S <= n/2 and verifies; a high-S twin is refused', async () => {
    const { createCa, issueCert, signLowS, verifySignature, isLowS } = await import('../../src/network/embedded/identities.ts');
    const { X509Certificate } = await import('node:crypto');
    const ca = await createCa('ca', 'o');
    const id = await issueCert(ca, { commonName: 'u', ou: 'client', organization: 'o' });
    const pub = new X509Certificate(id.certPem).publicKey;
    const data = Buffer.from('payload');
    for (let i = 0; i < 20; i++) {
      const sig = signLowS(id.key, data);
      expect(isLowS(sig)).toBe(true);
      expect(verifySignature(pub, data, sig)).toBe(true);
    }
    // Flip S to n - S: still a valid ECDSA signature, but Fabric refuses it.
    const sig = signLowS(id.key, data);
    const rLen = sig[3];
    const s = BigInt(`0x${sig.subarray(4 + rLen + 2).toString('hex')}`);
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    let hex = (n - s).toString(16).padStart(64, '0');
    if (Number.parseInt(hex[0], 16) >= 8) hex = `00${hex}`;
    const sBytes = Buffer.from(hex, 'hex');
    const r = sig.subarray(4, 4 + rLen);
    const body = Buffer.concat([Buffer.from([0x02, rLen]), r, Buffer.from([0x02, sBytes.length]), sBytes]);
    const high = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    expect(isLowS(high)).toBe(false);
    expect(verifySignature(pub, data, high)).toBe(false);
  });
});

describe('decodeProposal', () => {
  test('reads what google-protobuf wrote, transient data included', async () => {
    const { decodeProposal } = await import('../../src/network/embedded/endorser.ts');
    const id = new protos.peer.ChaincodeID();
    id.setName('cc');
    const ext = new protos.peer.ChaincodeHeaderExtension();
    ext.setChaincodeId(id);
    const ch = new protos.common.ChannelHeader();
    ch.setType(protos.common.HeaderType.ENDORSER_TRANSACTION);
    ch.setTxId('abc');
    ch.setChannelId('mychannel');
    ch.setExtension$(ext.serializeBinary());
    // Encoded messages concatenate into one (protobuf merge): add the timestamp field (3) by hand.
    const chBytes = Buffer.concat([ch.serializeBinary(), new PbWriter().message(3, new PbWriter().uint(1, 1_700_000_123).uint(2, 42).finish()).finish()]);
    const sh = new protos.common.SignatureHeader();
    sh.setCreator(Buffer.from('creator'));
    sh.setNonce(Buffer.from('nonce'));
    const header = new protos.common.Header();
    header.setChannelHeader(chBytes);
    header.setSignatureHeader(sh.serializeBinary());
    const input = new protos.peer.ChaincodeInput();
    input.setArgsList([Buffer.from('fn'), Buffer.from(''), Buffer.from('x')]);
    const spec = new protos.peer.ChaincodeSpec();
    spec.setInput(input);
    const cis = new protos.peer.ChaincodeInvocationSpec();
    cis.setChaincodeSpec(spec);
    const ccpp = new protos.peer.ChaincodeProposalPayload();
    ccpp.setInput(cis.serializeBinary());
    ccpp.getTransientmapMap().set('secret', Buffer.from('s3'));
    const proposal = new protos.peer.Proposal();
    proposal.setHeader(header.serializeBinary());
    proposal.setPayload(ccpp.serializeBinary());
    const d = decodeProposal({ proposalBytes: proposal.serializeBinary(), signature: Buffer.from('sig') });
    expect(d).toMatchObject({ txId: 'abc', channel: 'mychannel', chaincode: 'cc', fn: 'fn', headerType: 3, timestamp: { seconds: 1_700_000_123, nanos: 42 } });
    expect(d.args.map(String)).toEqual(['fn', '', 'x']);
    expect(Buffer.from(d.creatorBytes).toString()).toBe('creator');
    expect(Buffer.from(d.nonce).toString()).toBe('nonce');
    expect(d.transient.get('secret')?.toString()).toBe('s3');
    expect(Buffer.from(d.signature).toString()).toBe('sig');
    expect(() => decodeProposal({ proposalBytes: Uint8Array.of(0x0a, 0x05, 1), signature: new Uint8Array(0) })).toThrow(/malformed proposal/);
  });
});

describe('gateway wire codecs', () => {
  test('EndorseRequest: the signed proposal and the endorsing organizations, as google-protobuf wrote them', async () => {
    const { decodeEndorseRequest } = await import('../../src/network/embedded/gateway.ts');
    const signed = new protos.peer.SignedProposal();
    signed.setProposalBytes(Buffer.from('proposal'));
    signed.setSignature(Buffer.from('sig'));
    const req = new protos.gateway.EndorseRequest();
    req.setTransactionId('tx1');
    req.setChannelId('mychannel');
    req.setProposedTransaction(signed);
    req.setEndorsingOrganizationsList(['Org1MSP', 'Org2MSP']);
    const d = decodeEndorseRequest(req.serializeBinary());
    expect(d.malformed).toBeUndefined();
    expect(d.channelId).toBe('mychannel');
    expect(d.endorsingOrgs).toEqual(['Org1MSP', 'Org2MSP']);
    expect(Buffer.from(d.signed!.proposalBytes).toString()).toBe('proposal');
    expect(Buffer.from(d.signed!.signature).toString()).toBe('sig');
    // Without a proposal, and truncated: reported, never thrown (grpc-js would answer INTERNAL).
    expect(decodeEndorseRequest(new protos.gateway.EndorseRequest().serializeBinary()).signed).toBeUndefined();
    expect(decodeEndorseRequest(Uint8Array.of(0x1a, 0x09, 1)).malformed).toMatch(/truncated/);
  });

  test('SubmitRequest: tx id, channel, envelope payload and signature', async () => {
    const { decodeSubmitRequest } = await import('../../src/network/embedded/gateway.ts');
    const env = new protos.common.Envelope();
    env.setPayload(Buffer.from('payload'));
    env.setSignature(Buffer.from('signature'));
    const req = new protos.gateway.SubmitRequest();
    req.setTransactionId('tx2');
    req.setChannelId('ch');
    req.setPreparedTransaction(env);
    const d = decodeSubmitRequest(req.serializeBinary());
    expect(d).toMatchObject({ txId: 'tx2', channelId: 'ch' });
    expect(Buffer.from(d.envelope!.payload).toString()).toBe('payload');
    expect(Buffer.from(d.envelope!.signature).toString()).toBe('signature');
    expect(decodeSubmitRequest(new Uint8Array(0)).envelope).toBeUndefined();
    expect(decodeSubmitRequest(Uint8Array.of(0x0a, 0x7f)).malformed).toMatch(/truncated/);
  });

  test('CommitStatus: request read and response written as google-protobuf does', async () => {
    const { decodeCommitStatusRequest, encodeCommitStatusResponse } = await import('../../src/network/embedded/gateway.ts');
    const inner = new protos.gateway.CommitStatusRequest();
    inner.setTransactionId('tx3');
    inner.setChannelId('ch');
    inner.setIdentity(Buffer.from('creator'));
    const signed = new protos.gateway.SignedCommitStatusRequest();
    signed.setRequest(inner.serializeBinary());
    signed.setSignature(Buffer.from('sig'));
    expect(decodeCommitStatusRequest(signed.serializeBinary())).toEqual({ txId: 'tx3', channelId: 'ch' });
    expect(decodeCommitStatusRequest(Uint8Array.of(0x0a, 0x03, 0x0a)).malformed).toMatch(/truncated/);
    for (const [code, blockNumber] of [
      [0, 7],
      [11, 0],
      [0, 2 ** 40 + 3],
    ]) {
      const resp = new protos.gateway.CommitStatusResponse();
      resp.setResult(code as never);
      resp.setBlockNumber(blockNumber);
      expect(Buffer.from(encodeCommitStatusResponse({ code, blockNumber }))).toEqual(Buffer.from(resp.serializeBinary()));
    }
  });
});
