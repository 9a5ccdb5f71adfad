/**
 * Endorsement: decode a signed proposal, simulate the chaincode on each endorsing peer against
 * committed state, and build what Fabric builds from it: ProposalResponsePayload (with the
 * read/write set in a ChaincodeAction), peer-signed endorsements, and the transaction envelope the
 * client signs and submits.
 */
import { createHash } from 'node:crypto';
import * as protos from '@hyperledger/fabric-protos';
import type { EmbeddedChaincode, SignaturePolicy } from '../../config/network-file.ts';
import type { ShimChaincode } from './chaincode.ts';
import type { IssuedIdentity, KnownIdentity } from './identities.ts';
import { signLowS } from './identities.ts';
import { type ChannelLedger, unpackVersion } from './ledger.ts';
import { PbWriter, pbBytes, pbNumber, pbRepeated, pbString, readFields } from './pb.ts';
import { splitHashedNs } from './private-data.ts';
import type { CollectionConfig } from './private-data-collections.ts';
import { type ChaincodeIndexes, readChaincodeIndexes } from './rich-query-indexes.ts';
import { type ChaincodeResponse, EmbeddedStub, Simulation, type TxContext } from './stub.ts';

const { common, peer } = protos;

/** A peer of the embedded network. */
export interface Peer {
  name: string;
  mspId: string;
  identity: IssuedIdentity;
  /** msp.SerializedIdentity bytes of its certificate. */
  serialized: Uint8Array;
}

/** A chaincode deployed on a channel. */
export interface DeployedChaincode {
  name: string;
  policy: SignaturePolicy;
  policyText: string;
  impl: ShimChaincode;
  /** CouchDB indexes of its package (META-INF/statedb/couchdb), for rich queries that sort. */
  indexes?: ChaincodeIndexes;
  /** Its private data collections by name. */
  collections?: Map<string, CollectionConfig>;
}

/**
 * A chaincode as a channel runs it: its definition from the network file, its loaded code, and the
 * index files of its package (read and validated now, as a peer does at install; throws ConfigError).
 */
export function deployChaincode(cc: EmbeddedChaincode, impl: ShimChaincode): DeployedChaincode {
  return {
    name: cc.name,
    policy: cc.policy,
    policyText: cc.endorsementPolicy,
    impl,
    indexes: readChaincodeIndexes(cc.path),
    collections: new Map(cc.collections.map((c) => [c.name, c])),
  };
}

/** A proposal decoded once, with everything later steps need. */
export interface DecodedProposal {
  txId: string;
  channel: string;
  chaincode: string;
  args: Buffer[];
  /** Transaction function name (first argument), for conflict reports. */
  fn: string;
  headerType: number;
  channelHeaderBytes: Uint8Array;
  signatureHeaderBytes: Uint8Array;
  /** ChaincodeProposalPayload bytes as sent (may carry transient data). */
  payloadBytes: Uint8Array;
  creatorBytes: Uint8Array;
  nonce: Uint8Array;
  timestamp: { seconds: number; nanos: number };
  transient: Map<string, Buffer>;
  proposalBytes: Uint8Array;
  signature: Uint8Array;
}

/** An endorsement failure with the gRPC status and per-endorser details the real gateway returns. */
export class EndorseFailure extends Error {
  readonly grpcCode: number;
  readonly details: Array<{ address: string; mspId: string; message: string }>;

  constructor(grpcCode: number, message: string, details: Array<{ address: string; mspId: string; message: string }> = []) {
    super(message);
    this.grpcCode = grpcCode;
    this.details = details;
  }
}

/** peer.SignedProposal's two fields, as read straight off the wire. */
export interface SignedProposalBytes {
  proposalBytes: Uint8Array;
  signature: Uint8Array;
}

/**
 * Decode a SignedProposal (read with pb.ts: this runs for every proposal, and google-protobuf's
 * objects cost several times more); throws EndorseFailure(INVALID_ARGUMENT) when it is malformed.
 * Field numbers: Proposal{1 header, 2 payload}, Header{1 channel_header, 2 signature_header},
 * ChannelHeader{1 type, 3 timestamp{1 seconds, 2 nanos}, 4 channel_id, 5 tx_id, 7 extension},
 * SignatureHeader{1 creator, 2 nonce}, ChaincodeHeaderExtension{2 chaincode_id{2 name}},
 * ChaincodeProposalPayload{1 input, 2 transient map}, ChaincodeInvocationSpec{1 spec{3 input{1 args}}}.
 */
