/**
 * Commit detection from one filtered-block stream (the peer's DeliverFiltered) per channel and worker,
 * matched by transaction id: each transaction then costs two gRPC calls (Endorse, Submit) instead of
 * three, and the peer sends one message per block instead of one CommitStatus answer per transaction.
 *
 * The stream starts at the NEWEST block, which the peer sends at once: receiving it proves that the
 * peer has registered the stream and will send every later block, so no transaction submitted after
 * open() returns can commit unseen. (fabric-gateway's getFilteredBlockEvents() starts at the next
 * commit, which sends nothing until a block commits, and gives no such proof.)
 */
import { createRequire } from 'node:module';
import * as protos from '@hyperledger/fabric-protos';
import type { SigningSetup } from './signer.ts';

const { common, orderer, peer, msp } = protos;
// google-protobuf comes with fabric-protos; its own copy's Timestamp is the one its messages accept.
const requireFromProtos = createRequire(createRequire(import.meta.url).resolve('@hyperledger/fabric-protos'));
const { Timestamp } = requireFromProtos('google-protobuf/google/protobuf/timestamp_pb.js') as {
  Timestamp: new () => { setSeconds(s: number): void; setNanos(n: number): void };
};

/** How a watched transaction ended. */
export type CommitSeen =
  /** Its block arrived: the validation code and block number. */
  | { kind: 'committed'; code: number; blockNumber: number }
  /** Its deadline passed first. */
  | { kind: 'timeout' }
  /** The stream broke before its block arrived: ask CommitStatus instead. */
  | { kind: 'lost'; why: string };

/** A registered wait for one transaction's commit. */
export interface CommitWait {
  readonly seen: Promise<CommitSeen>;
  /** Stop waiting (the submit failed); the transaction's block, if any, is ignored. */
  cancel(): void;
}

/** What {@link CommitWatcher.open} needs to sign its seek request. */
export interface WatcherIdentity {
  mspId: string;
  certPem: string;
  signing: SigningSetup;
}

