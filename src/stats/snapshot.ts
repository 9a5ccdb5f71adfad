/**
 * What a worker's TxRecorder sends the manager about once a second: everything recorded since its
 * previous snapshot. Plain numbers, strings, arrays and objects only, so it crosses Node IPC
 * (structured clone or JSON) unchanged. Its size depends on how many histogram buckets, failure
 * reasons and seconds were touched, never on how many transactions there were.
 */
import type { EncodedHistogram } from './hdr.ts';

/** One second of the round as seen by one worker since its previous snapshot. */
export interface SecondDelta {
  /** Whole seconds since the round's start instant. */
  second: number;
  /** Kept (untrimmed-out) transactions sent in this second. */
  sent: number;
  /** Kept transactions that completed successfully in this second. */
  succeeded: number;
  /** Kept transactions that failed in this second. */
  failed: number;
  /** All transactions completed in this second, trimmed ones included (progress line only). */
  completed: number;
  /** Latencies (from the actual send) of the kept successes completed in this second. */
  latency: EncodedHistogram | null;
}

/** A worker's delta since its previous snapshot. */
export interface StatsSnapshot {
  /** Untrimmed counters since the previous snapshot (progress line). */
  sent: number;
  completed: number;
  succeeded: number;
  failed: number;
  /** Kept (not trimmed) completions since the previous snapshot. */
  keptSucceeded: number;
  /** Kept failures, unfinished ones included. */
  keptFailed: number;
  /** Kept transactions given up as unfinished (also in keptFailed). */
  keptUnfinished: number;
  /** Kept transactions in flight when the round was stopped (neither succeeded nor failed). */
  keptInterrupted: number;
  /** Kept sends not made because too many transactions were in flight. */
  keptDropped: number;
  /** Earliest and latest send of a kept transaction in this delta (ms since round start); null if none. */
  firstSendMs: number | null;
  lastSendMs: number | null;
  /** Latest completion of a kept transaction that settled on its own (no timeout) in this delta; null if none. */
  lastDoneMs: number | null;
  /** Latest completion of a kept transaction of any kind, timeouts included; null if none. */
  lastAnyDoneMs: number | null;
  /**
   * Highest whole second in which this worker recorded anything, trimmed or not, since the round
   * started (-1 before the first event). Events arrive in time order, so the worker will not report
   * anything for seconds well below it again; the manager uses it to finalize seconds.
   */
  watermarkSec: number;
  /** Failure reason -> count for kept failures (at most the recorder's reason cap, plus `other`). */
  failures: Record<string, number>;
  /** Latency of kept successes from the actual send. */
  latency: EncodedHistogram | null;
  /** Open model: latency of kept successes from the intended send time. */
  corrected: EncodedHistogram | null;
  /** Open model: send time minus intended time of kept sends (negative lateness counts as 0). */
  lateness: EncodedHistogram | null;
  /** Phase name -> durations of kept successes that reported it. */
  phases: Record<string, EncodedHistogram>;
  /** Seconds touched since the previous snapshot, in ascending order. */
  seconds: SecondDelta[];
}