export function decodeProposal(signed: SignedProposalBytes): DecodedProposal {
  try {
    const proposalBytes = signed.proposalBytes;
    const proposal = readFields(proposalBytes);
    const header = readFields(pbBytes(proposal, 1));
    const channelHeaderBytes = pbBytes(header, 1);
    const signatureHeaderBytes = pbBytes(header, 2);
    const ch = readFields(channelHeaderBytes);
    const sh = readFields(signatureHeaderBytes);
    const ts = readFields(pbBytes(ch, 3));
    const ext = readFields(pbBytes(ch, 7));
    const payloadBytes = pbBytes(proposal, 2);
    const ccpp = readFields(payloadBytes);
    const transient = new Map<string, Buffer>();
    for (const entry of pbRepeated(ccpp, 2)) {
      const kv = readFields(entry);
      transient.set(pbString(kv, 1), Buffer.from(pbBytes(kv, 2)));
    }
    const spec = readFields(pbBytes(readFields(pbBytes(ccpp, 1)), 1));
    const args = pbRepeated(readFields(pbBytes(spec, 3)), 1).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    return {
      txId: pbString(ch, 5),
      channel: pbString(ch, 4),
      chaincode: pbString(readFields(pbBytes(ext, 2)), 2),
      args,
      fn: args[0]?.toString() ?? '',
      headerType: pbNumber(ch, 1),
      channelHeaderBytes,
      signatureHeaderBytes,
      payloadBytes,
      creatorBytes: pbBytes(sh, 1),
      nonce: pbBytes(sh, 2),
      timestamp: { seconds: pbNumber(ts, 1), nanos: pbNumber(ts, 2) },
      transient,
      proposalBytes,
      signature: signed.signature,
    };
  } catch (err) {
    throw new EndorseFailure(3, `malformed proposal: ${(err as Error).message}`);
  }
}

/** Fabric's transaction id: hex sha256 over nonce and serialized creator. */
export function computeTxId(nonce: Uint8Array, creator: Uint8Array): string {
  return createHash('sha256').update(nonce).update(creator).digest('hex');
}

/** What a chaincode run produced. */
export interface SimulationResult {
  response: ChaincodeResponse;
  sim: Simulation;
}

/** Everything a channel offers the endorser. */
export interface ChannelView {
  name: string;
  ledger: ChannelLedger;
  chaincodes: Map<string, DeployedChaincode>;
}

/** Run a chaincode for a proposal on one peer, against committed state. Never throws for chaincode errors. */
export async function simulate(
  channel: ChannelView,
  cc: DeployedChaincode,
  prop: DecodedProposal,
  creator: KnownIdentity,
  peerMspId: string,
  readOnly: boolean,
): Promise<SimulationResult> {
  const sim = new Simulation();
  let signedProposal: unknown;
  const ctx: TxContext = {
    channel: channel.name,
    txId: prop.txId,
    creator: { mspid: creator.mspId, idBytes: Buffer.from(creator.certPem) },
    creatorBytes: prop.creatorBytes,
    nonce: prop.nonce,
    timestamp: prop.timestamp,
    transient: prop.transient,
    signedProposal: () => {
      signedProposal ??= shimSignedProposal(prop);
      return signedProposal;
    },
    peerMspId,
    ledger: channel.ledger,
    sim,
    readOnly,
    definition: (ns) => channel.chaincodes.get(ns),
    invoke: (c, name, args) => {
      const target = channel.chaincodes.get(name);
      if (!target) return Promise.resolve({ status: 500, message: `chaincode ${name} is not deployed on channel ${channel.name}` });
      return runInvoke(target, new EmbeddedStub(c, name, args));
    },
  };
  const response = await runInvoke(cc, new EmbeddedStub(ctx, cc.name, prop.args));
  if (!readOnly && response.status < 400) {
    const undistributable = disseminationProblem(channel, sim, peerMspId, prop.txId);
    if (undistributable) return { response: { status: 500, message: undistributable }, sim };
  }
  return { response, sim };
}

/**
 * The endorsing peer hands private values to requiredPeerCount other member peers before it endorses;
 * with fewer of them in the network, Fabric's endorsement fails. Undefined when every collection can.
 */
function disseminationProblem(channel: ChannelView, sim: Simulation, peerMspId: string, txId: string): string | undefined {
  for (const p of sim.pvt.values()) {
    const c = channel.chaincodes.get(p.ns)?.collections?.get(p.collection);
    if (!c) continue;
    const eligible = c.memberPeers - (c.members.has(peerMspId) ? 1 : 0);
    if (c.requiredPeerCount > eligible) {
      return `failed to distribute private collection, txID ${txId}, channel ${channel.name}: required to disseminate to at least ${c.requiredPeerCount} peers of collection ${c.name} (members ${[...c.members].join(', ')}), but know of only ${eligible} eligible peers`;
    }
  }
  return undefined;
}

