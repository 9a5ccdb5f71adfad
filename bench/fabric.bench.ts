/**
 * A real Fabric 2.5 network brought up natively (issue 7's item 8 and issue 12's targets): the time to
 * bring it up with one chaincode deployed, the seed experiment's rounds (open at 100 tps, query at
 * 300 tps, open at 400 tps offered), and ledgerbench's own CPU per transaction beside the whole
 * network's (every peer, orderer and chaincode process, from the process monitor).
 * Binaries: FABRIC_BIN, else the release archive in LEDGERBENCH_FABRIC_ARCHIVES or ../shared/fabric.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BenchRoundOptions, normalizeRound } from '../src/config/round.ts';
import { TRANSPORT_KINDS, type TransportKind } from '../src/connectors/fabric-gateway/index.ts';
import { runRound } from '../src/engine/manager.ts';
import { localLauncher } from '../src/engine/worker-channel.ts';
import { WorkerPool } from '../src/engine/worker-pool.ts';
import { createMonitors, MonitorSet } from '../src/monitors/index.ts';
import { openNetwork } from '../src/network/open.ts';
import type { RoundResult } from '../src/stats/types.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;
const SEEDS = resolve('fixtures/seed-configs/benchmark/simple');

/** FABRIC_BIN, or the 2.5.12 release archive unpacked into a temp folder (removed by the caller). */
function binaries(): { dir: string; remove(): void } {
  if (process.env.FABRIC_BIN) return { dir: process.env.FABRIC_BIN, remove: () => {} };
  const archive = join(process.env.LEDGERBENCH_FABRIC_ARCHIVES ?? resolve('../shared/fabric'), 'fabric-2.5.12-linux-amd64.tar.xz');
  if (!existsSync(archive)) throw new Error(`bench fabric: no FABRIC_BIN and no ${archive}; set one of them`);
  const tmp = mkdtempSync(join(tmpdir(), 'lb-bench-fabric-'));
  execFileSync('tar', ['-xJf', archive, '-C', tmp]);
  return { dir: join(tmp, '2.5.12'), remove: () => rmSync(tmp, { recursive: true, force: true }) };
}

/**
 * The workers' CPU milliseconds per settled transaction while the round ran (each worker's own
 * process.cpuUsage from first send to last settlement: no start-up, no module loading).
 */
function workerCpuMsPerTx(r: RoundResult): number {
  const tx = r.succeeded + r.failed;
  const cpuMs = (r.workerUsage ?? []).reduce((sum, u) => sum + (u.roundCpuMs ?? Number.NaN), 0);
  return tx > 0 ? cpuMs / tx : Number.NaN;
}

const isWorker = (name: string) => name.startsWith('worker ');
const isNetwork = (name: string) => !isWorker(name);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Adds `tag`'s figures, each the mean over `rs` (rounds of the same kind). */
function record(figures: Record<string, number>, tag: string, rs: RoundResult[]): void {
  const each = (f: (r: RoundResult) => number) => round2(mean(rs.map(f)));
  Object.assign(figures, {
    [`${tag}_throughput_tps`]: each((r) => r.throughput),
    [`${tag}_failed`]: each((r) => r.failed),
    [`${tag}_p95_ms`]: each((r) => r.latency.p95),
    [`${tag}_harness_cpu_ms_per_tx`]: each(workerCpuMsPerTx),
    [`${tag}_harness_process_cpu_ms_per_tx`]: each((r) => cpuMsPerTx(r, isWorker)),
    [`${tag}_network_cpu_ms_per_tx`]: each((r) => cpuMsPerTx(r, isNetwork)),
    [`${tag}_harness_to_network_cpu`]: each((r) => workerCpuMsPerTx(r) / cpuMsPerTx(r, isNetwork)),
  });
}

/** CPU milliseconds per settled transaction, from a round's resource rows whose names match. */
function cpuMsPerTx(r: RoundResult, pick: (name: string) => boolean): number {
  const tx = r.succeeded + r.failed;
  const cpuMs = (r.resources ?? []).filter((row) => pick(row.name)).reduce((sum, row) => sum + ((row.cpuAvgPercent ?? 0) / 100) * r.elapsedSec * 1000, 0);
  return tx > 0 ? cpuMs / tx : Number.NaN;
}

export async function benchFabric(): Promise<Record<string, number>> {
  const bin = binaries();
  const previous = process.env.FABRIC_BIN;
  process.env.FABRIC_BIN = bin.dir;
  const t0 = performance.now();
  const network = await openNetwork(resolve('networks/fabric-2org.yaml')).finally(() => {
    if (previous === undefined) delete process.env.FABRIC_BIN;
    else process.env.FABRIC_BIN = previous;
  });
  const upSec = (performance.now() - t0) / 1000;
  const pool = new WorkerPool(localLauncher);
  const monitors = new MonitorSet(createMonitors(undefined, { file: 'bench/fabric.bench.ts', warn: () => {}, ownProcesses: network.pids, intervalMs: 1000 }));
  await monitors.start();
  let index = 0;
  const run = (o: Omit<BenchRoundOptions, 'workload'> & { workload: string }, transport: TransportKind = 'http2') =>
    runRound(normalizeRound({ ...o, workload: join(SEEDS, o.workload) }, { source: 'bench/fabric.bench.ts', field: '', baseDir: SEEDS, roundIndex: index++ }), {
      network: { ...network.ref, options: { ...network.ref.options, transport } },
      runId: 'fabric',
      pool,
      monitors,
      networkProcesses: network.pids,
    });
  try {
    // The pool's worker starts, loads the SDK and connects during the first round, whose code then
    // runs cold (not yet optimised by the JIT): that round is reported on its own (first_open_100),
    // and the measured rounds come after it, as the rounds of a benchmark after its first do.
    const first = await run({ label: 'first open', txNumber: 1000, rateControl: { type: 'fixed-rate', opts: { tps: 100 } }, workload: 'open.js' });
    const figures: Record<string, number> = { bring_up_s: round2(upSec) };
    record(figures, 'first_open_100', [first]);
    // The seed's rounds through each transport, alternating twice so that the machine's other load
    // falls on both alike; figures are the means of the two. The default transport's keep the plain
    // names, grpc-js's are prefixed grpcjs_.
    const rounds = new Map<string, RoundResult[]>();
    for (let repeat = 0; repeat < 2; repeat++) {
      for (const transport of TRANSPORT_KINDS) {
        const prefix = transport === 'http2' ? '' : 'grpcjs_';
        const add = (tag: string, r: RoundResult) => rounds.set(prefix + tag, [...(rounds.get(prefix + tag) ?? []), r]);
        add('open_100', await run({ label: 'open', txNumber: 1000, rateControl: { type: 'fixed-rate', opts: { tps: 100 } }, workload: 'open.js' }, transport));
        add('query_300', await run({ label: 'query', txNumber: 1500, rateControl: { type: 'fixed-rate', opts: { tps: 300 } }, workload: 'query.js' }, transport));
        add('open_400', await run({ label: 'open400', txDuration: 20, rateControl: { type: 'fixed-rate', opts: { tps: 400 } }, workload: 'open.js' }, transport));
      }
    }
    for (const [tag, rs] of rounds) record(figures, tag, rs);
    for (const tag of ['open_100', 'query_300', 'open_400']) {
      figures[`${tag}_http2_to_grpcjs_harness_cpu`] = round2(figures[`${tag}_harness_cpu_ms_per_tx`] / figures[`grpcjs_${tag}_harness_cpu_ms_per_tx`]);
    }
    return figures;
  } finally {
    await monitors.stop();
    await pool.close();
    await network.stop();
    bin.remove();
  }
}
