/**
 * Back-pressure under overload (issue 12's memory target): the embedded network is first saturated
 * to find its capacity C, then driven open-model at 2 x C for 60 s by one worker, once without a
 * limit on transactions in flight and once with the default (from src/engine/in-flight.ts). Figures:
 * the worker's peak RSS, sends dropped, throughput and p95; and, from two shorter runs held at two
 * limits, what one transaction in flight costs the worker (the constant the default is derived from).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { type BenchRoundOptions, normalizeRound } from '../src/config/round.ts';
import { runRound } from '../src/engine/manager.ts';
import { openNetwork } from '../src/network/open.ts';
import type { RoundResult } from '../src/stats/types.ts';

const MIB = 1024 * 1024;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** networks/embedded.yaml with signature checks off, in a temp folder. */
function networkFile(): string {
  const base = load(readFileSync('networks/embedded.yaml', 'utf8')) as Record<string, unknown> & { channels: Array<{ chaincodes: Array<{ path: string }> }> };
  base.verifySignatures = false;
  for (const ch of base.channels) for (const cc of ch.chaincodes) cc.path = resolve('networks', cc.path);
  const file = join(mkdtempSync(join(tmpdir(), 'lb-bench-overload-')), 'network.yaml');
  writeFileSync(file, JSON.stringify(base));
  return file;
}

/** The peak RSS the round's one worker reported. */
const rssMiB = (r: RoundResult) => (r.workerUsage?.[0]?.maxRssBytes ?? Number.NaN) / MIB;

export async function benchOverload(seconds = 60): Promise<Record<string, number>> {
  const file = networkFile();
  const network = await openNetwork(file).catch((err) => {
    rmSync(dirname(file), { recursive: true, force: true });
    throw err;
  });
  let index = 0;
  const run = (o: Omit<BenchRoundOptions, 'workload'>, maxInFlight?: number): Promise<RoundResult> => {
    const spec = normalizeRound({ ...o, workload: resolve('perf/workloads/open-accounts.ts') }, { source: 'bench/overload.bench.ts', field: '', baseDir: process.cwd(), roundIndex: index++ });
    return runRound({ ...spec, maxInFlight }, { network: network.ref, runId: 'overload' });
  };
  try {
    const capacity = (await run({ label: 'capacity', workers: 1, txNumber: 4000, rateControl: { type: 'fixed-load', opts: { transactionLoad: 300 } } })).throughput;
    const offered = Math.round(2 * capacity);
    const overload = { label: 'overload', workers: 1, txDuration: seconds, rateControl: { type: 'fixed-rate', opts: { tps: offered } } } as const;
    const unbounded = await run(overload, Number.MAX_SAFE_INTEGER);
    const bounded = await run(overload);
    // The cost of one transaction in flight: two shorter runs pinned at two limits, RSS against limit.
    const calibrate = { ...overload, label: 'calibrate', txDuration: Math.min(seconds, 30) };
    const low = await run(calibrate, 500);
    const high = await run(calibrate, 2500);
    const bytesPerInFlight = ((rssMiB(high) - rssMiB(low)) * MIB) / 2000;
    return {
      capacity_tps: round2(capacity),
      offered_tps: offered,
      unbounded_worker_rss_mib: round2(rssMiB(unbounded)),
      unbounded_throughput_tps: round2(unbounded.throughput),
      unbounded_p95_ms: round2(unbounded.latency.p95),
      unbounded_failed: unbounded.failed,
      default_worker_rss_mib: round2(rssMiB(bounded)),
      default_dropped: bounded.dropped ?? 0,
      default_throughput_tps: round2(bounded.throughput),
      default_p95_ms: round2(bounded.latency.p95),
      default_failed: bounded.failed,
      limit_500_worker_rss_mib: round2(rssMiB(low)),
      limit_2500_worker_rss_mib: round2(rssMiB(high)),
      bytes_per_in_flight: Math.round(bytesPerInFlight),
    };
  } finally {
    await network.stop();
    rmSync(dirname(file), { recursive: true, force: true });
  }
}
