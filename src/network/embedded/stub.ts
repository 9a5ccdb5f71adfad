/**
 * The chaincode stub of the embedded network: fabric-shim's ChaincodeStub API over a simulation that
 * reads committed state and records a read/write set (with versions and range queries) the way a
 * Fabric peer's transaction simulator does. Reads never see the transaction's own writes, as in Fabric.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ChannelLedger, VersionedValue } from './ledger.ts';
import { hashedNs, keyHash, privateNsName, valueHash } from './private-data.ts';
import type { CollectionConfig } from './private-data-collections.ts';
import type { ChaincodeIndexes } from './rich-query-indexes.ts';
import { parseRichQuery, type RichRow, runRichQuery } from './rich-query.ts';

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
  /** ns -> key -> key-level endorsement policy written (null = removed); hashed namespaces for private keys. */
  readonly meta = new Map<string, Map<string, Buffer | null>>();
  /**
   * Hashed namespace -> the private values behind its hashed writes (never on the public ledger), and
   * the keys whose validation parameter alone changed (their private values take the new version).
   */
  readonly pvt = new Map<string, PrivateRecord>();
  /** The event set by the top-level chaincode (Fabric keeps one per transaction). */
  event?: { name: string; payload: Buffer };
  /** Set by a query Fabric allows only in read-only transactions (paginated, private data): no writes after it. */
  readOnlyQuery?: string;

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

  recordMeta(ns: string, key: string, vp: Buffer | null): void {
    let m = this.meta.get(ns);
    if (!m) {
      m = new Map();
      this.meta.set(ns, m);
    }
    m.set(key, vp);
  }

  /** A private write: its hashes go into the read/write set, its value only to collection members. */
  recordPrivateWrite(ns: string, collection: string, key: string, value: Buffer | null): void {
    const hns = hashedNs(ns, collection);
    this.recordWrite(hns, keyHash(key), value === null ? null : valueHash(value));
    this.#private(ns, collection).writes.set(key, value);
  }

  /** A private key's validation parameter (on its hash, in the public state). */
  recordPrivateMeta(ns: string, collection: string, key: string, vp: Buffer | null): void {
    this.recordMeta(hashedNs(ns, collection), keyHash(key), vp);
    this.#private(ns, collection).retagged.add(key);
  }

  #private(ns: string, collection: string): PrivateRecord {
    const hns = hashedNs(ns, collection);
    let p = this.pvt.get(hns);
    if (!p) {
      p = { ns, collection, writes: new Map(), retagged: new Set() };
      this.pvt.set(hns, p);
    }
    return p;
  }

  /** True once anything was written (state, private data or validation parameters). */
  get hasWrites(): boolean {
    return this.writes.size > 0 || this.meta.size > 0;
  }
}

/** The private side of one collection's writes in a transaction. */
export interface PrivateRecord {
  ns: string;
  collection: string;
  writes: Map<string, Buffer | null>;
  retagged: Set<string>;
}

/** What a deployed chaincode declares that the stub needs: its CouchDB indexes and collections. */
export interface NamespaceDefinition {
  indexes?: ChaincodeIndexes;
  collections?: Map<string, CollectionConfig>;
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
  /** The definition of a chaincode namespace of the channel (indexes, collections). */
  definition?: (ns: string) => NamespaceDefinition | undefined;
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
    if (!this.#writable('putState')) return;
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new Error('putState: value must be a Buffer, Uint8Array or string');
    // Copied: the chaincode may reuse its buffer after the call.
    this.#ctx.sim.recordWrite(this.#ns, key, ownCopy(value));
  }

