/**
 * Manager side of the statistics: merges the workers' snapshots and derives the RoundResult. Memory is
 * bounded: whole-round histograms have a fixed size, and a second's latency histogram is folded into
 * three percentiles as soon as no worker can still report into it (at most MAX_PENDING_SECONDS wait).
 */
import type { JsHistogram } from 'hdr-histogram-js';
import { addEncoded, encodeHistogram, newMergeHistogram, toLatencyStats } from './hdr.ts';
import { MAX_FAILURE_REASONS, OTHER_REASON } from './recorder.ts';
import type { SecondDelta, StatsSnapshot } from './snapshot.ts';
import type { LatencyStats, RoundResult, SecondPoint } from './types.ts';

/** What the engine knows about a round before it runs; copied into the RoundResult. */
export type RoundMeta = Pick<RoundResult, 'label' | 'description' | 'roundIndex' | 'workers' | 'rateControl' | 'model' | 'txNumber' | 'txDuration' | 'trim' | 'startedAt'>;

/** Live figures for the progress line. */
export interface RoundProgress {
  sent: number;
  completed: number;
  succeeded: number;
  failed: number;
  currentTps: number;
}

/** Distinct phase names kept over all workers; further names are dropped. */
export const MAX_ROUND_PHASES = 16;
/**
 * Seconds whose latency histogram may wait for late snapshots. Beyond it the oldest is folded early;
 * latencies that still arrive for a folded second count in its totals but not its percentiles.
 */
export const MAX_PENDING_SECONDS = 20;
/** Seconds of untrimmed completion counts kept for the progress line's current tps. */
const RECENT_SECONDS = 5;

interface PendingSecond {
  sent: number;
  succeeded: number;
  failed: number;
  latency: JsHistogram | null;
}

/** Merges the snapshots of one round's workers. */
export class RoundAggregator {
  private readonly meta: RoundMeta;
  private readonly watermarks: number[];

  private sent = 0;
  private completed = 0;
  private succeeded = 0;
  private failed = 0;

  private keptSucceeded = 0;
  private keptFailed = 0;
  private keptUnfinished = 0;
  private keptInterrupted = 0;
  private keptDropped = 0;
  private firstSend = Number.POSITIVE_INFINITY;
  private lastSend = Number.NEGATIVE_INFINITY;
  private lastDone = Number.NEGATIVE_INFINITY;
  private lastAnyDone = Number.NEGATIVE_INFINITY;

  private readonly failures = new Map<string, number>();
  private readonly latency = newMergeHistogram();
  private readonly corrected: JsHistogram | null;
  private readonly lateness: JsHistogram | null;
  private readonly phases = new Map<string, JsHistogram>();

  /** Seconds that may still receive data, with their latency histograms. */
  private readonly pending = new Map<number, PendingSecond>();
  /** Seconds folded into their final point. */
  private readonly folded = new Map<number, SecondPoint>();
  /** Untrimmed completions of the last few seconds, for progress(). */
  private readonly recentCompleted = new Map<number, number>();
  private maxWatermark = -1;

  constructor(meta: RoundMeta) {
    if (!Number.isInteger(meta.workers) || meta.workers < 1) {
      throw new RangeError(`RoundAggregator: workers must be a positive integer, got ${meta.workers}`);
    }
    this.meta = meta;
    this.watermarks = new Array(meta.workers).fill(-1);
    const open = meta.model === 'open';
    this.corrected = open ? newMergeHistogram() : null;
    this.lateness = open ? newMergeHistogram() : null;
  }

