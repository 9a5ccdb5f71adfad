/**
 * The committed state of one channel: versioned world state per chaincode namespace, key history,
 * transaction statuses, chaincode events by block. Everything lives in memory and every operation a
 * transaction triggers is O(1) or O(log n) (range queries aside), so commit cost does not grow with
 * the ledger.
 */

/** Versions pack (block number, tx number) into one number: block * 2^20 + tx. 0 means "absent". */
export const TX_PER_BLOCK_LIMIT = 1_048_576;

/** Encode a Fabric height (block number, transaction number in block) as one number. */
export function packVersion(blockNum: number, txNum: number): number {
  return blockNum * TX_PER_BLOCK_LIMIT + txNum;
}

/** Decode {@link packVersion}. */
export function unpackVersion(ver: number): { blockNum: number; txNum: number } {
  return { blockNum: Math.floor(ver / TX_PER_BLOCK_LIMIT), txNum: ver % TX_PER_BLOCK_LIMIT };
}

/** A committed value. */
export interface VersionedValue {
  value: Buffer;
  ver: number;
  /** Contract function of the transaction that wrote it (for conflict reports). */
  writerFn: string;
  /** Key-level endorsement policy (SignaturePolicyEnvelope bytes) set with setStateValidationParameter. */
  vp?: Buffer;
}

/** One write in a key's history. */
export interface HistoryEntry {
  txId: string;
  /** null for a delete. */
  value: Buffer | null;
  /** Client timestamp of the transaction, ms since epoch. */
  timestampMs: number;
}

/** Writes kept per key for getHistoryForKey; a hot key drops its oldest half beyond this. */
export const HISTORY_PER_KEY = 10_000;
/** Blocks with chaincode events kept for replay; older ones are dropped beyond this. */
export const EVENT_BLOCKS_KEPT = 20_000;
/** Transaction statuses kept (for CommitStatus and DUPLICATE_TXID); the oldest go first beyond this. */
export const STATUSES_KEPT = 2_000_000;

/** One chaincode namespace's keys, with a lazily sorted key index for range queries. */
export class NamespaceState {
  readonly map = new Map<string, VersionedValue>();
  readonly history = new Map<string, HistoryEntry[]>();
  // Keys appended on first write and sorted only when a range query needs order; deleted keys are
  // dropped at the next sort. Writes stay O(1) however large the state grows.
  #keys: string[] = [];
  #indexed = new Set<string>();
  #sorted = true;

  /** Current committed value of a key. */
  get(key: string): VersionedValue | undefined {
    return this.map.get(key);
  }

  /**
   * Commit one write (value null = delete). `vp` sets the key-level endorsement policy (null removes
   * it); undefined keeps the one the key has, as a plain putState does in Fabric.
   */
  apply(key: string, value: Buffer | null, ver: number, writerFn: string, txId: string, timestampMs: number, keepHistory: boolean, vp?: Buffer | null): void {
    if (value === null) {
      this.map.delete(key);
    } else {
      const keptVp = vp === undefined ? this.map.get(key)?.vp : (vp ?? undefined);
      this.map.set(key, keptVp ? { value, ver, writerFn, vp: keptVp } : { value, ver, writerFn });
      if (!this.#indexed.has(key)) {
        this.#indexed.add(key);
        const last = this.#keys[this.#keys.length - 1];
        if (last !== undefined && last > key) this.#sorted = false;
        this.#keys.push(key);
      }
    }
    if (keepHistory) {
      let h = this.history.get(key);
      if (!h) {
        h = [];
        this.history.set(key, h);
      }
      h.push({ txId, value, timestampMs });
      // Bounded so a benchmark hammering one key runs in constant memory.
      if (h.length > HISTORY_PER_KEY) h.splice(0, HISTORY_PER_KEY / 2);
    }
  }

  /** Keys in [start, end) in sorted order (end '' = no upper bound), with their committed values. */
  *range(start: string, end: string): Generator<[string, VersionedValue]> {
    const keys = this.#sortedKeys();
    let i = lowerBound(keys, start);
    for (; i < keys.length; i++) {
      const k = keys[i];
      if (end !== '' && k >= end) return;
      const v = this.map.get(k);
      if (v) yield [k, v];
    }
  }

