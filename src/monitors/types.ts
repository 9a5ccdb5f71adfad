/**
 * Resource monitors. A monitor runs for a whole benchmark, sampling every `interval`; the engine
 * brackets each round with roundStart/roundEnd and gets that round's rows. A monitor that cannot
 * reach its target warns once (through `warn`) and yields rows of nulls or none; it never throws
 * out of sample/roundEnd, so the benchmark goes on.
 */
import type { MetricFigure, ResourceRow } from '../stats/types.ts';

/** A process known by PID (our workers, the embedded network). */
export interface KnownProcess {
  pid: number;
  name: string;
}

/**
 * A Prometheus /metrics endpoint of the network, named after the node that serves it (e.g.
 * `peer0.org1.example.com`): figures and warnings then say which node they are about.
 */
export interface NamedMetricsUrl {
  url: string;
  name: string;
}

/** A /metrics URL as networks hand it over: named after its node, or plain (then labelled `network`). */
export type MetricsUrl = string | NamedMetricsUrl;

/** The URL of either form. */
export function metricsUrlOf(m: MetricsUrl): string {
  return typeof m === 'string' ? m : m.url;
}

export interface Monitor {
  readonly type: 'process' | 'docker' | 'prometheus';
  /** Begin sampling. */
  start(): Promise<void>;
  /** Processes started since (a round's workers); only the process monitor uses it. */
  addProcesses?(procs: KnownProcess[]): void;
  /**
   * Open a round. Monitors take their first sample of the round at once; the promise (ours return one)
   * settles when it is taken, so an engine that awaits it has exact baselines. Not awaiting is allowed.
   */
  roundStart(): void | Promise<void>;
  roundEnd(): Promise<{ rows: ResourceRow[]; metrics: MetricFigure[] }>;
  stop(): Promise<void>;
}

/** Where monitors send warnings (once per target), e.g. console.warn in the engine. */
export type WarnFn = (message: string) => void;