  /** Merges one worker's snapshot (a delta since that worker's previous one). */
  add(workerIndex: number, snapshot: StatsSnapshot): void {
    if (!Number.isInteger(workerIndex) || workerIndex < 0 || workerIndex >= this.meta.workers) {
      throw new RangeError(`RoundAggregator: worker index ${workerIndex} outside 0..${this.meta.workers - 1}`);
    }
    const s = snapshot;
    this.sent += s.sent;
    this.completed += s.completed;
    this.succeeded += s.succeeded;
    this.failed += s.failed;
    this.keptSucceeded += s.keptSucceeded;
    this.keptFailed += s.keptFailed;
    this.keptUnfinished += s.keptUnfinished;
    this.keptInterrupted += s.keptInterrupted;
    this.keptDropped += s.keptDropped;
    if (s.firstSendMs !== null && s.firstSendMs < this.firstSend) this.firstSend = s.firstSendMs;
    if (s.lastSendMs !== null && s.lastSendMs > this.lastSend) this.lastSend = s.lastSendMs;
    if (s.lastDoneMs !== null && s.lastDoneMs > this.lastDone) this.lastDone = s.lastDoneMs;
    if (s.lastAnyDoneMs !== null && s.lastAnyDoneMs > this.lastAnyDone) this.lastAnyDone = s.lastAnyDoneMs;
    for (const reason in s.failures) this.countFailures(reason, s.failures[reason]);
    if (s.latency !== null) addEncoded(this.latency, s.latency);
    if (s.corrected !== null && this.corrected !== null) addEncoded(this.corrected, s.corrected);
    if (s.lateness !== null && this.lateness !== null) addEncoded(this.lateness, s.lateness);
    for (const name in s.phases) {
      let h = this.phases.get(name);
      if (h === undefined) {
        if (this.phases.size >= MAX_ROUND_PHASES) continue;
        h = newMergeHistogram();
        this.phases.set(name, h);
      }
      addEncoded(h, s.phases[name]);
    }
    for (const d of s.seconds) this.addSecond(d);
    if (s.watermarkSec > this.watermarks[workerIndex]) this.watermarks[workerIndex] = s.watermarkSec;
    if (s.watermarkSec > this.maxWatermark) this.maxWatermark = s.watermarkSec;
    this.foldSettled();
  }

  /**
   * Live figures: untrimmed totals, and currentTps = transactions completed (either way, trimmed ones
   * included) in the last whole second, i.e. the second before the latest one any worker reported.
   * A worker whose snapshot for that second is still on its way is missing from it.
   */
  progress(): RoundProgress {
    return {
      sent: this.sent,
      completed: this.completed,
      succeeded: this.succeeded,
      failed: this.failed,
      currentTps: this.recentCompleted.get(this.maxWatermark - 1) ?? 0,
    };
  }

  /**
   * Final figures over the kept (not trimmed) transactions, all times in ms since the round start.
   * "Settled" completions are successes and failures that were not timeouts: a timed-out or unfinished
   * transaction ends when the client gives up, and must not stretch the span successes are rated over.
   * - elapsedSec = (last settled completion - first send) / 1000
   * - sendRate = (succeeded + failed + interrupted) / (last send - first send), in tx/s
   * - throughput = succeeded / elapsedSec, in tx/s
   * - caliperThroughput = (succeeded + failed - unfinished) / (last completion, timeouts included -
   *   first send), in tx/s (Caliper counts failures in its throughput and stamps timeouts when they fire)
   * A rate whose time span is zero (one transaction, or every send at the same instant) is 0 rather
   * than infinite. Latency, correctedLatency and phases cover successes; sendLateness covers sends.
   */
  result(extra?: Pick<RoundResult, 'aborted' | 'conflicts' | 'resources' | 'metrics'>): RoundResult {
    for (const second of [...this.pending.keys()]) this.fold(second);
    const m = this.meta;
    const completedKept = this.keptSucceeded + this.keptFailed;
    const sendSpanSec = spanSec(this.firstSend, this.lastSend);
    const runSpanSec = spanSec(this.firstSend, this.lastDone);
    const caliperSpanSec = spanSec(this.firstSend, this.lastAnyDone);
    const phases: Record<string, LatencyStats> = {};
    for (const [name, h] of this.phases) phases[name] = toLatencyStats(h);
    const result: RoundResult = {
      schemaVersion: 1,
      label: m.label,
      roundIndex: m.roundIndex,
      workers: m.workers,
      rateControl: m.rateControl,
      model: m.model,
      trim: m.trim,
      startedAt: m.startedAt,
      elapsedSec: runSpanSec,
      succeeded: this.keptSucceeded,
      failed: this.keptFailed,
      failuresByReason: Object.fromEntries(this.failures),
      sendRate: rate(completedKept + this.keptInterrupted, sendSpanSec),
      throughput: rate(this.keptSucceeded, runSpanSec),
      caliperThroughput: rate(completedKept - this.keptUnfinished, caliperSpanSec),
      latency: toLatencyStats(this.latency),
      phases,
      series: this.series(),
      expectations: [],
    };
    if (m.description !== undefined) result.description = m.description;
    if (m.txNumber !== undefined) result.txNumber = m.txNumber;
    if (m.txDuration !== undefined) result.txDuration = m.txDuration;
    if (this.keptUnfinished > 0) result.unfinished = this.keptUnfinished;
    if (this.keptInterrupted > 0) result.interrupted = this.keptInterrupted;
    if (this.keptDropped > 0) result.dropped = this.keptDropped;
    const histogram = encodeHistogram(this.latency);
    if (histogram !== null) result.latencyHistogram = histogram;
    if (this.corrected !== null) result.correctedLatency = toLatencyStats(this.corrected);
    if (this.lateness !== null) result.sendLateness = toLatencyStats(this.lateness);
    if (extra?.aborted !== undefined) result.aborted = extra.aborted;
    if (extra?.conflicts !== undefined) result.conflicts = extra.conflicts;
    if (extra?.resources !== undefined) result.resources = extra.resources;
    if (extra?.metrics !== undefined) result.metrics = extra.metrics;
    return result;
  }

