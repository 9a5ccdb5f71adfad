/**
 * `npm run bench [section...]`: runs the benchmarks, prints a table and writes bench/results.json.
 * Figures are measured on the machine at hand; targets from the issues are printed beside them.
 * Sections: harness, stats, signer, monitors, embedded, commit-wait, transport, connectors, fabric, overload, gate
 * (default: all).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchConnectors, benchConnectorSigning } from './connectors.bench.ts';
import { benchCommitWait, benchEmbedded, benchTransportEmbedded } from './embedded.bench.ts';
import { benchFabric } from './fabric.bench.ts';
import { benchGate } from './gate.bench.ts';
import { benchCeiling, benchFixedCost, benchMemory, benchMonitorOverhead, benchRateAccuracy } from './harness.bench.ts';
import { benchMonitorCost } from './monitors.bench.ts';
import { benchOverload } from './overload.bench.ts';
import { benchSigner } from './signer.bench.ts';
import { benchStats } from './stats.bench.ts';
import { benchTransport } from './transport.bench.ts';

type Figures = Record<string, number>;

const RESULTS = 'bench/results.json';

/** A target: the figure's name, the comparison, the bound. */
interface Target {
  figure: string;
  op: '>=' | '<=' | '<';
  bound: number;
}

const SECTIONS: Record<string, { run: () => Promise<Figures>; targets: Target[] }> = {
  harness: {
    run: async () => ({ ...(await benchCeiling()), ...(await benchRateAccuracy()), ...(await benchMemory()), ...(await benchFixedCost()) }),
    targets: [
      { figure: 'ceiling_1_worker_tps', op: '>=', bound: 500_000 },
      ...[100, 1000, 10000, 50000].map((t) => ({ figure: `rate_${t}_send_error_pct`, op: '<=' as const, bound: 0.5 })),
      { figure: 'rate_1000_lateness_p99_ms', op: '<', bound: 1.5 },
      { figure: 'rate_10000_lateness_p99_ms', op: '<', bound: 1.5 },
      { figure: 'rate_1000_worker_cpu_pct', op: '<', bound: 10 },
      { figure: 'worker_rss_ratio_1m_to_10k', op: '<=', bound: 1.2 },
      { figure: 'worker_peak_rss_mib_1000000', op: '<', bound: 120 },
      { figure: 'fixed_cost_run_s', op: '<', bound: 2 },
    ],
  },
  stats: { run: () => benchStats(), targets: [] },
  signer: { run: () => benchSigner(), targets: [] },
  monitors: {
    run: async () => ({ ...(await benchMonitorCost()), ...(await benchMonitorOverhead()) }),
    // A one-second sample's CPU, as a share of the one core a worker at its ceiling uses: the upper
    // bound of what monitoring can take from it. (The two-worker ceiling with and without monitors is
    // printed too, but its run-to-run noise is larger than the effect.)
    targets: [{ figure: 'all.percentOfOneCoreAt1s', op: '<', bound: 2 }],
  },
  embedded: {
    run: () => benchEmbedded(),
    targets: [
      { figure: 'verify_off_batch_100ms_transfer_tps', op: '>=', bound: 1000 },
      { figure: 'verify_off_batch_2s_transfer_tps', op: '>=', bound: 1000 },
    ],
  },
  // Issue #12: commits from a filtered-block stream against a CommitStatus call per transaction.
  'commit-wait': {
    run: () => benchCommitWait(),
    targets: [{ figure: 'events_transfer_tps', op: '>=', bound: 1000 }],
  },
  // Issue #12: grpc-js against the connector's own gRPC over node:http2, one call and whole
  // transactions on the embedded network; and the machine's cost of a wake-up, the floor under them.
  transport: {
    run: async () => ({ ...(await benchTransport()), ...(await benchTransportEmbedded()) }),
    targets: [],
  },
  // Issue #8: fabric-legacy beside fabric-gateway: signing cost, and one round on one real Fabric 2.5
  // network through each (about 2 minutes; needs the Fabric 2.5.12 archive or FABRIC_BIN).
  connectors: {
    run: async () => ({ ...(await benchConnectorSigning()), ...(await benchConnectors()) }),
    targets: [],
  },
  fabric: {
    run: () => benchFabric(),
    targets: [
      { figure: 'bring_up_s', op: '<', bound: 20 },
      { figure: 'open_100_harness_cpu_ms_per_tx', op: '<=', bound: 1 },
      { figure: 'open_100_harness_to_network_cpu', op: '<=', bound: 0.1 },
      { figure: 'open_400_harness_cpu_ms_per_tx', op: '<=', bound: 0.5 },
    ],
  },
  overload: {
    run: () => benchOverload(),
    targets: [{ figure: 'default_worker_rss_mib', op: '<=', bound: 150 }],
  },
  // Issue #10: the regression gate's false alarms, detections and perf time (about an hour), the
  // targets checked at the setting the README recommends for an A/B gate: 40 repeats, 2% margins.
  gate: {
    run: () => benchGate(),
    targets: [
      { figure: 'r40_m2_false_alarm_rate', op: '<=', bound: 0.05 },
      { figure: 'r40_m2_detection_throughput', op: '>=', bound: 0.95 },
      { figure: 'r40_m2_detection_p95', op: '>=', bound: 0.95 },
      { figure: 'r40_perf_seconds_per_ab_comparison', op: '<=', bound: 180 },
    ],
  },
};

function met(t: Target, v: number | undefined): boolean | undefined {
  if (v === undefined || Number.isNaN(v)) return undefined;
  return t.op === '>=' ? v >= t.bound : t.op === '<=' ? v <= t.bound : v < t.bound;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(SECTIONS);
  for (const n of names) if (!SECTIONS[n]) throw new Error(`unknown bench section ${n}; known: ${Object.keys(SECTIONS).join(', ')}`);
  // Sections not run this time keep their last figures, so one section can be re-measured alone.
  const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as { results?: Record<string, Figures>; measuredAt?: Record<string, string> }) : {};
  const results: Record<string, Figures> = { ...(previous.results ?? {}) };
  const measuredAt: Record<string, string> = typeof previous.measuredAt === 'object' ? { ...previous.measuredAt } : {};
  for (const name of names) {
    process.stderr.write(`bench: ${name}...\n`);
    const t0 = Date.now();
    results[name] = await SECTIONS[name].run();
    measuredAt[name] = new Date().toISOString();
    process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const verdicts = Object.keys(results).flatMap((name) =>
    (SECTIONS[name]?.targets ?? []).map((t) => ({ figure: t.figure, value: results[name][t.figure], target: `${t.op} ${t.bound}`, met: met(t, results[name][t.figure]) })),
  );
  const out = {
    measuredAt,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, totalMemoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    results,
    targets: verdicts,
  };
  writeFileSync(RESULTS, `${JSON.stringify(out, null, 2)}\n`);
  const rows = Object.entries(results).flatMap(([section, figures]) => Object.entries(figures).map(([k, v]) => {
    const verdict = verdicts.find((x) => x.figure === k);
    return [section, k, String(v), verdict ? `${verdict.target} ${verdict.met ? 'met' : 'NOT met'}` : ''];
  }));
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 7));
  for (const r of [['section', 'figure', 'value', 'target'], ...rows]) process.stdout.write(`${r.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')}\n`);
  process.stdout.write(`\nwritten to ${RESULTS}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
