/**
 * The gateway.Gateway gRPC service (Endorse, Submit, CommitStatus, Evaluate, ChaincodeEvents) of one
 * peer, over the network's shared channels. Errors carry google.rpc.Status details with
 * gateway.ErrorDetail entries, as Fabric's gateway sends them, so the client's EndorseError and
 * friends show the peer's message.
 */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protos from '@hyperledger/fabric-protos';
import { PbWriter, pbBytes, pbRepeated, pbString, readFields } from './pb.ts';
import { chooseEndorsingOrgs } from './policy.ts';
import {
  buildEnvelope,
  buildResponsePayload,
  computeTxId,
  type DecodedProposal,
  type DeployedChaincode,
  decodeProposal,
  EndorseFailure,
  endorse,
  type Peer,
  type SignedProposalBytes,
  simulate,
  toProtoResponse,
} from './endorser.ts';
import { type KnownIdentity, verifySignature } from './identities.ts';
import type { PreparedTx } from './validator.ts';
import type { NetworkCore, ChannelRuntime } from './network.ts';

const { gateway, common } = protos;
// google-protobuf comes with fabric-protos; load the copy it uses so Any matches its messages.
const requireFromProtos = createRequire(createRequire(import.meta.url).resolve('@hyperledger/fabric-protos'));
const { Any } = requireFromProtos('google-protobuf/google/protobuf/any_pb.js') as {
  Any: new () => { setTypeUrl(u: string): void; setValue(v: Uint8Array): void };
};

const status = grpc.status;

/** Send a gRPC error with gateway.ErrorDetail entries. */
function grpcError(code: grpc.status, message: string, details: EndorseFailure['details'] = []): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (details.length) {
    const st = new protos.google.rpc.Status();
    st.setCode(code);
    st.setMessage(message);
    st.setDetailsList(
      details.map((d) => {
        const ed = new gateway.ErrorDetail();
        ed.setAddress(d.address);
        ed.setMspId(d.mspId);
        ed.setMessage(d.message);
        const any = new Any();
        any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
        any.setValue(ed.serializeBinary());
        return any as never;
      }),
    );
    metadata.set('grpc-status-details-bin', Buffer.from(st.serializeBinary()));
  }
  return { code, details: message, metadata };
}

function toGrpcError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof EndorseFailure) return grpcError(err.grpcCode, err.message, err.details);
  return grpcError(status.INTERNAL, (err as Error)?.message ?? String(err));
}

/** EndorseRequest as the endorse handler reads it (decoded by {@link decodeEndorseRequest}). */
export interface EndorseCall {
  channelId: string;
  signed?: SignedProposalBytes;
  endorsingOrgs: string[];
  /** Why the request could not be decoded; the handler answers INVALID_ARGUMENT. */
  malformed?: string;
}

/** SubmitRequest as the submit handler reads it. */
export interface SubmitCall {
  txId: string;
  channelId: string;
  /** The prepared transaction (common.Envelope): its payload and the client's signature. */
  envelope?: { payload: Uint8Array; signature: Uint8Array };
  malformed?: string;
}

/** SignedCommitStatusRequest's inner CommitStatusRequest, as the commit status handler reads it. */
export interface CommitStatusCall {
  txId: string;
  channelId: string;
  malformed?: string;
}

/** CommitStatusResponse's fields. */
export interface CommitStatusAnswer {
  code: number;
  blockNumber: number;
}

/**
 * EndorseRequest { 1 transaction_id, 2 channel_id, 3 proposed_transaction: SignedProposal
 * { 1 proposal_bytes, 2 signature }, 4 endorsing_organizations }. Never throws: grpc-js would turn a
 * throw into INTERNAL, while a malformed request is the caller's INVALID_ARGUMENT.
 */