  async deleteState(key: string): Promise<void> {
    validKey(key, 'deleteState');
    if (!this.#writable('deleteState')) return;
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
    if (pageSize > 0 || bookmark) this.#readOnlyQuery('Paginated queries');
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

  /** A rich query (CouchDB Mango): keys returned are read (MVCC-checked), the query is not re-run at validation. */
  getQueryResult(query: string) {
    return iterable(Promise.resolve().then(() => this.#richQuery(query, 0, '', false)));
  }

  /** A page of a rich query; Fabric allows it only in a transaction that writes nothing. */
  getQueryResultWithPagination(query: string, pageSize: number, bookmark = '') {
    return iterable(
      Promise.resolve().then(() => {
        this.#readOnlyQuery('Paginated queries');
        return this.#richQuery(query, pageSize, bookmark ?? '', true);
      }),
    );
  }

  #richQuery(query: string, pageSize: number, bookmark: string, paged: boolean): LedgerIterator<QueryKV> | Paged<QueryKV> {
    if (typeof query !== 'string') throw new Error('getQueryResult: query must be a JSON string');
    const q = parseRichQuery(query);
    const ns = this.#ns;
    const res = runRichQuery(this.#ctx.ledger.ns(ns), q, this.#definition()?.indexes?.state ?? [], { pageSize, bookmark });
    return this.#rowsIterator(res.rows, paged ? res.bookmark : undefined, (r) => this.#ctx.sim.recordRead(ns, r.key, r.ver));
  }

  #rowsIterator(rows: RichRow[], bookmark: string | undefined, onRead?: (r: RichRow) => void): LedgerIterator<QueryKV> | Paged<QueryKV> {
    const ns = this.#ns;
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const it = new LedgerIterator<QueryKV>(
      rows.map((r) => ({ key: r.key, value: r.value, namespace: ns })),
      onRead && ((kv) => onRead(byKey.get(kv.key)!)),
    );
    return bookmark === undefined ? it : { iterator: it, metadata: { fetchedRecordsCount: rows.length, bookmark } };
  }

  /** Fabric refuses paginated and private data queries in a transaction that writes, and writes after them. */
  #readOnlyQuery(what: string): void {
    if (this.#ctx.sim.hasWrites) throw new Error(`txid [${this.#ctx.txId}]: ${what} are supported only in a read-only transaction`);
    this.#ctx.sim.readOnlyQuery ??= what;
  }

  #writable(fn: string): boolean {
    const q = this.#ctx.sim.readOnlyQuery;
    if (q) throw new Error(`${fn}: txid [${this.#ctx.txId}]: Transaction has already performed ${q.toLowerCase()} (allowed only in read-only transactions). Writes are not allowed`);
    return !this.#ctx.readOnly;
  }

  #definition(): NamespaceDefinition | undefined {
    return this.#ctx.definition?.(this.#ns);
  }

  #collection(collection: string, fn: string): CollectionConfig {
    if (typeof collection !== 'string' || collection === '') throw new Error(`${fn}: collection must be a non-empty string`);
    const c = this.#definition()?.collections?.get(collection);
    if (!c) throw new Error(`${fn}: collection ${collection} is not defined for chaincode ${this.#ns}: add it to the file its network file entry names in \`collections:\``);
    return c;
  }

  #checkRead(c: CollectionConfig): void {
    if (c.memberOnlyRead && !c.members.has(this.#ctx.creator.mspid)) {
      throw new Error(`tx creator does not have read access permission on privatedata in chaincodeName:${this.#ns} collectionName: ${c.name}`);
    }
  }

  #checkWrite(c: CollectionConfig): void {
    if (c.memberOnlyWrite && !c.members.has(this.#ctx.creator.mspid)) {
      throw new Error(`tx creator does not have write access permission on privatedata in chaincodeName:${this.#ns} collectionName: ${c.name}`);
    }
  }

  /** The private state of a collection as this peer's organization holds it (empty for non-members). */
  #privateState(c: CollectionConfig) {
    return c.members.has(this.#ctx.peerMspId) ? this.#ctx.ledger.privateNs(this.#ctx.peerMspId, privateNsName(this.#ns, c.name)) : undefined;
  }

