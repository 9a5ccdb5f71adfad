/**
 * The peer's Deliver service (protos.Deliver) as far as clients waiting for commits need it:
 * DeliverFiltered streams filtered blocks (each transaction's id, header type and validation code,
 * and the names of its chaincode events) from a seek position, past blocks first, then each block as
 * it commits. Full blocks (Deliver, DeliverWithPrivateData) are not served: answering them needs the
 * whole envelopes of every transaction, which the network does not keep.
 */
import * as grpc from '@grpc/grpc-js';
import * as protos from '@hyperledger/fabric-protos';
import { verifySignature } from './identities.ts';
import type { NetworkCore } from './network.ts';
import { PbWriter } from './pb.ts';

const { common, orderer } = protos;
const STATUS = common.Status;
const SEEK = orderer.SeekPosition.TypeCase;

/** Filtered blocks kept for seeks that start in the past; an older start is answered NOT_FOUND. */
export const FILTERED_BLOCKS_KEPT = 2000;

/** What a committed transaction contributes to its filtered block. */
export interface CommittedTx {
  txId: string;
  chaincode: string;
  event?: { name: string };
}

/**
 * The filtered blocks of one channel, in commit order, each encoded once as the DeliverResponse bytes
 * that every stream sends (a block is written to many streams; encoding it per stream would multiply
 * the cost).
 */
export class FilteredBlockFeed {
  readonly channel: string;
  readonly #kept: Buffer[] = [];
  /** Number of the first block in #kept. */
  #first = 0;
  readonly #listeners = new Set<(blockNumber: number, response: Buffer) => void>();

  constructor(channel: string) {
    this.channel = channel;
    // Block 0 is the genesis block: in filtered form, one CONFIG transaction without a tx id.
    this.#kept.push(encodeFilteredBlock(channel, 0, [{ txId: '', type: common.HeaderType.CONFIG, code: 0 }]));
  }

  /** Number of the next block (the ledger height). */
  get height(): number {
    return this.#first + this.#kept.length;
  }

