/** Figures of one round, as the matchers, reports and JSON results see them. All times in ms. */

/** Latency figures from an HDR histogram with microsecond resolution, reported in milliseconds. */
export interface LatencyStats {
  count: number;
  min: number;
  max: number;
  avg: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/** One second of the round (second 0 starts at the round's start instant). */
export interface SecondPoint {
  second: number;
  /** Transactions sent in this second. */
  sent: number;
  /** Transactions that completed successfully in this second. */
  succeeded: number;
  /** Transactions that failed in this second. */
  failed: number;
  /** Latency percentiles of the transactions completed in this second (ms); null when none did. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Why a round ended early, with what was measured up to then kept in the result. */
export interface RoundAbort {
  reason: string;
  workerIndex?: number;
  exitCode?: number | null;
  signal?: string | null;
  /** Last lines the worker wrote to stderr. */
  stderrTail?: string;
}

/** MVCC and other validation conflicts of a round (filled by connectors/networks that know them). */
export interface ConflictReport {
  /** Fabric validation code -> count, e.g. `{ MVCC_READ_CONFLICT: 12 }`. */
  byCode: Record<string, number>;
  /** Hottest conflicting keys, most conflicts first. */
  hotKeys: Array<{ key: string; count: number; readers: string[]; writers: string[] }>;
  /** Where the key detail came from, e.g. `embedded-validator` or `block-rwsets`. */
  source?: string;
}

/** How a matcher judged this round; collected for reports. */
export interface ExpectationOutcome {
  matcher: string;
  expected: string;
  actual: string;
  pass: boolean;
}

/** One row of the resource table (filled by the monitors room). Unknown figures are null. */
export interface ResourceRow {
  type: string;
  name: string;
  memoryMaxBytes: number | null;
  memoryAvgBytes: number | null;
  cpuMaxPercent: number | null;
  cpuAvgPercent: number | null;
  trafficInBytes: number | null;
  trafficOutBytes: number | null;
  discReadBytes: number | null;
  discWriteBytes: number | null;
  /** Samples over the round: seconds since round start, CPU %, memory bytes. */
  series: Array<{ t: number; cpu: number | null; mem: number | null }>;
}

/** A Prometheus metric reduced over a round (filled by the prometheus monitor). */
export interface MetricFigure {
  source: string;
  metric: string;
  labels: Record<string, string>;
  kind: 'counter' | 'gauge' | 'histogram';
  /** counter: increase over the round; gauge: max and avg; histogram: count, sum and quantiles. */
  value: Record<string, number | null>;
}

/** What a worker process itself used over the round (from process.resourceUsage() at its end). */
export interface WorkerUsage {
  workerIndex: number;
  /** Peak resident set size. */
  maxRssBytes: number;
  /** CPU time over the worker's whole life (start-up included), milliseconds. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** CPU time while the round ran, as a percentage of one core. */
  roundCpuPercent: number;
  /**
   * CPU time (user + system) from the round's first send to its last settlement, milliseconds: the
   * worker's cost of the round's transactions, without start-up, module loading or connecting.
   */
  roundCpuMs?: number;
}

export interface RoundResult {
  /** Bumped when the shape changes; readers check it. */
  schemaVersion: 1;
  label: string;
  description?: string;
  roundIndex: number;
  workers: number;
  rateControl: { type: string; opts?: Record<string, unknown> };
  /** Open model: latency also measured from intended send times. Closed: backlog-driven. */
  model: 'open' | 'closed';
  txNumber?: number;
  txDuration?: number;
  trim: number;
  /** Wall-clock ISO time the round's start barrier released the workers. */
  startedAt: string;
  /** Seconds from the first send to the last completion (after trim). */
  elapsedSec: number;
  succeeded: number;
  failed: number;
  /** Failure reason -> count. Distinct reasons are capped; the rest count under `other`. */
  failuresByReason: Record<string, number>;
  /** (succeeded + failed) / (last send - first send), tx/s. */
  sendRate: number;
  /** succeeded / (last completion - first send), tx/s. */
  throughput: number;
  /** Caliper's throughput: (succeeded + failed) / (last completion - first send), tx/s. */
  caliperThroughput: number;
  /** Latency of successful transactions, measured from the actual send. */
  latency: LatencyStats;
  /**
   * The histogram `latency` was read from (hdr-histogram-js compressed base64, microseconds, 3
   * significant digits; a few KB at most): what lets repeats merge exactly and a baseline keep the
   * whole distribution. Absent when nothing succeeded, and in results of older versions.
   */
  latencyHistogram?: string;
  /** Latency of successful transactions, measured from the intended send (open model only). */
  correctedLatency?: LatencyStats;
  /** How late sends were against their intended time (open model only). */
  sendLateness?: LatencyStats;
  /** Per-phase latency where the connector reports phases (Fabric: endorse, order, commit). */
  phases: Record<string, LatencyStats>;
  series: SecondPoint[];
  conflicts?: ConflictReport;
  resources?: ResourceRow[];
  metrics?: MetricFigure[];
  expectations: ExpectationOutcome[];
  /** Each worker's own resource use, reported by the worker at its end. */
  workerUsage?: WorkerUsage[];
  /** Set when the round ended early (worker crash, network gone, timeout). */
  aborted?: RoundAbort;
  /**
   * Transactions that never settled (the workload's promise or the connector never answered within
   * the transaction timeout, or were still open when the round's time was up). They are also in
   * `failed` (reason `unfinished`) but do not stretch `elapsedSec`.
   */
  unfinished?: number;
  /**
   * Sends the open model called for but did not make because maxInFlight transactions were already
   * in flight (k6's dropped iterations): the network did not keep up. Not in succeeded or failed.
   */
  dropped?: number;
  /**
   * Transactions still in flight when the round was interrupted (Ctrl-C, cancel): not counted as
   * succeeded or failed, since nobody waited for their outcome.
   */
  interrupted?: number;
  /**
   * A few full failure messages per reason of `failuresByReason` (at most 3 per reason, each cut to
   * 500 characters, key material removed), so a reader sees what a short reason stood for.
   */
  failureSamples?: Record<string, string[]>;
  /** Which test file and test ran the round (Vitest), or which benchmark file (CLI). */
  origin?: { file: string; test?: string };
}