  private countFailures(reason: string, count: number): void {
    const key = this.failures.has(reason) || this.failures.size < MAX_FAILURE_REASONS ? reason : OTHER_REASON;
    this.failures.set(key, (this.failures.get(key) ?? 0) + count);
  }

  private addSecond(d: SecondDelta): void {
    if (d.completed > 0) {
      this.recentCompleted.set(d.second, (this.recentCompleted.get(d.second) ?? 0) + d.completed);
      for (const second of this.recentCompleted.keys()) {
        if (second < this.maxWatermark - RECENT_SECONDS) this.recentCompleted.delete(second);
      }
    }
    if (d.sent === 0 && d.succeeded === 0 && d.failed === 0) return;
    const done = this.folded.get(d.second);
    if (done !== undefined) {
      // Late data for a second already folded: its counts stay exact, its percentiles cannot change.
      done.sent += d.sent;
      done.succeeded += d.succeeded;
      done.failed += d.failed;
      return;
    }
    let p = this.pending.get(d.second);
    if (p === undefined) {
      p = { sent: 0, succeeded: 0, failed: 0, latency: null };
      this.pending.set(d.second, p);
    }
    p.sent += d.sent;
    p.succeeded += d.succeeded;
    p.failed += d.failed;
    if (d.latency !== null) {
      p.latency ??= newMergeHistogram();
      addEncoded(p.latency, d.latency);
    }
  }

  /**
   * Folds the seconds no worker will report into any more: a worker records events in time order, so
   * once every worker has recorded something two seconds later, a second is settled (one second of
   * slack for events stamped just before a boundary but recorded just after it). Then caps what waits.
   */
  private foldSettled(): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const w of this.watermarks) if (w < lowest) lowest = w;
    for (const second of [...this.pending.keys()]) {
      if (second <= lowest - 2) this.fold(second);
    }
    while (this.pending.size > MAX_PENDING_SECONDS) {
      let oldest = Number.POSITIVE_INFINITY;
      for (const second of this.pending.keys()) if (second < oldest) oldest = second;
      this.fold(oldest);
    }
  }

  private fold(second: number): void {
    const p = this.pending.get(second)!;
    this.pending.delete(second);
    const h = p.latency;
    const has = h !== null && h.totalCount > 0;
    this.folded.set(second, {
      second,
      sent: p.sent,
      succeeded: p.succeeded,
      failed: p.failed,
      p50: has ? h.getValueAtPercentile(50) / 1000 : null,
      p95: has ? h.getValueAtPercentile(95) / 1000 : null,
      p99: has ? h.getValueAtPercentile(99) / 1000 : null,
    });
  }

  /** Every second from the first to the last with kept activity, quiet seconds as zeros. */
  private series(): SecondPoint[] {
    if (this.folded.size === 0) return [];
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const second of this.folded.keys()) {
      if (second < first) first = second;
      if (second > last) last = second;
    }
    const out: SecondPoint[] = [];
    for (let second = first; second <= last; second++) {
      const point = this.folded.get(second);
      out.push(
        point === undefined
          ? { second, sent: 0, succeeded: 0, failed: 0, p50: null, p95: null, p99: null }
          : { ...point },
      );
    }
    return out;
  }
}

/** Seconds between two instants in ms; 0 when either is missing or the span is negative. */
function spanSec(fromMs: number, toMs: number): number {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) return 0;
  return (toMs - fromMs) / 1000;
}

/** count / seconds, guarded: 0 when the span is 0 (a single transaction has no rate). */
function rate(count: number, seconds: number): number {
  return seconds > 0 ? count / seconds : 0;
}
