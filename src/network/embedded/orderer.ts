/**
 * The ordering service of one channel: Fabric's block cutter rules (orderer/common/blockcutter),
 * applied in arrival order.
 *  - a message larger than PreferredMaxBytes goes into a block of its own (pending ones are cut first);
 *  - a message that would push the pending bytes over PreferredMaxBytes cuts the pending batch first;
 *  - reaching MaxMessageCount cuts;
 *  - BatchTimeout after the first message of a batch, whatever is pending is cut.
 * Messages above AbsoluteMaxBytes are refused at broadcast.
 */

/** BatchSize and BatchTimeout of a channel. */
export interface BatchConfig {
  maxMessageCount: number;
  absoluteMaxBytes: number;
  preferredMaxBytes: number;
  batchTimeoutMs: number;
}

/** Why a block was cut (for tests and metrics). */
export type CutReason = 'count' | 'bytes' | 'timeout' | 'oversized' | 'flush';

/** Cuts ordered messages into batches and hands each batch on in order. */
export class BlockCutter<T> {
  readonly #cfg: BatchConfig;
  readonly #onBatch: (batch: T[], reason: CutReason) => void;
  #pending: T[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(cfg: BatchConfig, onBatch: (batch: T[], reason: CutReason) => void) {
    this.#cfg = cfg;
    this.#onBatch = onBatch;
  }

  /** Order one message of `size` bytes. Throws when it exceeds AbsoluteMaxBytes. */
  ordered(msg: T, size: number): void {
    const { preferredMaxBytes, absoluteMaxBytes, maxMessageCount } = this.#cfg;
    if (size > absoluteMaxBytes) {
      throw new Error(`message of ${size} bytes exceeds the channel's AbsoluteMaxBytes of ${absoluteMaxBytes}`);
    }
    if (size > preferredMaxBytes) {
      if (this.#pending.length) this.#cut('bytes');
      this.#onBatch([msg], 'oversized');
      return;
    }
    if (this.#pendingBytes + size > preferredMaxBytes && this.#pending.length) this.#cut('bytes');
    this.#pending.push(msg);
    this.#pendingBytes += size;
    if (this.#pending.length >= maxMessageCount) {
      this.#cut('count');
      return;
    }
    if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#pending.length) this.#cut('timeout');
      }, this.#cfg.batchTimeoutMs);
    }
  }

  /** Number of messages waiting for a cut. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Stop the timer and drop what is pending (the network is stopping). */
  close(): T[] {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const left = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    return left;
  }

  #cut(reason: CutReason): void {
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#onBatch(batch, reason);
  }
}
