/** What one run of ledgerbench hands to the reports. */
import type { RoundResult } from '../stats/types.ts';

export interface EnvironmentInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpus: string;
  cpuCount: number;
  totalMemoryBytes: number;
  node: string;
  /** package name -> version, for ledgerbench and the SDKs that ran. */
  versions: Record<string, string>;
}

export interface RunReport {
  /** Bumped when the shape changes. */
  schemaVersion: 1;
  tool: 'ledgerbench';
  toolVersion: string;
  startedAt: string;
  finishedAt: string;
  /** Benchmark name (Caliper `test.name`, or the Vitest project name). */
  name: string;
  rounds: RoundResult[];
  /**
   * Set when the run was interrupted (Ctrl-C, SIGTERM, a cancelled Vitest run): the rounds are those
   * that had finished; `tests` names what was still running, whose rounds are missing or aborted.
   */
  interrupted?: { reason: string; tests?: string[] };
  /** Benchmark and network configuration with key material removed (see redact()). */
  config: { benchmark?: unknown; network?: unknown };
  environment: EnvironmentInfo;
}