export function decodeEndorseRequest(bytes: Uint8Array): EndorseCall {
  try {
    const f = readFields(bytes);
    const orgs = pbRepeated(f, 4).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
    const out: EndorseCall = { channelId: pbString(f, 2), endorsingOrgs: orgs };
    if (f.has(3)) {
      const sp = readFields(pbBytes(f, 3));
      out.signed = { proposalBytes: pbBytes(sp, 1), signature: pbBytes(sp, 2) };
    }
    return out;
  } catch (err) {
    return { channelId: '', endorsingOrgs: [], malformed: (err as Error).message };
  }
}

/** SubmitRequest { 1 transaction_id, 2 channel_id, 3 prepared_transaction: Envelope { 1 payload, 2 signature } }. */
export function decodeSubmitRequest(bytes: Uint8Array): SubmitCall {
  try {
    const f = readFields(bytes);
    const out: SubmitCall = { txId: pbString(f, 1), channelId: pbString(f, 2) };
    if (f.has(3)) {
      const env = readFields(pbBytes(f, 3));
      out.envelope = { payload: pbBytes(env, 1), signature: pbBytes(env, 2) };
    }
    return out;
  } catch (err) {
    return { txId: '', channelId: '', malformed: (err as Error).message };
  }
}

/** SignedCommitStatusRequest { 1 request: CommitStatusRequest { 1 transaction_id, 2 channel_id, 3 identity }, 2 signature }. */
export function decodeCommitStatusRequest(bytes: Uint8Array): CommitStatusCall {
  try {
    const inner = readFields(pbBytes(readFields(bytes), 1));
    return { txId: pbString(inner, 1), channelId: pbString(inner, 2) };
  } catch (err) {
    return { txId: '', channelId: '', malformed: (err as Error).message };
  }
}

/** CommitStatusResponse { 1 result (TxValidationCode), 2 block_number }. */
export function encodeCommitStatusResponse(a: CommitStatusAnswer): Buffer {
  return new PbWriter().uint(1, a.code).uint(2, a.blockNumber).finish();
}

const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
const EMPTY = Buffer.alloc(0);

/**
 * gateway.Gateway's service definition, except that the three calls every transaction makes (Endorse,
 * Submit, CommitStatus) are read and written with pb.ts instead of google-protobuf objects: their
 * handlers need a handful of fields, and building full message objects for each call costs more
 * than everything else the handlers do with them. Evaluate and ChaincodeEvents keep the generated
 * codecs.
 */
export function gatewayServiceDefinition(): grpc.ServiceDefinition {
  const def = protos.gateway.GatewayService as unknown as grpc.ServiceDefinition;
  return {
    ...def,
    endorse: { ...def.endorse, requestDeserialize: decodeEndorseRequest, responseSerialize: asBuffer },
    submit: { ...def.submit, requestDeserialize: decodeSubmitRequest, responseSerialize: () => EMPTY },
    commitStatus: { ...def.commitStatus, requestDeserialize: decodeCommitStatusRequest, responseSerialize: encodeCommitStatusResponse },
  };
}

