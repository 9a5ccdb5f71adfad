/**
 * Shapes of the regression gate: what a round carries for it (per-repeat figures, its definition's
 * fingerprint, the verdict against its baseline) and the baseline file.
 */
import type { EnvironmentInfo } from '../report/types.ts';
import type { RoundResult } from '../stats/types.ts';

/** The figures of one repeat that the gate compares; latencies in ms, rates in tx/s. */
export interface RepeatFigures {
  throughput: number;
  sendRate: number;
  /** succeeded / (succeeded + failed); 0 when nothing settled. */
  successRate: number;
  succeeded: number;
  failed: number;
  elapsedSec: number;
  avg: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/** What changes what a round measures. Two rounds compare only when these are equal. */
export interface RoundFingerprint {
  /** Workload module, relative to the folder the run started in (POSIX separators), and its file's SHA-256 (16 hex digits). */
  workload: { path: string; sha256: string };
  arguments: Record<string, unknown>;
  rateControl: { type: string; opts?: Record<string, unknown> };
  txNumber?: number;
  txDuration?: number;
  workers: number;
  trim: number;
  /** The network file, as the workload's path is given, and its SHA-256. */
  network: { path: string; sha256: string };
}

/** A metric the gate can compare, as written in toBeWithinBaseline()'s margins. */
export type GateMetric = 'throughput' | 'successRate' | 'avg' | 'p50' | 'p75' | 'p90' | 'p95' | 'p99' | 'p999';

/** How one metric of a round compared with its baseline. */
export interface MetricComparison {
  metric: GateMetric;
  /** The margin as written, e.g. '-5%'. */
  margin: string;
  /** Candidate / baseline: the Hodges-Lehmann estimate of the ratio. */
  ratio: number;
  /** 90% interval of the ratio (each end a one-sided 95% bound); null when there are too few repeats. */
  interval: [number, number] | null;
  /** Medians over repeats, for the reader. */
  baselineMedian: number;
  candidateMedian: number;
  verdict: 'regression' | 'improvement' | 'within margin' | 'no change' | 'too few repeats';
}

/** A round's comparison with its baseline, kept on the round for the reports. */
export interface BaselineComparison {
  /** The baseline file (in A/B mode: the other checkout's root), and the round's key in it. */
  file: string;
  /** Set in A/B mode: the comparison is with the other checkout, measured in this run, not with a file. */
  against?: { checkout: string; order: string };
  key: BaselineKey;
  /** When the baseline was recorded, and how many repeats each side has. */
  recordedAt?: string;
  baselineRepeats?: number;
  candidateRepeats: number;
  /** `compared`, or why not: no baseline, a different definition, recorded this run (-u). */
  status: 'compared' | 'missing' | 'different definition' | 'recorded';
  metrics: MetricComparison[];
  /**
   * The baseline's merged latency histogram (encoded as in the baseline file), for the report's
   * overlay; absent when the baseline was recorded without histograms.
   */
  baselineLatencyHistogram?: string;
  /** Fingerprint fields that differ (status `different definition`). */
  differences?: string[];
  pass: boolean;
}

/** Where a round sits in the baseline file: its test file, its test, its label (`label #2` for a repeated label). */
export interface BaselineKey {
  file: string;
  test: string;
  round: string;
}

/** One round's baseline. */
export interface BaselineEntry extends BaselineKey {
  recordedAt: string;
  fingerprint: RoundFingerprint;
  /** Per-repeat figures, one array per figure, in repeat order. */
  repeats: { [K in keyof RepeatFigures]: number[] };
  /**
   * The latency distribution (hdr-histogram-js compressed base64, microseconds, 3 significant
   * digits): `merged` the sum of the repeats' (what the report draws), `repeats` each repeat's (null
   * for one without successes). Absent in files recorded before ledgerbench kept them, which still
   * compare: the gate's statistics need only the per-repeat figures.
   */
  latencyHistograms?: { merged: string; repeats: Array<string | null> };
  environment: EnvironmentInfo;
}

/** The baseline file (ledgerbench-baseline.json by default). */
export interface BaselineFile {
  schemaVersion: 1;
  tool: 'ledgerbench';
  rounds: BaselineEntry[];
}

/** A RoundResult with what the gate adds to it. */
export type GatedRound = RoundResult & {
  /** Per-repeat figures of a round run with `repeat: n` (n >= 2); the top-level figures merge them. */
  repeats?: RepeatFigures[];
  fingerprint?: RoundFingerprint;
  /** Set by toBeWithinBaseline(). */
  baseline?: BaselineComparison;
  /**
   * Each repeat's latency histogram (`latencyHistogram` of its RoundResult; null for a repeat without
   * successes), in repeat order; `latencyHistogram` is then their sum.
   */
  repeatLatencyHistograms?: Array<string | null>;
  /** A/B mode: the other checkout's repeats of this round, measured interleaved with this one's. */
  ab?: AbFigures;
};

/** What A/B mode measured of the other checkout (B) for a round: its stand-in for a baseline entry. */
export interface AbFigures {
  /** B's root folder. */
  checkout: string;
  repeats: RepeatFigures[];
  /** The sum of B's repeats' latency histograms. */
  latencyHistogram?: string;
  fingerprint?: RoundFingerprint;
  /** Why B's repeats stopped early, when one aborted. */
  aborted?: string;
  /** The order the repeats ran in, A for this checkout and B for the other: `ABBAAB...`. */
  order: string;
}

/** How `-u` / LEDGERBENCH_UPDATE_BASELINE asks for baselines to be written. */
export type BaselineUpdateMode = 'none' | 'new' | 'all';

/** What the plugin hands the matcher in the test files. */
export interface BaselineSettings {
  /** The baseline file, absolute. */
  path: string;
  update: BaselineUpdateMode;
}
