/**
 * Worker side of the statistics: records every transaction into fixed-size structures (HDR histograms,
 * counters, a small ring of per-second buckets) and hands out deltas as snapshots. This is the hot path
 * of a worker, so successes touch no Map, build no string and allocate nothing.
 */
import type { JsHistogram } from 'hdr-histogram-js';
import { ConfigError } from '../config/errors.ts';
import type { TxOutcome } from '../connectors/types.ts';
import { encodeHistogram, msToUs, newRecordingHistogram, recordUs } from './hdr.ts';
import type { SecondDelta, StatsSnapshot } from './snapshot.ts';

export type { SecondDelta, StatsSnapshot } from './snapshot.ts';

/** Options of one worker's recorder for one round. */
export interface RecorderOptions {
  workerIndex: number;
  /**
   * Caliper trim: first and last `trim` transactions of THIS worker (trimBy 'tx') or first and last
   * `trim` seconds of the round (trimBy 'seconds') are left out of every figure. 0 = no trim.
   */
  trim: number;
  trimBy: 'tx' | 'seconds';
  /** This worker's transaction count (txNumber rounds) or the round length (txDuration rounds). */
  txCount?: number;
  durationMs?: number;
  /** Open model: also record latency from the intended send time and send lateness. */
  openModel: boolean;
}

/** Distinct failure reasons a recorder keeps apart; later new reasons count under `other`. */
export const MAX_FAILURE_REASONS = 50;
/** Distinct phase names a recorder keeps; phases with further names are not recorded. */
export const MAX_PHASES = 8;
/** Reason used for failures beyond the cap. */
export const OTHER_REASON = 'other';
/** Reason used for failures that carry none. */
export const UNKNOWN_REASON = 'unknown';
/** Reason of transactions that never settled (see TxRecorder.onUnsettled). */
export const UNFINISHED_REASON = 'unfinished';

/** Initial number of per-second slots; snapshots about once a second touch 1 to 3 of them. */
const INITIAL_SLOTS = 8;
const EMPTY = -1;

/** Whole second of the round an instant (ms since the round start) falls in; negatives and NaN give 0. */
function secondOf(ms: number): number {
  return ms > 0 ? (ms / 1000) | 0 : 0;
}

/** Records one worker's transactions for one round. */
export class TxRecorder {
  // Untrimmed running totals, and their values at the previous snapshot.
  private nSent = 0;
  private nCompleted = 0;
  private nSucceeded = 0;
  private nFailed = 0;
  private snapSent = 0;
  private snapCompleted = 0;
  private snapSucceeded = 0;
  private snapFailed = 0;

  // Kept figures since the previous snapshot.
  private keptSucceeded = 0;
  private keptFailed = 0;
  private keptUnfinished = 0;
  private keptInterrupted = 0;
  private keptDropped = 0;
  private firstSend = Number.POSITIVE_INFINITY;
  private lastSend = Number.NEGATIVE_INFINITY;
  /** Latest completion that settled on its own: a success, or a failure that was not a timeout. */
  private lastDone = Number.NEGATIVE_INFINITY;
  /** Latest completion of any kind, timeouts included (Caliper's throughput uses it). */
  private lastAnyDone = Number.NEGATIVE_INFINITY;
  private watermark = -1;

  /** A transaction is kept when its trim key (tx index or send time) is in [keepFrom, keepTo). */
  private readonly trimByTx: boolean;
  private readonly keepFrom: number;
  private readonly keepTo: number;

  private readonly latency = newRecordingHistogram();
  private readonly corrected: JsHistogram | null;
  private readonly lateness: JsHistogram | null;
  // Phases by linear scan over a handful of names: cheaper than a Map for 3 to 8 entries.
  private readonly phaseNames: string[] = [];
  private readonly phaseHists: JsHistogram[] = [];
  /** Every reason seen so far (bounded by the cap), so the cap stays stable across snapshots. */
  private readonly knownReasons = new Set<string>();
  private readonly failures = new Map<string, number>();

  // Ring of per-second slots indexed by second & mask; slotSecond holds which second a slot is for.
  private mask = INITIAL_SLOTS - 1;
  private slotSecond = new Int32Array(INITIAL_SLOTS).fill(EMPTY);
  private slotSent = new Float64Array(INITIAL_SLOTS);
  private slotOk = new Float64Array(INITIAL_SLOTS);
  private slotFail = new Float64Array(INITIAL_SLOTS);
  private slotDone = new Float64Array(INITIAL_SLOTS);
  private slotHist: Array<JsHistogram | null> = new Array(INITIAL_SLOTS).fill(null);
  /** Reset per-second histograms waiting for reuse, so steady state allocates none. */
  private readonly spareHists: JsHistogram[] = [];

