/** What the plugin's global setup hands to test files (through Vitest's provide/inject). */
import type { NetworkRef } from '../connectors/types.ts';
import type { KnownProcess, MetricsUrl } from '../monitors/types.ts';
import type { RoundResult } from '../stats/types.ts';

/** Plugin options that reach the global setup (serializable). */
export interface LedgerbenchSetupOptions {
  /** Network file, absolute. */
  network: string;
  /** Caliper-style monitor block, or false for no monitors at all. */
  monitor: unknown;
  /** Folder for results, absolute. */
  resultsDir: string;
  /** A/B mode: the other checkout's root, absolute (plugin option `ab` or LEDGERBENCH_AB). */
  ab?: string;
}

/**
 * A/B mode's other side: the other checkout (B) and the network brought up from its copy of the
 * network file, so its chaincode paths lead into B.
 */
export interface AbSide {
  /** B's root: the folder that corresponds to the one Vitest runs in. */
  root: string;
  network: NetworkRef;
  networkFile: string;
  networkProcesses: KnownProcess[];
  metricsUrls: MetricsUrl[];
}

/** Provided to every perf test file. */
export interface LedgerbenchContext {
  network: NetworkRef;
  /** The network file, for messages. */
  networkFile: string;
  runId: string;
  /** The network's own processes and metrics endpoints, monitored by default. */
  networkProcesses: KnownProcess[];
  metricsUrls: MetricsUrl[];
  monitor: unknown;
  /** The folder paths in fingerprints are relative to (default: the folder Vitest runs in). */
  checkoutRoot?: string;
  /** A/B mode: the other checkout, whose repeats interleave with this one's. */
  ab?: AbSide;
}

export const OPTIONS_KEY = 'ledgerbench:options';
export const CONTEXT_KEY = 'ledgerbench';

declare module 'vitest' {
  export interface ProvidedContext {
    'ledgerbench:options': LedgerbenchSetupOptions;
    ledgerbench: LedgerbenchContext;
  }
}

declare module '@vitest/runner' {
  interface TaskMeta {
    /** Rounds this test ran, for the ledgerbench reporter. */
    ledgerbench?: RoundResult[];
  }
}