  #sortedKeys(): string[] {
    if (!this.#sorted || this.#keys.length !== this.map.size) {
      const live = this.#keys.filter((k) => this.map.has(k));
      if (live.length !== this.#keys.length) this.#indexed = new Set(live);
      if (!this.#sorted) live.sort();
      this.#keys = live;
      this.#sorted = true;
    }
    return this.#keys;
  }
}

function lowerBound(arr: string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How a committed transaction ended. */
export interface TxStatus {
  /** TxValidationCode number. */
  code: number;
  blockNumber: number;
}

/** A chaincode event of a valid transaction. */
export interface StoredEvent {
  chaincodeId: string;
  txId: string;
  eventName: string;
  payload: Uint8Array;
}

/** A private write that expires: its value and its hash go when the expiry block commits. */
export interface PrivateExpiry {
  /** Hashed namespace (`<chaincode>$$h<collection>`) and key hash on the public state. */
  hashedNs: string;
  keyHash: string;
  /** Private namespace and key in the member organizations' stores. */
  privateNs: string;
  key: string;
  members: string[];
  /** Version written; a later write of the key keeps it alive. */
  ver: number;
}

/** The committed ledger of one channel. */
export class ChannelLedger {
  readonly channel: string;
  readonly #namespaces = new Map<string, NamespaceState>();
  readonly #status = new Map<string, TxStatus>();
  readonly #waiters = new Map<string, Array<(s: TxStatus) => void>>();
  /** Blocks that carried chaincode events, in block order. */
  readonly eventBlocks: Array<{ blockNumber: number; events: StoredEvent[] }> = [];
  readonly #blockListeners = new Set<(blockNumber: number, events: StoredEvent[]) => void>();
  /** Height: number of the next block. Block 0 stands for the genesis (config) block. */
  height = 1;

  constructor(channel: string) {
    this.channel = channel;
  }

  /** Each organization's private data store: MSP id -> private namespace -> state. */
  readonly #privateStates = new Map<string, Map<string, NamespaceState>>();
  /** Block number -> private values that are purged when that block commits (blockToLive). */
  readonly privateExpiries = new Map<number, PrivateExpiry[]>();

  /**
   * The private values of one collection (namespace `<chaincode>$$p<collection>`) as one
   * organization's peers keep them (created on first use).
   */
  privateNs(mspId: string, name: string): NamespaceState {
    let org = this.#privateStates.get(mspId);
    if (!org) {
      org = new Map();
      this.#privateStates.set(mspId, org);
    }
    let s = org.get(name);
    if (!s) {
      s = new NamespaceState();
      org.set(name, s);
    }
    return s;
  }

  /** State of one namespace (created on first use). */
  ns(name: string): NamespaceState {
    let s = this.#namespaces.get(name);
    if (!s) {
      s = new NamespaceState();
      this.#namespaces.set(name, s);
    }
    return s;
  }

  /** Status of a committed transaction. */
  status(txId: string): TxStatus | undefined {
    return this.#status.get(txId);
  }

  /** Resolves once the transaction has committed (at once if it already has). */
  waitForStatus(txId: string): { promise: Promise<TxStatus>; cancel: () => void } {
    const s = this.#status.get(txId);
    if (s) return { promise: Promise.resolve(s), cancel: () => {} };
    let resolveFn!: (s: TxStatus) => void;
    const promise = new Promise<TxStatus>((r) => {
      resolveFn = r;
    });
    let list = this.#waiters.get(txId);
    if (!list) {
      list = [];
      this.#waiters.set(txId, list);
    }
    list.push(resolveFn);
    const cancel = () => {
      const l = this.#waiters.get(txId);
      if (!l) return;
      const i = l.indexOf(resolveFn);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.#waiters.delete(txId);
    };
    return { promise, cancel };
  }

  /** Record a transaction's validation outcome and wake its waiters. */
  recordStatus(txId: string, status: TxStatus): void {
    // A duplicate keeps the first (committed) status, as Fabric's ledger does.
    if (!this.#status.has(txId)) {
      this.#status.set(txId, status);
      // Map order is insertion order: the first key is the oldest status.
      if (this.#status.size > STATUSES_KEPT) this.#status.delete(this.#status.keys().next().value!);
    }
    const list = this.#waiters.get(txId);
    if (list) {
      this.#waiters.delete(txId);
      for (const w of list) w(status);
    }
  }

  /** Close a block: advance the height, keep its events, tell listeners. */
  finishBlock(blockNumber: number, events: StoredEvent[]): void {
    this.height = blockNumber + 1;
    if (events.length > 0) {
      this.eventBlocks.push({ blockNumber, events });
      if (this.eventBlocks.length > EVENT_BLOCKS_KEPT) this.eventBlocks.splice(0, EVENT_BLOCKS_KEPT / 2);
    }
    for (const l of this.#blockListeners) l(blockNumber, events);
  }

  /** Be told about every block committed from now on; returns the unsubscribe function. */
  onBlock(listener: (blockNumber: number, events: StoredEvent[]) => void): () => void {
    this.#blockListeners.add(listener);
    return () => this.#blockListeners.delete(listener);
  }
}
