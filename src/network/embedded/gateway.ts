/**
 * The gateway.Gateway gRPC service (Endorse, Submit, CommitStatus, Evaluate, ChaincodeEvents) of one
 * peer, over the network's shared channels. Errors carry google.rpc.Status details with
 * gateway.ErrorDetail entries, as Fabric's gateway sends them, so the client's EndorseError and
 * friends show the peer's message.
 */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protos from '@hyperledger/fabric-protos';
import { PbWriter } from './pb.ts';
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

/**
 * gateway.Gateway's service definition, except that Endorse responses are written as ready-made
 * bytes: the endorser encodes them directly (pb.ts) instead of through google-protobuf objects.
 */
export function gatewayServiceDefinition(): grpc.ServiceDefinition {
  const def = protos.gateway.GatewayService as unknown as grpc.ServiceDefinition;
  return {
    ...def,
    endorse: { ...def.endorse, responseSerialize: (v: Uint8Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength) },
  };
}

/** Build the service implementation for the gateway running on `local`. */
export function gatewayService(core: NetworkCore, local: Peer, address: string): grpc.UntypedServiceImplementation {
  const planCache = new Map<string, string[] | undefined>();

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

  const endorseOne = async (req: InstanceType<typeof gateway.EndorseRequest>) => {
    const signed = req.getProposedTransaction();
    if (!signed) throw new EndorseFailure(status.INVALID_ARGUMENT, 'missing proposed_transaction');
    const prop = decodeProposal(signed);
    const { channel, cc } = resolve(prop);
    core.metrics.proposalsReceived.inc({ channel: channel.name, chaincode: cc.name });
    const creator = checkCreator(prop);
    const peers = endorsingPeers(channel, cc, req.getEndorsingOrganizationsList());
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
    core.metrics.successfulProposals.inc({ channel: channel.name, chaincode: cc.name });
    // EndorseResponse { prepared_transaction = 1 }, sent as bytes (see gatewayServiceDefinition).
    const resp = new PbWriter().message(1, envelope).finish();
    return { resp, channel: channel.name, chaincode: cc.name };
  };

  return {
    endorse: (call: grpc.ServerUnaryCall<InstanceType<typeof gateway.EndorseRequest>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const t0 = performance.now();
      endorseOne(call.request).then(
        ({ resp, channel, chaincode }) => {
          core.metrics.proposalDuration.observe({ channel, chaincode, success: 'true' }, (performance.now() - t0) / 1000);
          callback(null, resp);
        },
        (err) => {
          core.metrics.proposalDuration.observe({ channel: call.request.getChannelId(), chaincode: '', success: 'false' }, (performance.now() - t0) / 1000);
          callback(toGrpcError(err));
        },
      );
    },

    submit: (call: grpc.ServerUnaryCall<InstanceType<typeof gateway.SubmitRequest>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      try {
        const req = call.request;
        const env = req.getPreparedTransaction();
        if (!env) throw new EndorseFailure(status.INVALID_ARGUMENT, 'missing prepared_transaction');
        const txId = req.getTransactionId();
        const taken = core.takePrepared(req.getChannelId(), txId, env.getPayload_asU8());
        if (!taken) {
          throw new EndorseFailure(
            status.FAILED_PRECONDITION,
            `transaction ${txId} was not endorsed by this network or its envelope was changed after endorsement (the embedded gateway orders only transactions it endorsed)`,
          );
        }
        const prepared = taken.tx;
        const channel = core.channels.get(prepared.channel)!;
        // A duplicate is ordered unchecked: validation rejects it by its tx id whatever it carries.
        if (core.verifySignatures && !taken.duplicate && !verifySignature(prepared.creator.publicKey, prepared.payloadBytes, env.getSignature_asU8())) {
          core.metrics.broadcastProcessed.inc({ channel: channel.name, status: 'FORBIDDEN' });
          throw new EndorseFailure(status.ABORTED, 'received unsuccessful response from orderer: status=FORBIDDEN, envelope signature does not verify', [
            { address: 'orderer.example.com', mspId: 'OrdererMSP', message: 'envelope signature does not verify against the creator certificate' },
          ]);
        }
        try {
          channel.cutter.ordered(prepared, prepared.payloadBytes.length + env.getSignature_asU8().length);
        } catch (err) {
          core.metrics.broadcastProcessed.inc({ channel: channel.name, status: 'BAD_REQUEST' });
          throw new EndorseFailure(status.ABORTED, `received unsuccessful response from orderer: status=BAD_REQUEST, ${(err as Error).message}`);
        }
        core.metrics.broadcastProcessed.inc({ channel: channel.name, status: 'SUCCESS' });
        callback(null, new gateway.SubmitResponse());
      } catch (err) {
        callback(toGrpcError(err));
      }
    },

    commitStatus: (call: grpc.ServerUnaryCall<InstanceType<typeof gateway.SignedCommitStatusRequest>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      let req: InstanceType<typeof gateway.CommitStatusRequest>;
      try {
        req = gateway.CommitStatusRequest.deserializeBinary(call.request.getRequest_asU8());
      } catch (err) {
        callback(grpcError(status.INVALID_ARGUMENT, `malformed commit status request: ${(err as Error).message}`));
        return;
      }
      const channel = core.channels.get(req.getChannelId());
      if (!channel) {
        callback(grpcError(status.NOT_FOUND, `channel ${req.getChannelId()} not found`));
        return;
      }
      core.awaitCommit(channel, req.getTransactionId(), call, (err, s) => {
        if (err) {
          callback(grpcError(status.UNAVAILABLE, err.message));
          return;
        }
        const resp = new gateway.CommitStatusResponse();
        resp.setResult(s!.code as never);
        resp.setBlockNumber(s!.blockNumber);
        callback(null, resp);
      });
    },

    evaluate: (call: grpc.ServerUnaryCall<InstanceType<typeof gateway.EvaluateRequest>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      (async () => {
        const req = call.request;
        const signed = req.getProposedTransaction();
        if (!signed) throw new EndorseFailure(status.INVALID_ARGUMENT, 'missing proposed_transaction');
        const prop = decodeProposal(signed);
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
