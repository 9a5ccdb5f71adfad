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