async function runInvoke(cc: DeployedChaincode, stub: EmbeddedStub): Promise<ChaincodeResponse> {
  try {
    const r = await cc.impl.Invoke(stub);
    if (!r || typeof r.status !== 'number') return { status: 500, message: `chaincode ${cc.name} returned no response` };
    return r;
  } catch (err) {
    return { status: 500, message: err instanceof Error ? err.message : String(err) };
  }
}

function shimSignedProposal(prop: DecodedProposal): unknown {
  const ch = common.ChannelHeader.deserializeBinary(prop.channelHeaderBytes);
  const creator = protos.msp.SerializedIdentity.deserializeBinary(prop.creatorBytes);
  return {
    signature: prop.signature,
    proposal: {
      header: { signatureHeader: { nonce: prop.nonce, creator_u8: prop.creatorBytes, creator }, channelHeader: ch },
      payload: peer.ChaincodeProposalPayload.deserializeBinary(prop.payloadBytes),
    },
  };
}

/**
 * Encode a simulation's read/write set as Fabric's TxReadWriteSet (keys sorted, as the peer does).
 * Private data appears only as hashes, in each namespace's collection_hashed_rwset; the private
 * write set itself is only hashed into pvt_rwset_hash.
 */
export function encodeRwset(sim: Simulation): Uint8Array {
  const all = new Set<string>([...sim.reads.keys(), ...sim.writes.keys(), ...sim.meta.keys(), ...sim.ranges.map((r) => r.ns)]);
  const publicNs = new Set<string>();
  const collections = new Map<string, string[]>(); // ns -> hashed namespaces
  for (const name of all) {
    const h = splitHashedNs(name);
    if (!h) {
      publicNs.add(name);
      continue;
    }
    publicNs.add(h.ns);
    collections.set(h.ns, [...(collections.get(h.ns) ?? []), name]);
  }
  const tx = new PbWriter(); // TxReadWriteSet: data_model KV (= 0, default) and ns_rwset
  for (const ns of [...publicNs].sort()) {
    const set = new PbWriter(); // KVRWSet
    const reads = sim.reads.get(ns);
    if (reads) for (const k of [...reads.keys()].sort()) set.message(1, kvRead(k, reads.get(k)!));
    for (const r of sim.ranges) {
      if (r.ns !== ns) continue;
      const raw = new PbWriter(); // QueryReads
      for (const [k, v] of r.reads) raw.message(1, kvRead(k, v));
      set.message(2, new PbWriter().string(1, r.start).string(2, r.end).bool(3, r.exhausted).message(4, raw.finish()).finish());
    }
    const writes = sim.writes.get(ns);
    if (writes) {
      for (const k of [...writes.keys()].sort()) {
        const v = writes.get(k)!;
        set.message(3, new PbWriter().string(1, k).bool(2, v === null).bytes(3, v ?? undefined).finish());
      }
    }
    for (const [k, vp] of sortedEntries(sim.meta.get(ns))) set.message(4, metadataWrite(Buffer.from(k), vp));
    const ns3 = new PbWriter().string(1, ns).bytes(2, set.finish());
    for (const hns of (collections.get(ns) ?? []).sort()) ns3.message(3, hashedCollection(sim, hns));
    tx.message(2, ns3.finish());
  }
  return tx.finish();
}

/** CollectionHashedReadWriteSet: hashed reads and writes of one collection, and the private set's hash. */
function hashedCollection(sim: Simulation, hns: string): Uint8Array {
  const hashed = new PbWriter(); // HashedRWSet
  for (const [kh, ver] of sortedEntries(sim.reads.get(hns))) {
    const r = new PbWriter().bytes(1, Buffer.from(kh, 'hex'));
    if (ver !== 0) {
      const { blockNum, txNum } = unpackVersion(ver);
      r.message(2, new PbWriter().uint(1, blockNum).uint(2, txNum).finish());
    }
    hashed.message(1, r.finish());
  }
  for (const [kh, vh] of sortedEntries(sim.writes.get(hns))) hashed.message(2, new PbWriter().bytes(1, Buffer.from(kh, 'hex')).bool(2, vh === null).bytes(3, vh ?? undefined).finish());
  for (const [kh, vp] of sortedEntries(sim.meta.get(hns))) hashed.message(3, metadataWrite(Buffer.from(kh, 'hex'), vp));
  const p = sim.pvt.get(hns);
  let pvtHash: Uint8Array | undefined;
  if (p) {
    const pvt = new PbWriter(); // KVRWSet of the private writes, as the private write set carries it
    for (const [k, v] of sortedEntries(p.writes)) pvt.message(3, new PbWriter().string(1, k).bool(2, v === null).bytes(3, v ?? undefined).finish());
    pvtHash = createHash('sha256').update(pvt.finish()).digest();
  }
  return new PbWriter().string(1, splitHashedNs(hns)!.collection).bytes(2, hashed.finish()).bytes(3, pvtHash).finish();
}

