/** Bringing a system under test up and down, as the global setup and the CLI see it. */
import type { NetworkRef } from '../connectors/types.ts';
import type { MetricsUrl } from '../monitors/types.ts';

/** A running network, held by whoever started it (global setup or `ledgerbench network up`). */
export interface NetworkHandle {
  /** What workers are given to build their connectors. Its file (mode 0600) holds key material. */
  ref: NetworkRef;
  /** PIDs of the network's own processes, monitored by default. */
  pids: Array<{ pid: number; name: string }>;
  /**
   * Prometheus /metrics URLs the network serves, if any: each named after its node where the network
   * knows it (`{ url, name: 'peer0.org1.example.com' }`), so monitors report per node. Plain strings
   * are still accepted (metricsUrlOf() reads either form).
   */
  metricsUrls: MetricsUrl[];
  /** Stops every process of the network; resolves when they have exited. */
  stop(): Promise<void>;
}
