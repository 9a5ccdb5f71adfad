/**
 * The chaincode stub of the embedded network: fabric-shim's ChaincodeStub API over a simulation that
 * reads committed state and records a read/write set (with versions and range queries) the way a
 * Fabric peer's transaction simulator does. Reads never see the transaction's own writes, as in Fabric.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ChannelLedger, VersionedValue } from './ledger.ts';

const require = createRequire(import.meta.url);
// fabric-shim hands Long values out of getTxTimestamp(); contracts call .toNumber() / .low on them.
const Long = require(require.resolve('long', { paths: [require.resolve('fabric-shim')] })) as {
  fromNumber(n: number, unsigned?: boolean): unknown;
};

const COMPOSITE_NS = '\x00';
const MIN_RUNE = '\u0000';
const MAX_RUNE = '\u{10ffff}';
// What fabric-shim sends for an empty start key: skips composite keys, which start with \x00.
const EMPTY_KEY_SUBSTITUTE = '\x01';

/** A range query as the simulator saw it, for phantom-read validation. */
export interface RangeRecord {
  ns: string;
  start: string;
  end: string;
  /** True when the chaincode read the range to its end. */
  exhausted: boolean;
  /** Keys returned, with the versions read. */
  reads: Array<[string, number]>;
}

/** Read/write set of one transaction, across every namespace it touched. */
export class Simulation {
  /** ns -> key -> version read (0 = key absent). */
  readonly reads = new Map<string, Map<string, number>>();
  /** ns -> key -> value written (null = delete). */
  readonly writes = new Map<string, Map<string, Buffer | null>>();
  readonly ranges: RangeRecord[] = [];
  /** The event set by the top-level chaincode (Fabric keeps one per transaction). */
  event?: { name: string; payload: Buffer };

  recordRead(ns: string, key: string, ver: number): void {
    let m = this.reads.get(ns);
    if (!m) {
      m = new Map();
      this.reads.set(ns, m);
    }
    if (!m.has(key)) m.set(key, ver);
  }

  recordWrite(ns: string, key: string, value: Buffer | null): void {
    let m = this.writes.get(ns);
    if (!m) {
      m = new Map();
      this.writes.set(ns, m);
    }
    m.set(key, value);
  }
}

/** A chaincode response as fabric-shim shapes it. */
export interface ChaincodeResponse {
  status: number;
  message?: string;
  payload?: Uint8Array;
}

/** What every stub of one transaction shares. */
export interface TxContext {
  channel: string;
  txId: string;
  /** Creator as fabric-shim exposes it. */
  creator: { mspid: string; idBytes: Buffer };
  /** Raw serialized creator, for getBinding(). */
  creatorBytes: Uint8Array;
  nonce: Uint8Array;
  /** Client timestamp of the proposal. */
  timestamp: { seconds: number; nanos: number };
  transient: Map<string, Buffer>;
  /** Decoded signed proposal in fabric-shim's shape, built on first request. */
  signedProposal: () => unknown;
  /** MSP of the peer running the chaincode. */
  peerMspId: string;
  ledger: ChannelLedger;
  sim: Simulation;
  /** Runs another chaincode of the channel inside the same simulation. */
  invoke: (ctx: TxContext, chaincode: string, args: Buffer[]) => Promise<ChaincodeResponse>;
  /** True for Evaluate: reads only, writes are refused. */
  readOnly: boolean;
}

/** One key/value of a range or composite key query. */
export interface QueryKV {
  key: string;
  value: Buffer;
  namespace: string;
}

/** Iterator with fabric-shim's interface: next() -> {value, done}, close(). */
export class LedgerIterator<T> {
  readonly #items: Iterator<T>;
  readonly #onItem?: (item: T) => void;
  readonly #onEnd?: () => void;
  #closed = false;

  constructor(items: Iterable<T>, onItem?: (item: T) => void, onEnd?: () => void) {
    this.#items = items[Symbol.iterator]();
    this.#onItem = onItem;
    this.#onEnd = onEnd;
  }

  async next(): Promise<{ value: T; done: false } | { value?: undefined; done: true }> {
    if (this.#closed) return { done: true };
    const r = this.#items.next();
    if (r.done) {
      this.#closed = true;
      this.#onEnd?.();
      return { done: true };
    }
    this.#onItem?.(r.value);
    return { value: r.value, done: false };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async () => {
        const r = await this.next();
        return r.done ? { value: undefined, done: true } : r;
      },
    };
  }
}

type Paged<T> = { iterator: LedgerIterator<T>; metadata: { fetchedRecordsCount: number; bookmark: string } };