/** Build the service implementation for the gateway running on `local`. */
export function gatewayService(core: NetworkCore, local: Peer, address: string): grpc.UntypedServiceImplementation {
  const planCache = new Map<string, string[] | undefined>();

  // prom-client hashes the label set on every inc()/observe(); the children for a label set are
  // bound once here instead, as every proposal of a chaincode uses the same ones.
  type ProposalMetrics = {
    received: ReturnType<typeof core.metrics.proposalsReceived.labels>;
    successful: ReturnType<typeof core.metrics.successfulProposals.labels>;
    durationOk: ReturnType<typeof core.metrics.proposalDuration.labels>;
  };
  const proposalMetrics = new Map<string, ProposalMetrics>();
  const metricsFor = (channel: string, chaincode: string): ProposalMetrics => {
    const key = `${channel}\0${chaincode}`;
    let m = proposalMetrics.get(key);
    if (!m) {
      m = {
        received: core.metrics.proposalsReceived.labels({ channel, chaincode }),
        successful: core.metrics.successfulProposals.labels({ channel, chaincode }),
        durationOk: core.metrics.proposalDuration.labels({ channel, chaincode, success: 'true' }),
      };
      proposalMetrics.set(key, m);
    }
    return m;
  };
  type BroadcastMetrics = Record<'success' | 'forbidden' | 'badRequest', ReturnType<typeof core.metrics.broadcastProcessed.labels>>;
  const broadcastMetrics = new Map<string, BroadcastMetrics>();
  const broadcastFor = (channel: string): BroadcastMetrics => {
    let m = broadcastMetrics.get(channel);
    if (!m) {
      const c = core.metrics.broadcastProcessed;
      m = { success: c.labels({ channel, status: 'SUCCESS' }), forbidden: c.labels({ channel, status: 'FORBIDDEN' }), badRequest: c.labels({ channel, status: 'BAD_REQUEST' }) };
      broadcastMetrics.set(channel, m);
    }
    return m;
  };

  const resolve = (prop: DecodedProposal): { channel: ChannelRuntime; cc: DeployedChaincode } => {
    const channel = core.channels.get(prop.channel);
    if (!channel) throw new EndorseFailure(status.NOT_FOUND, `channel ${prop.channel} not found`);
    const cc = channel.chaincodes.get(prop.chaincode);
    if (!cc) throw new EndorseFailure(status.NOT_FOUND, `chaincode ${prop.chaincode} not found on channel ${prop.channel}`);
    return { channel, cc };
  };

  const checkCreator = (prop: DecodedProposal): KnownIdentity => {
    if (prop.headerType !== common.HeaderType.ENDORSER_TRANSACTION) {
      throw new EndorseFailure(status.INVALID_ARGUMENT, `proposal header type ${prop.headerType} is not ENDORSER_TRANSACTION`);
    }
    if (computeTxId(prop.nonce, prop.creatorBytes) !== prop.txId) {
      throw new EndorseFailure(status.INVALID_ARGUMENT, `invalid transaction id ${prop.txId}: it must be sha256(nonce + creator)`);
    }
    if (!core.verifySignatures) return core.identities.lookup(prop.creatorBytes);
    const detail = (message: string) => [{ address, mspId: local.mspId, message }];
    let creator: KnownIdentity;
    try {
      creator = core.identities.check(prop.creatorBytes);
    } catch (err) {
      throw new EndorseFailure(status.PERMISSION_DENIED, `access denied: ${(err as Error).message}`, detail((err as Error).message));
    }
    if (!verifySignature(creator.publicKey, prop.proposalBytes, prop.signature)) {
      const m = `proposal signature of ${creator.mspId} creator does not verify`;
      throw new EndorseFailure(status.PERMISSION_DENIED, `access denied: ${m}`, detail(m));
    }
    return creator;
  };

  const endorsingPeers = (channel: ChannelRuntime, cc: DeployedChaincode, requested: string[]): Peer[] => {
    let orgs: string[] | undefined = requested.length ? requested : undefined;
    if (!orgs) {
      const key = `${channel.name}/${cc.name}`;
      if (!planCache.has(key)) planCache.set(key, chooseEndorsingOrgs(cc.policy, [...core.peersByOrg.keys()], local.mspId));
      orgs = planCache.get(key);
      if (!orgs) throw new EndorseFailure(status.FAILED_PRECONDITION, `no combination of organizations satisfies ${cc.policyText}`);
    }
    return orgs.map((o) => {
      if (o === local.mspId) return local;
      const p = core.peersByOrg.get(o)?.[0];
      if (!p) throw new EndorseFailure(status.INVALID_ARGUMENT, `endorsing organization ${o} is not part of this network`);
      return p;
    });
  };

  const endorseOne = async (req: EndorseCall) => {
    if (req.malformed) throw new EndorseFailure(status.INVALID_ARGUMENT, `malformed endorse request: ${req.malformed}`);
    if (!req.signed) throw new EndorseFailure(status.INVALID_ARGUMENT, 'missing proposed_transaction');
    const prop = decodeProposal(req.signed);
    const { channel, cc } = resolve(prop);
    const counters = metricsFor(channel.name, cc.name);
    counters.received.inc();
    const creator = checkCreator(prop);
    const peers = endorsingPeers(channel, cc, req.endorsingOrgs);
    let prpBytes: Uint8Array | undefined;
    let first: Awaited<ReturnType<typeof simulate>> | undefined;
    const endorsements: Array<{ endorser: Uint8Array; signature: Uint8Array }> = [];
    for (const p of peers) {
      const result = await simulate(channel, cc, prop, creator, p.mspId, false);
      if (result.response.status >= 400) {
        const m = `chaincode response ${result.response.status}, ${result.response.message ?? ''}`;
        throw new EndorseFailure(status.ABORTED, `failed to endorse transaction: ${m}`, [{ address: core.peerAddress(p), mspId: p.mspId, message: m }]);
      }
      const bytes = buildResponsePayload(prop, cc, result);
      if (prpBytes && !Buffer.from(bytes).equals(Buffer.from(prpBytes))) {
        throw new EndorseFailure(
          status.ABORTED,
          `failed to endorse transaction: nondeterministic chaincode ${cc.name}: endorsing peers ${peers.map((x) => x.name).join(', ')} returned different results or read/write sets`,
          peers.map((x) => ({ address: core.peerAddress(x), mspId: x.mspId, message: 'nondeterministic chaincode: endorsement results differ' })),
        );
      }
      prpBytes = bytes;
      first ??= result;
      endorsements.push(endorse(p, bytes, core.verifySignatures));
    }
    const { envelope, payload } = buildEnvelope(prop, prpBytes!, endorsements);
    const prepared: PreparedTx = {
      txId: prop.txId,
      channel: channel.name,
      chaincode: cc.name,
      fn: prop.fn,
      payloadBytes: payload,
      creator,
      sim: first!.sim,
      prpBytes: prpBytes!,
      endorsements,
      event: first!.sim.event,
      timestampMs: prop.timestamp.seconds * 1000 + Math.floor(prop.timestamp.nanos / 1e6),
    };
    core.rememberPrepared(prepared);
    counters.successful.inc();
    // EndorseResponse { prepared_transaction = 1 }, sent as bytes (see gatewayServiceDefinition).
    const resp = new PbWriter().message(1, envelope).finish();
    return { resp, counters };
  };

  return {
    endorse: (call: grpc.ServerUnaryCall<EndorseCall, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const t0 = performance.now();
      endorseOne(call.request).then(
        ({ resp, counters }) => {
          counters.durationOk.observe((performance.now() - t0) / 1000);
          callback(null, resp);
        },
        (err) => {
          core.metrics.proposalDuration.observe({ channel: call.request.channelId, chaincode: '', success: 'false' }, (performance.now() - t0) / 1000);
          callback(toGrpcError(err));
        },
      );
    },

    submit: (call: grpc.ServerUnaryCall<SubmitCall, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      try {
        const req = call.request;
        if (req.malformed) throw new EndorseFailure(status.INVALID_ARGUMENT, `malformed submit request: ${req.malformed}`);
        const env = req.envelope;
        if (!env) throw new EndorseFailure(status.INVALID_ARGUMENT, 'missing prepared_transaction');
        const txId = req.txId;
        const taken = core.takePrepared(req.channelId, txId, env.payload);
        if (!taken) {
          throw new EndorseFailure(
            status.FAILED_PRECONDITION,
            `transaction ${txId} was not endorsed by this network or its envelope was changed after endorsement (the embedded gateway orders only transactions it endorsed)`,
          );
        }
        const prepared = taken.tx;
        const channel = core.channels.get(prepared.channel)!;
        const broadcast = broadcastFor(channel.name);
        // A duplicate is ordered unchecked: validation rejects it by its tx id whatever it carries.
        if (core.verifySignatures && !taken.duplicate && !verifySignature(prepared.creator.publicKey, prepared.payloadBytes, env.signature)) {
          broadcast.forbidden.inc();
          throw new EndorseFailure(status.ABORTED, 'received unsuccessful response from orderer: status=FORBIDDEN, envelope signature does not verify', [
            { address: 'orderer.example.com', mspId: 'OrdererMSP', message: 'envelope signature does not verify against the creator certificate' },
          ]);
        }
        try {
          channel.cutter.ordered(prepared, prepared.payloadBytes.length + env.signature.length);
        } catch (err) {
          broadcast.badRequest.inc();
          throw new EndorseFailure(status.ABORTED, `received unsuccessful response from orderer: status=BAD_REQUEST, ${(err as Error).message}`);
        }
        broadcast.success.inc();
        // SubmitResponse is empty (see gatewayServiceDefinition).
        callback(null, EMPTY);
      } catch (err) {
        callback(toGrpcError(err));
      }
    },

    commitStatus: (call: grpc.ServerUnaryCall<CommitStatusCall, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const req = call.request;
      if (req.malformed) {
        callback(grpcError(status.INVALID_ARGUMENT, `malformed commit status request: ${req.malformed}`));
        return;
      }
      const channel = core.channels.get(req.channelId);
      if (!channel) {
        callback(grpcError(status.NOT_FOUND, `channel ${req.channelId} not found`));
        return;
      }
      core.awaitCommit(channel, req.txId, call, (err, s) => {
        if (err) callback(grpcError(status.UNAVAILABLE, err.message));
        else callback(null, { code: s!.code, blockNumber: s!.blockNumber } satisfies CommitStatusAnswer);
      });
    },

    evaluate: (call: grpc.ServerUnaryCall<InstanceType<typeof gateway.EvaluateRequest>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      (async () => {
        const req = call.request;
        const signed = req.getProposedTransaction();
        if (!signed) throw new EndorseFailure(status.INVALID_ARGUMENT, 'missing proposed_transaction');
        const prop = decodeProposal({ proposalBytes: signed.getProposalBytes_asU8(), signature: signed.getSignature_asU8() });
        const { channel, cc } = resolve(prop);
        const creator = checkCreator(prop);
        const targets = req.getTargetOrganizationsList();
        const p = targets.length && !targets.includes(local.mspId) ? core.peersByOrg.get(targets[0])?.[0] : local;
        if (!p) throw new EndorseFailure(status.INVALID_ARGUMENT, `target organization ${targets[0]} is not part of this network`);
        const result = await simulate(channel, cc, prop, creator, p.mspId, true);
        if (result.response.status >= 400) {
          const m = `chaincode response ${result.response.status}, ${result.response.message ?? ''}`;
          throw new EndorseFailure(status.UNKNOWN, `evaluate call to endorser returned error: ${m}`, [{ address: core.peerAddress(p), mspId: p.mspId, message: m }]);
        }
        const resp = new gateway.EvaluateResponse();
        resp.setResult(toProtoResponse(result.response));
        return resp;
      })().then(
        (resp) => callback(null, resp),
        (err) => callback(toGrpcError(err)),
      );
    },

    chaincodeEvents: (call: grpc.ServerWritableStream<InstanceType<typeof gateway.SignedChaincodeEventsRequest>, unknown>) => {
      let req: InstanceType<typeof gateway.ChaincodeEventsRequest>;
      try {
        req = gateway.ChaincodeEventsRequest.deserializeBinary(call.request.getRequest_asU8());
      } catch (err) {
        call.emit('error', grpcError(status.INVALID_ARGUMENT, `malformed chaincode events request: ${(err as Error).message}`));
        return;
      }
      const channel = core.channels.get(req.getChannelId());
      if (!channel) {
        call.emit('error', grpcError(status.NOT_FOUND, `channel ${req.getChannelId()} not found`));
        return;
      }
      core.streamEvents(channel, req, call);
    },
  };
}
