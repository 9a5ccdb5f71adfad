/** Shapes of validated benchmark configuration, shared by every room. */

/** A rate controller as written in a benchmark: `{ type: 'fixed-rate', opts: { tps: 50 } }`. */
export interface RateControlSpec {
  type: string;
  opts?: Record<string, unknown>;
}

/** Where a round's workload module comes from and what it is given. */
export interface WorkloadSpec {
  /** Absolute path of the workload module (TS or JS, any of the three dialects). */
  module: string;
  /** The round's `arguments`, handed to the module unchanged. */
  arguments: Record<string, unknown>;
}

/**
 * One round as the engine runs it: a Caliper round with array fields is expanded into one RoundSpec
 * per sub-round before it gets here. Exactly one of txNumber / txDuration is set.
 */
export interface RoundSpec {
  label: string;
  description?: string;
  /** Index of this round within its benchmark (sub-rounds count separately), 0-based. */
  roundIndex: number;
  /** Total transactions across all workers. */
  txNumber?: number;
  /** Round length in seconds. */
  txDuration?: number;
  rateControl: RateControlSpec;
  /** Number of worker processes. */
  workers: number;
  workload: WorkloadSpec;
  /**
   * Caliper's trim: for txNumber rounds the number of transactions, for txDuration rounds the number
   * of seconds, left out of the figures at the start of the round (warm-up).
   */
  trim: number;
  /** Per-transaction timeout in milliseconds; a transaction that takes longer counts as failed. */
  txTimeoutMs: number;
  /**
   * How long workers may take to get ready (connect, load and init the workload), in milliseconds.
   * Rounds whose init preloads assets need more than the default (120 s).
   */
  readyTimeoutMs?: number;
  /**
   * Most transactions in flight at once, all workers together (open-model rounds). A send that would
   * exceed it is not made and counts as dropped. Unset: a default from the workers' memory budget.
   */
  maxInFlight?: number;
  /** The file the round came from (YAML path or the calling test file), for error messages. */
  source: string;
}

/** How Caliper benchmark files say where workers run. */
export type WorkerTopology =
  | { type: 'local'; number: number }
  | { type: 'zookeeper'; server: string; clientsPerHost: number };

/** A whole benchmark file after validation. */
export interface BenchmarkSpec {
  name: string;
  description?: string;
  source: string;
  workers: WorkerTopology;
  rounds: RoundSpec[];
  /** The raw `monitor:` block, validated by the monitors room. */
  monitor?: unknown;
}
