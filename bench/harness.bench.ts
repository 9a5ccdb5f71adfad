/**
 * Benchmarks of the harness itself through the noop connector (issue #2's targets): send ceiling,
 * rate accuracy, worker memory, fixed cost of `ledgerbench run`.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type BenchRoundOptions, normalizeRound } from '../src/config/round.ts';
import { runRound } from '../src/engine/manager.ts';
import { createMonitors, MonitorSet } from '../src/monitors/index.ts';
import type { RoundResult } from '../src/stats/types.ts';

const NOOP_WORKLOAD = resolve('fixtures/workloads/noop.ts');

async function noopRound(o: Omit<BenchRoundOptions, 'label' | 'workload'>, label: string, monitors?: MonitorSet): Promise<RoundResult> {
  const spec = normalizeRound({ label, workload: NOOP_WORKLOAD, ...o }, { source: 'bench/harness.bench.ts', field: '', baseDir: process.cwd(), roundIndex: 0 });
  return runRound(spec, { network: { connector: 'noop' }, runId: 'bench', monitors });
}

const round2 = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** (a) Unthrottled (closed model, backlog 1,000 per worker) tx/s with one and two workers. */
export async function benchCeiling(txNumber = 3_000_000): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const workers of [1, 2]) {
    const r = await noopRound({ workers, txNumber, rateControl: { type: 'fixed-load', opts: { transactionLoad: 1000 * workers } } }, `ceiling-${workers}w`);
    out[`ceiling_${workers}_worker_tps`] = Math.round(r.throughput);
  }
  return out;
}

/** (b) fixed-rate on one worker: send-rate error, p99 lateness against intended times, worker CPU. */
export async function benchRateAccuracy(seconds = 10): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const tps of [100, 1_000, 10_000, 50_000]) {
    const r = await noopRound({ txNumber: tps * seconds, rateControl: { type: 'fixed-rate', opts: { tps } } }, `rate-${tps}`);
    // Intended sends span (n - 1) intervals; compare like with like.
    const intendedRate = (tps * seconds) / (((tps * seconds - 1) / tps) || 1);
    out[`rate_${tps}_send_error_pct`] = round2((Math.abs(r.sendRate - intendedRate) / intendedRate) * 100, 3);
    out[`rate_${tps}_lateness_p99_ms`] = round2(r.sendLateness?.p99 ?? Number.NaN, 3);
    out[`rate_${tps}_worker_cpu_pct`] = round2(r.workerUsage?.[0]?.roundCpuPercent ?? Number.NaN, 1);
  }
  return out;
}

/** (c) Worker peak RSS at 10,000 and 1,000,000 transactions (full speed). */
export async function benchMemory(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const txNumber of [10_000, 1_000_000]) {
    const r = await noopRound({ txNumber, rateControl: { type: 'fixed-load', opts: { transactionLoad: 1000 } } }, `memory-${txNumber}`);
    out[`worker_peak_rss_mib_${txNumber}`] = round2((r.workerUsage?.[0]?.maxRssBytes ?? Number.NaN) / 2 ** 20, 1);
  }
  out.worker_rss_ratio_1m_to_10k = round2(out.worker_peak_rss_mib_1000000 / out.worker_peak_rss_mib_10000, 3);
  return out;
}

/** (d) `ledgerbench run` of one 1,000-transaction round at full speed, start to exit (median of 3). */
export async function benchFixedCost(): Promise<Record<string, number>> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ['bin/ledgerbench.js', 'run', '--config', 'bench/fixed-cost.yaml', '--network', 'networks/noop.yaml', '--results', '.tmp/bench-results'], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`ledgerbench run failed: ${run.stderr}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { fixed_cost_run_s: round2(times[1] / 1000, 3) };
}

/**
 * What monitoring at interval 1 s costs the send ceiling: two workers (both cores busy, so the monitor
 * competes for CPU) at full speed with and without the default monitors (process monitor on the
 * workers), alternated, best of three each.
 */
export async function benchMonitorOverhead(txNumber = 3_000_000): Promise<Record<string, number>> {
  const best = { off: 0, on: 0 };
  const spec = { workers: 2, txNumber, rateControl: { type: 'fixed-load', opts: { transactionLoad: 2000 } } } as const;
  for (let i = 0; i < 3; i++) {
    best.off = Math.max(best.off, (await noopRound(spec, 'monitors-off')).throughput);
    const monitors = new MonitorSet(createMonitors(undefined, { file: 'bench', warn: () => {}, intervalMs: 1000 }));
    await monitors.start();
    try {
      best.on = Math.max(best.on, (await noopRound(spec, 'monitors-on', monitors)).throughput);
    } finally {
      await monitors.stop();
    }
  }
  return { ceiling_2w_monitors_off_tps: Math.round(best.off), ceiling_2w_monitors_on_tps: Math.round(best.on), monitor_cost_pct_of_ceiling: round2((1 - best.on / best.off) * 100, 2) };
}