  /** @throws ConfigError when the trim cannot be applied (missing count/length, or it keeps nothing). */
  constructor(opts: RecorderOptions) {
    const { trim, trimBy } = opts;
    const where = 'round configuration';
    if (!Number.isFinite(trim) || trim < 0) {
      throw new ConfigError(where, 'trim', `must be a number of 0 or more, got ${trim}`, 'set trim to 0 (no trim) or a positive number');
    }
    this.trimByTx = trimBy === 'tx';
    if (trim === 0) {
      this.keepFrom = Number.NEGATIVE_INFINITY;
      this.keepTo = Number.POSITIVE_INFINITY;
    } else if (this.trimByTx) {
      const n = opts.txCount;
      if (n === undefined || !(n > 0)) {
        throw new ConfigError(where, 'trim', `trim by transactions needs this worker's transaction count (worker ${opts.workerIndex})`, 'trim by seconds for txDuration rounds');
      }
      if (2 * trim >= n) {
        throw new ConfigError(where, 'trim', `trimming the first and last ${trim} transactions leaves none of worker ${opts.workerIndex}'s ${n}`, `use a trim below ${Math.ceil(n / 2)} or raise txNumber`);
      }
      this.keepFrom = trim;
      this.keepTo = n - trim;
    } else {
      const d = opts.durationMs;
      const trimMs = trim * 1000;
      if (d === undefined || !(d > 0)) {
        throw new ConfigError(where, 'trim', 'trim by seconds needs the round length', 'trim by transactions for txNumber rounds');
      }
      if (2 * trimMs >= d) {
        throw new ConfigError(where, 'trim', `trimming the first and last ${trim} s leaves nothing of a ${d / 1000} s round`, `use a trim below ${d / 2000} s or lengthen txDuration`);
      }
      this.keepFrom = trimMs;
      this.keepTo = d - trimMs;
    }
    this.corrected = opts.openModel ? newRecordingHistogram() : null;
    this.lateness = opts.openModel ? newRecordingHistogram() : null;
  }

  /** Transactions sent since the round started, trimmed ones included. */
  get sent(): number {
    return this.nSent;
  }
  /** Transactions completed (either way) since the round started, trimmed ones included. */
  get completed(): number {
    return this.nCompleted;
  }
  /** Successful transactions since the round started, trimmed ones included. */
  get succeeded(): number {
    return this.nSucceeded;
  }
  /** Failed transactions since the round started, trimmed ones included. */
  get failed(): number {
    return this.nFailed;
  }

  /**
   * Transaction number txIndex (0-based, this worker) was sent at sentMs; it was meant for intendedMs.
   * Times are ms (float) since the round's start instant. Trim by seconds judges a transaction by sentMs.
   */
  onSend(txIndex: number, intendedMs: number, sentMs: number): void {
    this.nSent++;
    const sec = secondOf(sentMs);
    if (sec > this.watermark) this.watermark = sec;
    const key = this.trimByTx ? txIndex : sentMs;
    if (key < this.keepFrom || key >= this.keepTo) return;
    // slot() may replace the slot arrays, so it runs before the array is read.
    const i = this.slot(sec);
    this.slotSent[i]++;
    if (sentMs < this.firstSend) this.firstSend = sentMs;
    if (sentMs > this.lastSend) this.lastSend = sentMs;
    if (this.lateness !== null) recordUs(this.lateness, msToUs(sentMs - intendedMs));
  }

