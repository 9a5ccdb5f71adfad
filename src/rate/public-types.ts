/**
 * The rate controllers as TypeScript users write them in `benchRound({ rateControl })`: one member per
 * controller type with its own options, so a misspelt type or option fails the type check instead of
 * the run. Validation at run time (src/rate/registry.ts) stays the authority for YAML files, which are
 * not type-checked; numbers here are plain numbers although YAML's quoted numbers are accepted there.
 */

/** `fixed-rate`: open model, a fixed rate for the whole round. */
export type FixedRateControl = { type: 'fixed-rate'; opts: { tps: number } };

/** `fixed-load`: closed model, a number of transactions in flight across all workers. */
export type FixedLoadControl = {
  type: 'fixed-load';
  opts?: {
    /** In flight across all workers (default 10); below the worker count, each worker keeps 1. */
    transactionLoad?: number;
    /** Accepted for Caliper files; has no effect here. */
    startTps?: number;
    /** Accepted for Caliper files; has no effect here. */
    startingTps?: number;
  };
};

/** `fixed-backlog`: Caliper's old name for a per-worker load. */
export type FixedBacklogControl = {
  type: 'fixed-backlog';
  opts?: {
    /** In flight per worker (default 10). */
    unfinished_per_client?: number;
    /** Accepted for Caliper files; has no effect here. */
    sleep_time?: number;
    /** Accepted for Caliper files; has no effect here. */
    startTps?: number;
    /** Accepted for Caliper files; has no effect here. */
    startingTps?: number;
  };
};

/** `fixed-feedback-rate`: a fixed rate that pauses while the backlog exceeds the load. */
export type FixedFeedbackRateControl = {
  type: 'fixed-feedback-rate';
  opts: {
    tps: number;
    /** In flight across all workers (default 10); give this or `unfinished_per_client`. */
    transactionLoad?: number;
    /** In flight per worker (Caliper's old name). */
    unfinished_per_client?: number;
    /** Accepted for Caliper files; has no effect here. */
    sleep_time?: number;
    /** Accepted for Caliper files; has no effect here. */
    sleepTime?: number;
  };
};

/** `linear-rate`: the rate moves linearly from startingTps to finishingTps over the round. */
export type LinearRateControl = { type: 'linear-rate'; opts: { startingTps: number; finishingTps: number } };

/** `composite-rate`: each controller takes its weighted share of the round. */
export type CompositeRateControl = {
  type: 'composite-rate';
  opts: { weights: number[]; rateControllers: RateControl[]; logChange?: boolean };
};

/** `zero-rate`: sends nothing (txDuration rounds only). */
export type ZeroRateControl = { type: 'zero-rate'; opts?: Record<string, never> };

/** `maximum-rate`: raises the rate while throughput keeps up, backs off when it falls. */
export type MaximumRateControl = {
  type: 'maximum-rate';
  opts?: { tps?: number; step?: number; sampleInterval?: number; includeFailed?: boolean };
};

/** Formats of record-rate / replay-rate trace files. */
export type TraceFileFormat = 'TEXT' | 'BIN_BE' | 'BIN_LE';

/** `record-rate`: runs another controller and records its send times. */
export type RecordRateControl = {
  type: 'record-rate';
  opts: { rateController: RateControl; pathTemplate: string; outputFormat?: TraceFileFormat; logEnd?: boolean };
};

/** `replay-rate`: replays send times recorded by record-rate. */
export type ReplayRateControl = {
  type: 'replay-rate';
  opts: { pathTemplate: string; inputFormat?: TraceFileFormat; logWarnings?: boolean; defaultSleepTime?: number };
};

/** Every rate controller with its options, discriminated by `type`. */
export type RateControl =
  | FixedRateControl
  | FixedLoadControl
  | FixedBacklogControl
  | FixedFeedbackRateControl
  | LinearRateControl
  | CompositeRateControl
  | ZeroRateControl
  | MaximumRateControl
  | RecordRateControl
  | ReplayRateControl;