  async getPrivateData(collection: string, key: string): Promise<Buffer> {
    const c = this.#collection(collection, 'getPrivateData');
    validKey(key, 'getPrivateData');
    this.#checkRead(c);
    const hns = hashedNs(this.#ns, c.name);
    const kh = keyHash(key);
    const hashed = this.#ctx.ledger.ns(hns).get(kh);
    const value = this.#privateState(c)?.get(key);
    // A peer without the value (not a member) cannot answer for the hash the public state has.
    if ((hashed?.ver ?? 0) !== (value?.ver ?? 0)) {
      throw new Error(
        `private data matching public hash version is not available. Public hash version = ${hashed ? hashed.ver : 'nil'}, Private data version = ${value ? value.ver : 'nil'} (peer of ${this.#ctx.peerMspId}, collection ${c.name} members ${[...c.members].join(', ')})`,
      );
    }
    this.#ctx.sim.recordRead(hns, kh, hashed?.ver ?? 0);
    return value ? value.value : Buffer.alloc(0);
  }

  async getPrivateDataHash(collection: string, key: string): Promise<Buffer> {
    const c = this.#collection(collection, 'getPrivateDataHash');
    validKey(key, 'getPrivateDataHash');
    const hns = hashedNs(this.#ns, c.name);
    const kh = keyHash(key);
    const hashed = this.#ctx.ledger.ns(hns).get(kh);
    this.#ctx.sim.recordRead(hns, kh, hashed?.ver ?? 0);
    return hashed ? hashed.value : Buffer.alloc(0);
  }

  async putPrivateData(collection: string, key: string, value: Uint8Array | string): Promise<void> {
    const c = this.#collection(collection, 'putPrivateData');
    validKey(key, 'putPrivateData');
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new Error('putPrivateData: value must be a Buffer, Uint8Array or string');
    this.#checkWrite(c);
    if (!this.#writable('putPrivateData')) return;
    this.#ctx.sim.recordPrivateWrite(this.#ns, c.name, key, ownCopy(value));
  }

  async deletePrivateData(collection: string, key: string): Promise<void> {
    const c = this.#collection(collection, 'deletePrivateData');
    validKey(key, 'deletePrivateData');
    this.#checkWrite(c);
    if (!this.#writable('deletePrivateData')) return;
    this.#ctx.sim.recordPrivateWrite(this.#ns, c.name, key, null);
  }

  /** Fabric 2.5's purge also drops the key's past versions; this network keeps none, so it is a delete. */
  async purgePrivateData(collection: string, key: string): Promise<void> {
    return this.deletePrivateData(collection, key);
  }

  getPrivateDataByRange(collection: string, startKey: string, endKey: string) {
    return iterable(Promise.resolve().then(() => this.#privateRange(collection, startKey || EMPTY_KEY_SUBSTITUTE, endKey ?? '', 'getPrivateDataByRange')));
  }

  getPrivateDataByPartialCompositeKey(collection: string, objectType: string, attributes: string[]) {
    const prefix = this.createCompositeKey(objectType, attributes);
    return iterable(Promise.resolve().then(() => this.#privateRange(collection, prefix, prefix + MAX_RUNE, 'getPrivateDataByPartialCompositeKey')));
  }

  /** Private range queries: not recorded for validation (Fabric offers no phantom protection for them). */
  #privateRange(collection: string, start: string, end: string, fn: string): LedgerIterator<QueryKV> | Paged<QueryKV> {
    const c = this.#collection(collection, fn);
    this.#checkRead(c);
    this.#readOnlyQuery('Queries on private data');
    const rows: RichRow[] = [];
    for (const [key, v] of this.#privateState(c)?.range(start, end) ?? []) rows.push({ key, value: v.value, ver: v.ver });
    return this.#rowsIterator(rows, undefined);
  }

  getPrivateDataQueryResult(collection: string, query: string) {
    return iterable(
      Promise.resolve().then(() => {
        const c = this.#collection(collection, 'getPrivateDataQueryResult');
        this.#checkRead(c);
        this.#readOnlyQuery('Queries on private data');
        const q = parseRichQuery(query);
        const state = this.#privateState(c);
        const res = runRichQuery(state ?? { range: () => [] }, q, this.#definition()?.indexes?.collections.get(c.name) ?? []);
        return this.#rowsIterator(res.rows, undefined);
      }),
    );
  }

  /** Set a key's endorsement policy (fabric-shim's KeyEndorsementPolicy.getPolicy() bytes). */
  async setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    validKey(key, 'setStateValidationParameter');
    if (!this.#writable('setStateValidationParameter')) return;
    this.#ctx.sim.recordMeta(this.#ns, key, ep && ep.length ? ownCopy(ep) : null);
  }

  /** A key's endorsement policy, or undefined when it has none (a read of the key, as in Fabric). */
  async getStateValidationParameter(key: string): Promise<Buffer | undefined> {
    validKey(key, 'getStateValidationParameter');
    const v = this.#ctx.ledger.ns(this.#ns).get(key);
    this.#ctx.sim.recordRead(this.#ns, key, v ? v.ver : 0);
    return v?.vp;
  }

  async setPrivateDataValidationParameter(collection: string, key: string, ep: Uint8Array): Promise<void> {
    const c = this.#collection(collection, 'setPrivateDataValidationParameter');
    validKey(key, 'setPrivateDataValidationParameter');
    this.#checkWrite(c);
    if (!this.#writable('setPrivateDataValidationParameter')) return;
    this.#ctx.sim.recordPrivateMeta(this.#ns, c.name, key, ep && ep.length ? ownCopy(ep) : null);
  }

  async getPrivateDataValidationParameter(collection: string, key: string): Promise<Buffer | undefined> {
    const c = this.#collection(collection, 'getPrivateDataValidationParameter');
    validKey(key, 'getPrivateDataValidationParameter');
    const hns = hashedNs(this.#ns, c.name);
    const kh = keyHash(key);
    const v = this.#ctx.ledger.ns(hns).get(kh);
    this.#ctx.sim.recordRead(hns, kh, v ? v.ver : 0);
    return v?.vp;
  }
}
