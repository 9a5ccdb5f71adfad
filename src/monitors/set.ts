/**
 * Running several monitors as one: the engine starts, brackets rounds and stops a single object.
 */
import type { MetricFigure, ResourceRow } from '../stats/types.ts';
import type { KnownProcess, Monitor } from './types.ts';

/** Runs a set of monitors together and merges their per-round rows (in the monitors' order). */
export class MonitorSet {
  constructor(private readonly monitors: Monitor[]) {}

  /** The monitors in this set. */
  get members(): readonly Monitor[] {
    return this.monitors;
  }

  /** Start every monitor; one that fails to start is left out, the others run. */
  async start(): Promise<void> {
    await Promise.allSettled(this.monitors.map((m) => m.start()));
  }

  /** Processes started since (a round's workers), for the monitors that follow processes. */
  addProcesses(procs: KnownProcess[]): void {
    for (const m of this.monitors) m.addProcesses?.(procs);
  }

  /**
   * Open a round in every monitor. Returns when each has taken its first sample of the round; awaiting
   * that is optional, but makes counters' baselines exact (nothing the round does happens before them).
   */
  async roundStart(): Promise<void> {
    await Promise.allSettled(this.monitors.map((m) => Promise.resolve(m.roundStart())));
  }

  /** Close the round: every monitor's rows and metric figures, merged. */
  async roundEnd(): Promise<{ rows: ResourceRow[]; metrics: MetricFigure[] }> {
    const results = await Promise.allSettled(this.monitors.map((m) => m.roundEnd()));
    const rows: ResourceRow[] = [];
    const metrics: MetricFigure[] = [];
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      rows.push(...r.value.rows);
      metrics.push(...r.value.metrics);
    }
    return { rows, metrics };
  }

  /** Stop every monitor and clear its timer. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.monitors.map((m) => m.stop()));
  }
}