/** The stream a {@link DeliverClient} opens: grpc-js's ClientDuplexStream, or h2-client.ts's call. */
export interface DeliverCall {
  write(message: Buffer): unknown;
  cancel(): void;
  on(event: 'data', listener: (message: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** What the watcher needs of a gRPC client: grpc-js's Client and h2-client.ts's both have it. */
export interface DeliverClient {
  makeBidiStreamRequest(method: string, serialize: (b: Buffer) => Buffer, deserialize: (b: Buffer) => Buffer): DeliverCall;
}

const DELIVER_FILTERED = '/protos.Deliver/DeliverFiltered';
const SWEEP_MS = 100;

interface Waiter {
  deadline: number;
  resolve: (s: CommitSeen) => void;
}

/** Why {@link CommitWatcher.open} could not open a stream (the connector then uses CommitStatus). */
export class StreamRefused extends Error {}

/** One DeliverFiltered stream of one channel and the transactions waiting on it. */
export class CommitWatcher {
  readonly channel: string;
  readonly #call: DeliverCall;
  readonly #onBroken: ((why: string) => void) | undefined;
  readonly #waiters = new Map<string, Waiter[]>();
  #sweep: NodeJS.Timeout | undefined;
  #broken: string | undefined;
  #closed = false;

  private constructor(channel: string, call: DeliverCall, onBroken: ((why: string) => void) | undefined) {
    this.channel = channel;
    this.#call = call;
    this.#onBroken = onBroken;
  }

  /**
   * Opens the stream and waits for the peer's first block (at most `openTimeoutMs`). `onBroken` is told
   * when an open stream stops serving other than by close().
   *
   * @throws StreamRefused when the peer answers with a status (FORBIDDEN: the identity may not read
   *   blocks; NOT_FOUND: no such channel), an error (UNIMPLEMENTED: no Deliver service), or nothing.
   */
  static open(client: DeliverClient, channel: string, id: WatcherIdentity, openTimeoutMs: number, onBroken?: (why: string) => void): Promise<CommitWatcher> {
    const envelope = seekEnvelope(channel, id);
    const call = client.makeBidiStreamRequest(DELIVER_FILTERED, (b) => b, (b) => b);
    return envelope.then(
      (bytes) =>
        new Promise<CommitWatcher>((resolve, reject) => {
          let watcher: CommitWatcher | undefined;
          const refuse = (why: string) => {
            clearTimeout(timer);
            call.cancel();
            reject(new StreamRefused(why));
          };
          const timer = setTimeout(() => refuse(`no block within ${openTimeoutMs} ms`), openTimeoutMs);
          call.on('data', (bytes: Buffer) => {
            let response: InstanceType<typeof peer.DeliverResponse>;
            try {
              response = peer.DeliverResponse.deserializeBinary(bytes);
            } catch (err) {
              if (watcher) watcher.#fail(`undecodable deliver response: ${(err as Error).message}`);
              else refuse(`undecodable deliver response: ${(err as Error).message}`);
              return;
            }
            const block = response.getFilteredBlock();
            if (!block) {
              const why = `the peer answered status ${response.getStatus()} (${statusName(response.getStatus())})`;
              if (watcher) watcher.#fail(why);
              else refuse(why);
              return;
            }
            if (!watcher) {
              clearTimeout(timer);
              watcher = new CommitWatcher(channel, call, onBroken);
              resolve(watcher);
            }
            watcher.#onBlock(block);
          });
          call.on('error', (err: Error) => {
            if (watcher) watcher.#fail(err.message);
            else refuse(err.message);
          });
          call.on('end', () => {
            if (watcher) watcher.#fail('the peer ended the block stream');
            else refuse('the peer ended the block stream');
          });
          call.write(bytes);
        }),
      (err: unknown) => {
        call.cancel();
        throw new StreamRefused(`cannot sign the seek request: ${(err as Error).message}`);
      },
    );
  }

  /** Why the stream stopped serving, once it has; new transactions then use CommitStatus. */
  get broken(): string | undefined {
    return this.#broken;
  }

  /**
   * Registers interest in `txId`'s commit. Call it before submitting: the block can arrive before
   * the Submit call returns. `deadline` is a Date.now() instant.
   */
  wait(txId: string, deadline: number): CommitWait {
    if (this.#broken) return { seen: Promise.resolve({ kind: 'lost', why: this.#broken }), cancel: () => {} };
    let waiter!: Waiter;
    const seen = new Promise<CommitSeen>((resolve) => {
      waiter = { deadline, resolve };
    });
    const list = this.#waiters.get(txId);
    if (list) list.push(waiter);
    else this.#waiters.set(txId, [waiter]);
    this.#sweep ??= setInterval(() => this.#expire(), SWEEP_MS).unref();
    return { seen, cancel: () => this.#remove(txId, waiter) };
  }

  /** Ends the stream; transactions still waiting are told to ask CommitStatus. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail('the connector closed its block stream');
  }

  #onBlock(block: InstanceType<typeof peer.FilteredBlock>): void {
    if (this.#waiters.size === 0) return;
    const blockNumber = block.getNumber();
    for (const tx of block.getFilteredTransactionsList()) {
      const list = this.#waiters.get(tx.getTxid());
      if (!list) continue;
      this.#waiters.delete(tx.getTxid());
      const seen: CommitSeen = { kind: 'committed', code: tx.getTxValidationCode(), blockNumber };
      for (const w of list) w.resolve(seen);
    }
    this.#idle();
  }

  #fail(why: string): void {
    if (this.#broken) return;
    this.#broken = why;
    this.#call.cancel();
    for (const list of this.#waiters.values()) for (const w of list) w.resolve({ kind: 'lost', why });
    this.#waiters.clear();
    this.#idle();
    if (!this.#closed) this.#onBroken?.(why);
  }

  #expire(): void {
    const now = Date.now();
    for (const [txId, list] of this.#waiters) {
      const left = list.filter((w) => {
        if (w.deadline > now) return true;
        w.resolve({ kind: 'timeout' });
        return false;
      });
      if (left.length === 0) this.#waiters.delete(txId);
      else if (left.length !== list.length) this.#waiters.set(txId, left);
    }
    this.#idle();
  }

  #remove(txId: string, waiter: Waiter): void {
    const list = this.#waiters.get(txId);
    if (!list) return;
    const left = list.filter((w) => w !== waiter);
    if (left.length === 0) this.#waiters.delete(txId);
    else this.#waiters.set(txId, left);
    this.#idle();
  }

  /** No timer while nothing waits. */
  #idle(): void {
    if (this.#waiters.size === 0 && this.#sweep) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }
}

function statusName(code: number): string {
  return Object.entries(common.Status).find(([, n]) => n === code)?.[0] ?? 'UNKNOWN';
}

/**
 * The signed seek request: common.Envelope { payload: Payload { header: { ChannelHeader
 * (DELIVER_SEEK_INFO, channel, timestamp), SignatureHeader (creator) }, data: SeekInfo { start: NEWEST,
 * stop: the largest block number, BLOCK_UNTIL_READY } }, signature }.
 */
async function seekEnvelope(channel: string, id: WatcherIdentity): Promise<Buffer> {
  const creator = new msp.SerializedIdentity();
  creator.setMspid(id.mspId);
  creator.setIdBytes(Buffer.from(id.certPem));
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.DELIVER_SEEK_INFO);
  channelHeader.setChannelId(channel);
  const now = Date.now();
  // A peer refuses a seek whose timestamp is outside its time window (15 minutes by default).
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(now / 1000));
  ts.setNanos((now % 1000) * 1e6);
  channelHeader.setTimestamp(ts as never);
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator.serializeBinary());
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const start = new orderer.SeekPosition();
  start.setNewest(new orderer.SeekNewest());
  const last = new orderer.SeekSpecified();
  last.setNumber(Number.MAX_SAFE_INTEGER);
  const stop = new orderer.SeekPosition();
  stop.setSpecified(last);
  const seek = new orderer.SeekInfo();
  seek.setStart(start);
  seek.setStop(stop);
  seek.setBehavior(orderer.SeekInfo.SeekBehavior.BLOCK_UNTIL_READY);

  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(seek.serializeBinary());
  const payloadBytes = payload.serializeBinary();
  const signature = await id.signing.signer(id.signing.hash(payloadBytes));
  const envelope = new common.Envelope();
  envelope.setPayload(payloadBytes);
  envelope.setSignature(signature);
  return Buffer.from(envelope.serializeBinary());
}