/** A promise of an iterator that can also be used directly in `for await`, as fabric-shim's are. */
function iterable<T>(p: Promise<LedgerIterator<T> | Paged<T>>): Promise<LedgerIterator<T> | Paged<T>> & AsyncIterable<T> {
  const out = p as Promise<LedgerIterator<T> | Paged<T>> & AsyncIterable<T>;
  out[Symbol.asyncIterator] = () => {
    let it: LedgerIterator<T> | undefined;
    return {
      next: async () => {
        if (!it) {
          const r = await p;
          it = 'iterator' in r ? r.iterator : r;
        }
        const n = await it.next();
        return n.done ? { value: undefined, done: true } : n;
      },
    };
  };
  return out;
}

/**
 * A copy that owns its memory. Small Buffer.from() copies are cut from shared 8 KB pool slabs, and a
 * value kept in the world state would pin its whole slab for as long as the key lives.
 */
function ownCopy(data: Uint8Array | string): Buffer {
  const src = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafeSlow(src.length);
  out.set(src);
  return out;
}

function unsupported(what: string): never {
  throw new Error(`${what} is not supported by the embedded network`);
}

function validKey(key: unknown, fn: string): string {
  if (typeof key !== 'string' || key === '') throw new Error(`${fn}: key must be a non-empty string`);
  return key;
}

/** fabric-shim's ChaincodeStub, for one chaincode namespace within one transaction. */
export class EmbeddedStub {
  readonly #ctx: TxContext;
  readonly #ns: string;
  readonly #args: Buffer[];
  #strArgs?: string[];

  constructor(ctx: TxContext, namespace: string, args: Buffer[]) {
    this.#ctx = ctx;
    this.#ns = namespace;
    this.#args = args;
  }

  getArgs(): string[] {
    this.#strArgs ??= this.#args.map((a) => a.toString());
    return this.#strArgs;
  }

  getStringArgs(): string[] {
    return this.getArgs();
  }

  getBufferArgs(): Buffer[] {
    return this.#args;
  }

  getFunctionAndParameters(): { fcn: string; params: string[] } {
    const [fcn = '', ...params] = this.getArgs();
    return { fcn, params };
  }

  getTxID(): string {
    return this.#ctx.txId;
  }

  getChannelID(): string {
    return this.#ctx.channel;
  }

  getCreator(): { mspid: string; idBytes: Buffer } {
    return this.#ctx.creator;
  }

  getMspID(): string {
    return this.#ctx.peerMspId;
  }

  getTransient(): Map<string, Buffer> {
    return this.#ctx.transient;
  }

  getSignedProposal(): unknown {
    return this.#ctx.signedProposal();
  }

  getTxTimestamp(): { seconds: unknown; nanos: number } {
    return { seconds: Long.fromNumber(this.#ctx.timestamp.seconds, true), nanos: this.#ctx.timestamp.nanos };
  }

  getDateTimestamp(): Date {
    const t = this.#ctx.timestamp;
    return new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6));
  }