  /** Publish a committed block: `codes[i]` is the validation code of `txs[i]`. */
  publish(blockNumber: number, txs: readonly CommittedTx[], codes: readonly number[]): void {
    if (blockNumber !== this.height) throw new Error(`filtered block ${blockNumber} published out of order (expected ${this.height})`);
    const filtered = txs.map((tx, i) => ({ txId: tx.txId, type: common.HeaderType.ENDORSER_TRANSACTION, code: codes[i], chaincode: tx.chaincode, eventName: tx.event?.name }));
    const response = encodeFilteredBlock(this.channel, blockNumber, filtered);
    this.#kept.push(response);
    if (this.#kept.length > FILTERED_BLOCKS_KEPT) {
      const drop = FILTERED_BLOCKS_KEPT / 2;
      this.#kept.splice(0, drop);
      this.#first += drop;
    }
    for (const l of this.#listeners) l(blockNumber, response);
  }

  /** The encoded DeliverResponse of a kept block, or undefined when it is gone or not yet committed. */
  block(blockNumber: number): Buffer | undefined {
    return this.#kept[blockNumber - this.#first];
  }

  /** Number of the oldest block still kept. */
  get oldestKept(): number {
    return this.#first;
  }

  /** Be told about every block published from now on; returns the unsubscribe function. */
  subscribe(listener: (blockNumber: number, response: Buffer) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

interface FilteredTx {
  txId: string;
  type: number;
  code: number;
  chaincode?: string;
  eventName?: string;
}

/**
 * DeliverResponse { 3 filtered_block: FilteredBlock { 1 channel_id, 2 number, 4 filtered_transactions:
 * FilteredTransaction { 1 txid, 2 type, 3 tx_validation_code, 4 transaction_actions:
 * FilteredTransactionActions { 1 chaincode_actions: FilteredChaincodeAction { 1 chaincode_event:
 * ChaincodeEvent { 1 chaincode_id, 2 tx_id, 3 event_name } } } } } }. As a Fabric peer filters them,
 * events keep their names and lose their payloads.
 */
export function encodeFilteredBlock(channel: string, blockNumber: number, txs: readonly FilteredTx[]): Buffer {
  const block = new PbWriter().string(1, channel).uint(2, blockNumber);
  for (const tx of txs) {
    const ft = new PbWriter().string(1, tx.txId).uint(2, tx.type).uint(3, tx.code);
    if (tx.eventName !== undefined && tx.chaincode) {
      const event = new PbWriter().string(1, tx.chaincode).string(2, tx.txId).string(3, tx.eventName).finish();
      const action = new PbWriter().message(1, event).finish();
      ft.message(4, new PbWriter().message(1, action).finish());
    }
    block.message(4, ft.finish());
  }
  return new PbWriter().message(3, block.finish()).finish();
}

/** DeliverResponse { 1 status }: how a seek ends, or why it was refused. */
export function encodeDeliverStatus(code: number): Buffer {
  return new PbWriter().uint(1, code).finish();
}

/** The blocks a seek asks for, or the status that refuses it. */
export type SeekPlan = { start: number; stop: number; failIfNotReady: boolean } | { refuse: number; why: string };

/**
 * Reads a seek envelope (common.Envelope whose payload carries a DELIVER_SEEK_INFO channel header and
 * an orderer.SeekInfo) against the network: the channel must exist, and with signature checking on,
 * the creator must be a member of a known organization and the envelope signed by it (a channel
 * reader, which every member of this network's organizations is).
 */
export function planSeek(core: NetworkCore, envelope: InstanceType<typeof common.Envelope>): SeekPlan & { channel?: string } {
  let payload: InstanceType<typeof common.Payload>;
  let channelHeader: InstanceType<typeof common.ChannelHeader>;
  let seek: InstanceType<typeof orderer.SeekInfo>;
  let creator: Uint8Array;
  try {
    payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const header = payload.getHeader();
    if (!header) return { refuse: STATUS.BAD_REQUEST, why: 'seek envelope has no header' };
    channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    creator = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8();
    seek = orderer.SeekInfo.deserializeBinary(payload.getData_asU8());
  } catch (err) {
    return { refuse: STATUS.BAD_REQUEST, why: `malformed seek envelope: ${(err as Error).message}` };
  }
  if (channelHeader.getType() !== common.HeaderType.DELIVER_SEEK_INFO) {
    return { refuse: STATUS.BAD_REQUEST, why: `header type ${channelHeader.getType()} is not DELIVER_SEEK_INFO` };
  }
  const channelName = channelHeader.getChannelId();
  const channel = core.channels.get(channelName);
  if (!channel) return { refuse: STATUS.NOT_FOUND, why: `channel ${channelName} not found` };
  if (core.verifySignatures) {
    try {
      const id = core.identities.check(creator);
      if (!verifySignature(id.publicKey, envelope.getPayload_asU8(), envelope.getSignature_asU8())) {
        return { refuse: STATUS.FORBIDDEN, why: 'seek envelope signature does not verify' };
      }
    } catch (err) {
      return { refuse: STATUS.FORBIDDEN, why: `creator is not a reader of ${channelName}: ${(err as Error).message}` };
    }
  }
  const height = channel.blocks.height;
  const position = (p: InstanceType<typeof orderer.SeekPosition> | undefined, unset: number): number => {
    switch (p?.getTypeCase()) {
      case SEEK.NEWEST:
        return height - 1;
      case SEEK.OLDEST:
        return 0;
      case SEEK.SPECIFIED:
        return p.getSpecified()!.getNumber();
      case SEEK.NEXT_COMMIT:
        return height;
      default:
        return unset;
    }
  };
  const start = position(seek.getStart(), height - 1);
  const stop = position(seek.getStop(), Number.MAX_SAFE_INTEGER);
  if (start > stop) return { refuse: STATUS.BAD_REQUEST, why: `seek start ${start} is after its stop ${stop}` };
  if (start < channel.blocks.oldestKept) {
    return { refuse: STATUS.NOT_FOUND, why: `block ${start} is older than the ${FILTERED_BLOCKS_KEPT / 2}-${FILTERED_BLOCKS_KEPT} blocks the embedded network keeps` };
  }
  return { start, stop, failIfNotReady: seek.getBehavior() === orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY, channel: channelName };
}

const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

/**
 * protos.Deliver's service definition, with responses written as the bytes {@link FilteredBlockFeed}
 * encoded once per block.
 */
export function deliverServiceDefinition(): grpc.ServiceDefinition {
  const def = (protos.peer as unknown as { DeliverService: grpc.ServiceDefinition }).DeliverService;
  return {
    ...def,
    deliver: { ...def.deliver, responseSerialize: asBuffer },
    deliverFiltered: { ...def.deliverFiltered, responseSerialize: asBuffer },
    deliverWithPrivateData: { ...def.deliverWithPrivateData, responseSerialize: asBuffer },
  };
}

type DeliverStream = grpc.ServerDuplexStream<InstanceType<typeof common.Envelope>, Buffer>;

const unimplemented = (call: DeliverStream): void => {
  call.emit('error', {
    code: grpc.status.UNIMPLEMENTED,
    details: 'the embedded network serves filtered blocks only (DeliverFiltered); full blocks are not kept',
  } satisfies Partial<grpc.StatusObject>);
};

/**
 * The Deliver implementation of one peer. Seek envelopes on a stream are served one after the other,
 * as a Fabric peer does: each runs until its stop block has been sent (then status SUCCESS) or is
 * refused with a status; the stream ends when the client has half-closed and the last seek is done.
 */
export function deliverService(core: NetworkCore): grpc.UntypedServiceImplementation {
  return {
    deliver: unimplemented,
    deliverWithPrivateData: unimplemented,
    deliverFiltered: (call: DeliverStream) => {
      const seeks: Array<InstanceType<typeof common.Envelope>> = [];
      let active = false;
      let clientDone = false;
      let stopActive: (() => void) | undefined;
      const finish = () => {
        stopActive?.();
        stopActive = undefined;
        core.untrackStream(finish);
        if (!call.cancelled && !call.writableEnded) call.end();
      };
      core.trackStream(finish);
      const next = (): void => {
        if (active) return;
        const envelope = seeks.shift();
        if (!envelope) {
          if (clientDone) finish();
          return;
        }
        active = true;
        const done = () => {
          active = false;
          stopActive = undefined;
          next();
        };
        stopActive = serveSeek(core, envelope, call, done);
      };
      call.on('data', (envelope: InstanceType<typeof common.Envelope>) => {
        seeks.push(envelope);
        next();
      });
      call.on('end', () => {
        clientDone = true;
        next();
      });
      call.on('cancelled', () => {
        stopActive?.();
        stopActive = undefined;
        core.untrackStream(finish);
      });
      call.on('error', () => stopActive?.());
    },
  };
}

/** Serve one seek on `call`; `done` runs when it has ended. Returns a function that abandons it. */
function serveSeek(core: NetworkCore, envelope: InstanceType<typeof common.Envelope>, call: DeliverStream, done: () => void): () => void {
  const plan = planSeek(core, envelope);
  if ('refuse' in plan) {
    call.write(encodeDeliverStatus(plan.refuse));
    done();
    return () => {};
  }
  const feed = core.channels.get(plan.channel!)!.blocks;
  if (plan.failIfNotReady && plan.start >= feed.height) {
    call.write(encodeDeliverStatus(STATUS.NOT_FOUND));
    done();
    return () => {};
  }
  let nextBlock = plan.start;
  let unsubscribe: (() => void) | undefined;
  const end = () => {
    unsubscribe?.();
    unsubscribe = undefined;
  };
  /** Sends `response` when it is the next block due; true once the stop block has gone out. */
  const send = (blockNumber: number, response: Buffer): boolean => {
    if (blockNumber !== nextBlock) return false;
    call.write(response);
    nextBlock++;
    return blockNumber >= plan.stop;
  };
  const reachedStop = () => {
    end();
    call.write(encodeDeliverStatus(STATUS.SUCCESS));
    done();
  };
  // Past blocks first; blocks committing meanwhile cannot interleave (all of this is synchronous).
  for (let n = nextBlock; n < feed.height; n++) {
    if (send(n, feed.block(n)!)) {
      reachedStop();
      return () => {};
    }
  }
  unsubscribe = feed.subscribe((n, response) => {
    if (send(n, response)) reachedStop();
  });
  return end;
}