/** KVMetadataWrite / KVMetadataWriteHash: the key's VALIDATION_PARAMETER entry (none = removed). */
function metadataWrite(key: Uint8Array, vp: Buffer | null): Uint8Array {
  const w = new PbWriter().bytes(1, key);
  if (vp) w.message(2, new PbWriter().string(1, 'VALIDATION_PARAMETER').bytes(2, vp).finish());
  return w.finish();
}

function sortedEntries<V>(m: Map<string, V> | undefined): Array<[string, V]> {
  return m ? [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : [];
}

function kvRead(key: string, ver: number): Uint8Array {
  const w = new PbWriter().string(1, key);
  if (ver !== 0) {
    const { blockNum, txNum } = unpackVersion(ver);
    w.message(2, new PbWriter().uint(1, blockNum).uint(2, txNum).finish());
  }
  return w.finish();
}

/** ChaincodeProposalPayload without transient data: what goes on the ledger and into the hash. */
function visiblePayload(prop: DecodedProposal): Uint8Array {
  if (prop.transient.size === 0) return prop.payloadBytes;
  const full = peer.ChaincodeProposalPayload.deserializeBinary(prop.payloadBytes);
  const out = new peer.ChaincodeProposalPayload();
  out.setInput(full.getInput_asU8());
  return out.serializeBinary();
}

/** ProposalResponsePayload bytes for a simulation. Equal bytes mean equal results. */
export function buildResponsePayload(prop: DecodedProposal, cc: DeployedChaincode, result: SimulationResult): Uint8Array {
  const action = new PbWriter().bytes(1, encodeRwset(result.sim)); // ChaincodeAction
  if (result.sim.event) {
    const ev = result.sim.event;
    action.bytes(2, new PbWriter().string(1, cc.name).string(2, prop.txId).string(3, ev.name).bytes(4, ev.payload).finish());
  }
  const r = result.response;
  action.message(3, new PbWriter().uint(1, r.status).string(2, r.message).bytes(3, r.payload).finish());
  action.message(4, new PbWriter().string(2, cc.name).string(3, '1.0').finish());
  const hash = createHash('sha256').update(prop.channelHeaderBytes).update(prop.signatureHeaderBytes).update(visiblePayload(prop)).digest();
  return new PbWriter().bytes(1, hash).bytes(2, action.finish()).finish();
}

/** Fabric's Response message. */
export function toProtoResponse(r: ChaincodeResponse): InstanceType<typeof peer.Response> {
  const resp = new peer.Response();
  resp.setStatus(r.status);
  resp.setMessage(r.message ?? '');
  if (r.payload) resp.setPayload(r.payload);
  return resp;
}

/**
 * A peer's endorsement of a response payload: its identity and signature over (payload || identity).
 * Unsigned when `sign` is false (verifySignatures: false): then nothing would ever check it.
 */
export function endorse(p: Peer, prpBytes: Uint8Array, sign = true): { endorser: Uint8Array; signature: Uint8Array } {
  if (!sign) return { endorser: p.serialized, signature: new Uint8Array(0) };
  const data = Buffer.concat([prpBytes, p.serialized]);
  return { endorser: p.serialized, signature: signLowS(p.identity.key, data) };
}

/** The transaction envelope (unsigned) the gateway hands back as prepared_transaction, and its payload. */
export function buildEnvelope(
  prop: DecodedProposal,
  prpBytes: Uint8Array,
  endorsements: Array<{ endorser: Uint8Array; signature: Uint8Array }>,
): { envelope: Buffer; payload: Buffer } {
  const endorsed = new PbWriter().bytes(1, prpBytes); // ChaincodeEndorsedAction
  for (const e of endorsements) endorsed.message(2, new PbWriter().bytes(1, e.endorser).bytes(2, e.signature).finish());
  const cap = new PbWriter().bytes(1, visiblePayload(prop)).message(2, endorsed.finish()).finish(); // ChaincodeActionPayload
  const action = new PbWriter().bytes(1, prop.signatureHeaderBytes).bytes(2, cap).finish(); // TransactionAction
  const tx = new PbWriter().message(1, action).finish(); // Transaction
  const header = new PbWriter().bytes(1, prop.channelHeaderBytes).bytes(2, prop.signatureHeaderBytes).finish();
  const payload = new PbWriter().message(1, header).bytes(2, tx).finish(); // Payload
  return { envelope: new PbWriter().bytes(1, payload).finish(), payload };
}