  getBinding(): string {
    return createHash('sha256').update(this.#ctx.nonce).update(this.#ctx.creatorBytes).update(Buffer.alloc(8)).digest('hex');
  }

  getDecorations(): Record<string, Buffer> {
    return {};
  }

  async getState(key: string): Promise<Buffer> {
    validKey(key, 'getState');
    const v = this.#ctx.ledger.ns(this.#ns).get(key);
    this.#ctx.sim.recordRead(this.#ns, key, v ? v.ver : 0);
    return v ? v.value : Buffer.alloc(0);
  }

  async putState(key: string, value: Uint8Array | string): Promise<void> {
    validKey(key, 'putState');
    if (this.#ctx.readOnly) return;
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new Error('putState: value must be a Buffer, Uint8Array or string');
    // Copied: the chaincode may reuse its buffer after the call.
    this.#ctx.sim.recordWrite(this.#ns, key, ownCopy(value));
  }

  async deleteState(key: string): Promise<void> {
    validKey(key, 'deleteState');
    if (this.#ctx.readOnly) return;
    this.#ctx.sim.recordWrite(this.#ns, key, null);
  }

  getStateByRange(startKey: string, endKey: string) {
    return iterable(this.#range(startKey || EMPTY_KEY_SUBSTITUTE, endKey ?? '', 0, ''));
  }

  getStateByRangeWithPagination(startKey: string, endKey: string, pageSize: number, bookmark = '') {
    return iterable(this.#range(startKey || EMPTY_KEY_SUBSTITUTE, endKey ?? '', pageSize, bookmark));
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]) {
    const prefix = this.createCompositeKey(objectType, attributes);
    return iterable(this.#range(prefix, prefix + MAX_RUNE, 0, ''));
  }

  getStateByPartialCompositeKeyWithPagination(objectType: string, attributes: string[], pageSize: number, bookmark = '') {
    const prefix = this.createCompositeKey(objectType, attributes);
    return iterable(this.#range(prefix, prefix + MAX_RUNE, pageSize, bookmark));
  }

  async #range(start: string, end: string, pageSize: number, bookmark: string): Promise<LedgerIterator<QueryKV> | Paged<QueryKV>> {
    const ns = this.#ns;
    const from = bookmark && bookmark > start ? bookmark : start;
    // Snapshot the range at once so a commit between two next() calls cannot reorder it.
    const rows: Array<[string, VersionedValue]> = [];
    for (const row of this.#ctx.ledger.ns(ns).range(from, end)) {
      if (pageSize > 0 && rows.length === pageSize + 1) break;
      rows.push(row);
    }
    let nextBookmark = '';
    if (pageSize > 0 && rows.length > pageSize) nextBookmark = rows.pop()![0];
    const rec: RangeRecord = { ns, start: from, end, exhausted: false, reads: [] };
    this.#ctx.sim.ranges.push(rec);
    const items = rows.map(([key, v]) => ({ key, value: v.value, namespace: ns }));
    const vers = new Map(rows.map(([k, v]) => [k, v.ver]));
    const it = new LedgerIterator<QueryKV>(
      items,
      (kv) => rec.reads.push([kv.key, vers.get(kv.key)!]),
      () => {
        // Read to the end: the whole range was seen. For a page, "the whole range" ends at the bookmark.
        if (nextBookmark !== '') rec.end = nextBookmark;
        rec.exhausted = true;
      },
    );
    if (pageSize > 0 || bookmark) return { iterator: it, metadata: { fetchedRecordsCount: rows.length, bookmark: nextBookmark } };
    return it;
  }

  getHistoryForKey(key: string) {
    validKey(key, 'getHistoryForKey');
    const h = this.#ctx.ledger.ns(this.#ns).history.get(key) ?? [];
    // Newest first, as Fabric's history database returns it.
    const items = [...h].reverse().map((e) => ({
      txId: e.txId,
      value: e.value ?? Buffer.alloc(0),
      isDelete: e.value === null,
      timestamp: { seconds: Math.floor(e.timestampMs / 1000), nanos: (e.timestampMs % 1000) * 1e6 },
    }));
    return iterable(Promise.resolve(new LedgerIterator(items)));
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    if (typeof objectType !== 'string' || objectType.includes(MIN_RUNE)) throw new Error('createCompositeKey: objectType must be a string without U+0000');
    let key = COMPOSITE_NS + objectType + MIN_RUNE;
    for (const a of attributes ?? []) {
      if (typeof a !== 'string' || a.includes(MIN_RUNE)) throw new Error('createCompositeKey: attributes must be strings without U+0000');
      key += a + MIN_RUNE;
    }
    return key;
  }

  splitCompositeKey(compositeKey: string): { objectType: string | null; attributes: string[] } {
    if (!compositeKey || compositeKey[0] !== COMPOSITE_NS) return { objectType: null, attributes: [] };
    const parts = compositeKey.slice(1).split(MIN_RUNE);
    return { objectType: parts[0], attributes: parts.slice(1, -1) };
  }

  setEvent(name: string, payload: Uint8Array | string): void {
    if (typeof name !== 'string' || name === '') throw new Error('setEvent: event name must be a non-empty string');
    this.#ctx.sim.event = { name, payload: ownCopy(payload ?? '') };
  }

  async invokeChaincode(chaincodeName: string, args: Array<string | Uint8Array>, channel?: string): Promise<ChaincodeResponse> {
    if (channel && channel !== this.#ctx.channel) unsupported('invokeChaincode across channels');
    return this.#ctx.invoke(
      this.#ctx,
      chaincodeName,
      args.map((a) => Buffer.from(a)),
    );
  }

  getQueryResult(): never {
    unsupported('getQueryResult (rich queries need CouchDB)');
  }

  getQueryResultWithPagination(): never {
    unsupported('getQueryResultWithPagination (rich queries need CouchDB)');
  }

  getPrivateData(): never {
    unsupported('Private data collections (getPrivateData)');
  }

  getPrivateDataHash(): never {
    unsupported('Private data collections (getPrivateDataHash)');
  }

  putPrivateData(): never {
    unsupported('Private data collections (putPrivateData)');
  }

  deletePrivateData(): never {
    unsupported('Private data collections (deletePrivateData)');
  }

  purgePrivateData(): never {
    unsupported('Private data collections (purgePrivateData)');
  }

  getPrivateDataByRange(): never {
    unsupported('Private data collections (getPrivateDataByRange)');
  }

  getPrivateDataByPartialCompositeKey(): never {
    unsupported('Private data collections (getPrivateDataByPartialCompositeKey)');
  }

  getPrivateDataQueryResult(): never {
    unsupported('Private data collections (getPrivateDataQueryResult)');
  }

  setStateValidationParameter(): never {
    unsupported('Key-level endorsement policies (setStateValidationParameter)');
  }

  getStateValidationParameter(): never {
    unsupported('Key-level endorsement policies (getStateValidationParameter)');
  }
}