  /**
   * Transaction txIndex finished at endMs with this outcome. The same txIndex/intendedMs/sentMs as in
   * onSend must be passed, so that trim decides the same way. Latencies (endMs - sentMs, and
   * endMs - intendedMs in the open model) and phases are recorded for kept successes only.
   */
  onDone(txIndex: number, intendedMs: number, sentMs: number, endMs: number, outcome: TxOutcome): void {
    this.nCompleted++;
    const ok = outcome.ok;
    if (ok) this.nSucceeded++;
    else this.nFailed++;
    const sec = secondOf(endMs);
    if (sec > this.watermark) this.watermark = sec;
    const i = this.slot(sec);
    this.slotDone[i]++;
    const key = this.trimByTx ? txIndex : sentMs;
    if (key < this.keepFrom || key >= this.keepTo) return;
    if (endMs > this.lastAnyDone) this.lastAnyDone = endMs;
    // A timeout ends when the client gives up, not when the network answered: it must not stretch
    // the span over which successes are rated.
    if (endMs > this.lastDone && outcome.stage !== 'timeout') this.lastDone = endMs;
    if (!ok) {
      this.keptFailed++;
      this.slotFail[i]++;
      this.countFailure(outcome.reason);
      return;
    }
    this.keptSucceeded++;
    this.slotOk[i]++;
    const us = msToUs(endMs - sentMs);
    recordUs(this.latency, us);
    let h = this.slotHist[i];
    if (h === null) {
      h = this.spareHists.pop() ?? newRecordingHistogram();
      this.slotHist[i] = h;
    }
    recordUs(h, us);
    if (this.corrected !== null) recordUs(this.corrected, msToUs(endMs - intendedMs));
    if (outcome.phases !== undefined) this.recordPhases(outcome.phases);
  }

  /**
   * Transaction txIndex never settled and is given up at nowMs: `unfinished` counts it as failed
   * (reason `unfinished`) in the second it was given up; `interrupted` (the round was stopped while it
   * was in flight) counts it as neither success nor failure. Neither moves the round's last completion,
   * so a transaction nobody waited for does not dilute the rate of the ones that finished.
   */
  onUnsettled(txIndex: number, sentMs: number, nowMs: number, how: 'unfinished' | 'interrupted'): void {
    this.nCompleted++;
    if (how === 'unfinished') this.nFailed++;
    const sec = secondOf(nowMs);
    if (sec > this.watermark) this.watermark = sec;
    const i = this.slot(sec);
    this.slotDone[i]++;
    const key = this.trimByTx ? txIndex : sentMs;
    if (key < this.keepFrom || key >= this.keepTo) return;
    if (how === 'interrupted') {
      this.keptInterrupted++;
      return;
    }
    this.keptUnfinished++;
    this.keptFailed++;
    this.slotFail[i]++;
    this.countFailure(UNFINISHED_REASON);
  }

  /**
   * Transaction txIndex, due at intendedMs, was not sent: too many were in flight. Trim by seconds
   * judges it by its intended time, since it has no send time.
   */
  onDropped(txIndex: number, intendedMs: number): void {
    const key = this.trimByTx ? txIndex : intendedMs;
    if (key < this.keepFrom || key >= this.keepTo) return;
    this.keptDropped++;
  }

  /** Delta since the previous call (or the round start), JSON/structured-clone safe. Resets the deltas. */
  takeSnapshot(): StatsSnapshot {
    const phases: Record<string, string> = {};
    for (let k = 0; k < this.phaseNames.length; k++) {
      const enc = this.takeHistogram(this.phaseHists[k]);
      if (enc !== null) phases[this.phaseNames[k]] = enc;
    }
    const snap: StatsSnapshot = {
      sent: this.nSent - this.snapSent,
      completed: this.nCompleted - this.snapCompleted,
      succeeded: this.nSucceeded - this.snapSucceeded,
      failed: this.nFailed - this.snapFailed,
      keptSucceeded: this.keptSucceeded,
      keptFailed: this.keptFailed,
      keptUnfinished: this.keptUnfinished,
      keptInterrupted: this.keptInterrupted,
      keptDropped: this.keptDropped,
      firstSendMs: Number.isFinite(this.firstSend) ? this.firstSend : null,
      lastSendMs: Number.isFinite(this.lastSend) ? this.lastSend : null,
      lastDoneMs: Number.isFinite(this.lastDone) ? this.lastDone : null,
      lastAnyDoneMs: Number.isFinite(this.lastAnyDone) ? this.lastAnyDone : null,
      watermarkSec: this.watermark,
      failures: Object.fromEntries(this.failures),
      latency: this.takeHistogram(this.latency),
      corrected: this.corrected === null ? null : this.takeHistogram(this.corrected),
      lateness: this.lateness === null ? null : this.takeHistogram(this.lateness),
      phases,
      seconds: this.takeSeconds(),
    };
    this.snapSent = this.nSent;
    this.snapCompleted = this.nCompleted;
    this.snapSucceeded = this.nSucceeded;
    this.snapFailed = this.nFailed;
    this.keptSucceeded = 0;
    this.keptFailed = 0;
    this.keptUnfinished = 0;
    this.keptInterrupted = 0;
    this.keptDropped = 0;
    this.firstSend = Number.POSITIVE_INFINITY;
    this.lastSend = Number.NEGATIVE_INFINITY;
    this.lastDone = Number.NEGATIVE_INFINITY;
    this.lastAnyDone = Number.NEGATIVE_INFINITY;
    this.failures.clear();
    return snap;
  }

