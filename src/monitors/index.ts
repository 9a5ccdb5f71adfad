/**
 * Resource monitors: what the engine calls. createMonitors() reads Caliper's `monitor:` block (plus our
 * own processes and the network's /metrics, per node); MonitorSet runs them around the rounds.
 */
import { planMonitors } from './config.ts';
import { DockerMonitor } from './docker.ts';
import { ProcessMonitor } from './process.ts';
import { PrometheusMonitor } from './prometheus.ts';
import type { KnownProcess, MetricsUrl, Monitor, WarnFn } from './types.ts';

export { type MonitorPlan, planMonitors } from './config.ts';
export { DockerMonitor } from './docker.ts';
export { ProcessMonitor } from './process.ts';
export { DEFAULT_FABRIC_METRICS, PrometheusMonitor } from './prometheus.ts';
export { MonitorSet } from './set.ts';
export { type KnownProcess, type MetricsUrl, metricsUrlOf, type Monitor, type NamedMetricsUrl, type WarnFn } from './types.ts';

/** How to build the monitors besides the block itself. */
export interface MonitorOptions {
  /** The file the block came from, named in every warning. */
  file: string;
  /** Warnings go here; the benchmark goes on. */
  warn: WarnFn;
  /** ledgerbench's workers / embedded network, monitored by default (a row each, by name). */
  ownProcesses?: KnownProcess[];
  /** The network's /metrics URLs (named after their nodes where known), scraped by default. */
  metricsUrls?: MetricsUrl[];
  /** Overrides the block's interval. */
  intervalMs?: number;
}

/**
 * Parse a Caliper-style monitor block (or undefined) into monitors. Unknown types, malformed remote
 * names (`http://host/`, no port, bad scheme), bad intervals: a clear warning naming the file and field,
 * that entry skipped, never a throw. A process monitor is always included (possibly with no targets) so
 * that processes added later with addProcesses() are followed too.
 */
export function createMonitors(block: unknown, opts: MonitorOptions): Monitor[] {
  const plan = planMonitors(block, opts);
  const monitors: Monitor[] = [new ProcessMonitor({ targets: plan.process, intervalMs: plan.intervalMs, warn: opts.warn })];
  if (plan.docker.length > 0) {
    monitors.push(new DockerMonitor({ targets: plan.docker, intervalMs: plan.intervalMs, warn: opts.warn }));
  }
  if (plan.prometheus.length > 0) {
    monitors.push(
      new PrometheusMonitor({ targets: plan.prometheus, metrics: plan.metrics, intervalMs: plan.intervalMs, warn: opts.warn }),
    );
  }
  return monitors;
}