  /** The histogram's contents as a snapshot carries them; empties it for the next delta. */
  private takeHistogram(h: JsHistogram): string | null {
    const enc = encodeHistogram(h);
    h.reset();
    return enc;
  }

  private takeSeconds(): SecondDelta[] {
    const out: SecondDelta[] = [];
    for (let i = 0; i <= this.mask; i++) {
      const second = this.slotSecond[i];
      if (second === EMPTY) continue;
      const h = this.slotHist[i];
      out.push({
        second,
        sent: this.slotSent[i],
        succeeded: this.slotOk[i],
        failed: this.slotFail[i],
        completed: this.slotDone[i],
        latency: h === null ? null : this.takeHistogram(h),
      });
      if (h !== null) this.spareHists.push(h);
      this.slotSecond[i] = EMPTY;
      this.slotSent[i] = 0;
      this.slotOk[i] = 0;
      this.slotFail[i] = 0;
      this.slotDone[i] = 0;
      this.slotHist[i] = null;
    }
    return out.sort((a, b) => a.second - b.second);
  }

  /** Slot of a second, claiming a free one; grows the ring when two pending seconds collide. */
  private slot(sec: number): number {
    const i = sec & this.mask;
    const held = this.slotSecond[i];
    if (held === sec) return i;
    if (held === EMPTY) {
      this.slotSecond[i] = sec;
      return i;
    }
    // Only happens when snapshots are rarer than the ring is long: double it and place again.
    this.grow();
    return this.slot(sec);
  }

  private grow(): void {
    let size = (this.mask + 1) * 2;
    while (!this.pendingFit(size)) size *= 2;
    const m = size - 1;
    const secs = new Int32Array(size).fill(EMPTY);
    const sent = new Float64Array(size);
    const ok = new Float64Array(size);
    const fail = new Float64Array(size);
    const done = new Float64Array(size);
    const hists: Array<JsHistogram | null> = new Array(size).fill(null);
    for (let i = 0; i <= this.mask; i++) {
      const s = this.slotSecond[i];
      if (s === EMPTY) continue;
      const j = s & m;
      secs[j] = s;
      sent[j] = this.slotSent[i];
      ok[j] = this.slotOk[i];
      fail[j] = this.slotFail[i];
      done[j] = this.slotDone[i];
      hists[j] = this.slotHist[i];
    }
    this.mask = m;
    this.slotSecond = secs;
    this.slotSent = sent;
    this.slotOk = ok;
    this.slotFail = fail;
    this.slotDone = done;
    this.slotHist = hists;
  }

  /** Whether the pending seconds fall in distinct slots of a ring of `size` (a power of two). */
  private pendingFit(size: number): boolean {
    const taken = new Set<number>();
    for (let i = 0; i <= this.mask; i++) {
      const s = this.slotSecond[i];
      if (s === EMPTY) continue;
      const j = s & (size - 1);
      if (taken.has(j)) return false;
      taken.add(j);
    }
    return true;
  }

  private countFailure(reason: string | undefined): void {
    let key = reason === undefined || reason === '' ? UNKNOWN_REASON : reason;
    if (!this.knownReasons.has(key)) {
      if (this.knownReasons.size < MAX_FAILURE_REASONS) this.knownReasons.add(key);
      else key = OTHER_REASON;
    }
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
  }

  private recordPhases(phases: Record<string, number>): void {
    const names = this.phaseNames;
    for (const name in phases) {
      let k = 0;
      while (k < names.length && names[k] !== name) k++;
      if (k === names.length) {
        if (k >= MAX_PHASES) continue;
        names.push(name);
        this.phaseHists.push(newRecordingHistogram());
      }
      recordUs(this.phaseHists[k], msToUs(phases[name]));
    }
  }
}
