/**
 * The embedded Fabric network through the real fabric-gateway client (issue #3's benchmark):
 * saturated transfer throughput and light-load latency, with signature verification on and off and
 * with BatchTimeout 100 ms and 2 s; and (issue #12) the two ways the connector learns of commits,
 * compared in one run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { NetworkRef } from '../src/connectors/types.ts';
import { load } from 'js-yaml';
import { median } from '../src/baseline/statistics.ts';
import { type BenchRoundOptions, normalizeRound } from '../src/config/round.ts';
import { runRound } from '../src/engine/manager.ts';
import { openNetwork } from '../src/network/open.ts';
import type { RoundResult } from '../src/stats/types.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;

/** networks/embedded.yaml with other signature and batch settings, in a temp folder. */
function variant(verifySignatures: boolean, batchTimeout: string): string {
  const base = load(readFileSync('networks/embedded.yaml', 'utf8')) as Record<string, unknown> & { orderer: Record<string, unknown>; channels: Array<{ chaincodes: Array<{ path: string }> }> };
  base.verifySignatures = verifySignatures;
  base.orderer.batchTimeout = batchTimeout;
  for (const ch of base.channels) for (const cc of ch.chaincodes) cc.path = resolve('networks', cc.path);
  const file = join(mkdtempSync(join(tmpdir(), 'lb-bench-net-')), 'network.yaml');
  writeFileSync(file, JSON.stringify(base));
  return file;
}

async function bench(verify: boolean, batchTimeout: string, transfers: number): Promise<Record<string, number>> {
  const file = variant(verify, batchTimeout);
  const network = await openNetwork(file).catch((err) => {
    rmSync(dirname(file), { recursive: true, force: true });
    throw err;
  });
  const run = (o: Omit<BenchRoundOptions, 'workload'> & { workload: string }, roundIndex: number): Promise<RoundResult> =>
    runRound(normalizeRound({ ...o, workload: resolve('perf/workloads', o.workload) }, { source: 'bench/embedded.bench.ts', field: '', baseDir: process.cwd(), roundIndex }), { network: network.ref, runId: 'bench' });
  try {
    const saturate = { type: 'fixed-load', opts: { transactionLoad: 400 } } as const;
    const open = await run({ label: 'open', workers: 2, txNumber: 2 * transfers, rateControl: saturate, workload: 'open-accounts.ts' }, 0);
    const transfer = await run({ label: 'transfer', workers: 2, txNumber: transfers, rateControl: saturate, workload: 'transfer.ts', arguments: { accountsRound: 0 } }, 1);
    const light = await run({ label: 'light', workers: 1, txDuration: 5, rateControl: { type: 'fixed-rate', opts: { tps: 20 } }, workload: 'open-accounts.ts' }, 2);
    const tag = `verify_${verify ? 'on' : 'off'}_batch_${batchTimeout}`;
    return {
      [`${tag}_open_tps`]: round2(open.throughput),
      [`${tag}_transfer_tps`]: round2(transfer.throughput),
      [`${tag}_transfer_failed`]: transfer.failed,
      [`${tag}_transfer_p50_ms`]: round2(transfer.latency.p50),
      [`${tag}_transfer_p95_ms`]: round2(transfer.latency.p95),
      [`${tag}_light_20tps_p50_ms`]: round2(light.latency.p50),
      [`${tag}_light_20tps_p95_ms`]: round2(light.latency.p95),
    };
  } finally {
    await network.stop();
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Enough transactions in flight to saturate the embedded network. */
const SATURATE = { type: 'fixed-load', opts: { transactionLoad: 400 } } as const;

/** One connector setting to measure: its name in the figures and the connector options it sets. */
interface Setting {
  tag: string;
  options: Record<string, unknown>;
}

/** Per setting, the medians over the repeats. */
type Measured = Record<string, { tps: number; client: number; net: number }>;

/**
 * Transfer rounds with each of `settings` in turn on one network (verification off, BatchTimeout
 * 100 ms), alternating `repeats` times so that the machine's other load falls on all alike. Per
 * setting, the medians of throughput and of the client's (workers') and the network's CPU per
 * transaction.
 */
async function alternate(settings: Setting[], rateControl: BenchRoundOptions['rateControl'], transfers: number, repeats: number): Promise<Measured> {
  const file = variant(false, '100ms');
  const network = await openNetwork(file).catch((err) => {
    rmSync(dirname(file), { recursive: true, force: true });
    throw err;
  });
  const netPid = network.pids[0].pid;
  let roundIndex = 0;
  const run = (o: Omit<BenchRoundOptions, 'workload'> & { workload: string }, ref: NetworkRef): Promise<RoundResult> =>
    runRound(normalizeRound({ ...o, workload: resolve('perf/workloads', o.workload) }, { source: 'bench/embedded.bench.ts', field: '', baseDir: process.cwd(), roundIndex: roundIndex++ }), { network: ref, runId: 'bench-connector-settings' });
  const seen = new Map(settings.map((s) => [s.tag, { tps: [] as number[], client: [] as number[], net: [] as number[] }]));
  try {
    await run({ label: 'open', workers: 2, txNumber: 2 * transfers, rateControl: SATURATE, workload: 'open-accounts.ts' }, network.ref);
    for (let i = 0; i < repeats; i++) {
      for (const setting of settings) {
        const ref = { ...network.ref, options: { ...network.ref.options, ...setting.options } };
        const net0 = cpuSeconds(netPid);
        const r = await run({ label: `transfer-${setting.tag}`, workers: 2, txNumber: transfers, rateControl, workload: 'transfer.ts', arguments: { accountsRound: 0 } }, ref);
        const netMs = (cpuSeconds(netPid) - net0) * 1000;
        // Each worker's CPU while the round ran (its start-up excluded).
        const clientMs = (r.workerUsage ?? []).reduce((sum, w) => sum + (w.roundCpuPercent / 100) * r.elapsedSec * 1000, 0);
        const done = r.succeeded + r.failed;
        const s = seen.get(setting.tag)!;
        s.tps.push(r.throughput);
        s.client.push(clientMs / done);
        s.net.push(netMs / done);
      }
    }
  } finally {
    await network.stop();
    rmSync(dirname(file), { recursive: true, force: true });
  }
  return Object.fromEntries([...seen].map(([tag, s]) => [tag, { tps: round2(median(s.tps)), client: round2(median(s.client)), net: round2(median(s.net)) }]));
}

/** The figures of `alternate()`: `<prefix><tag>_{transfer_tps,client_cpu_ms_per_tx,network_cpu_ms_per_tx}`, and `b`/`a` ratios. */
function figuresOf(m: Measured, prefix: string, [a, b]: [string, string]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [tag, v] of Object.entries(m)) {
    out[`${prefix}${tag}_transfer_tps`] = v.tps;
    out[`${prefix}${tag}_client_cpu_ms_per_tx`] = v.client;
    out[`${prefix}${tag}_network_cpu_ms_per_tx`] = v.net;
  }
  out[`${prefix}${b}_to_${a}_tps_ratio`] = round2(m[b].tps / m[a].tps);
  out[`${prefix}${b}_to_${a}_client_cpu_ratio`] = round2(m[b].client / m[a].client);
  out[`${prefix}${b}_to_${a}_network_cpu_ratio`] = round2(m[b].net / m[a].net);
  return out;
}

/**
 * commitWait `status` (a CommitStatus call per transaction) against `events` (one filtered-block
 * stream per worker): saturated transfer rounds, alternating.
 */
export async function benchCommitWait(transfers = 3000, repeats = 3): Promise<Record<string, number>> {
  const modes = ['status', 'events'] as const;
  const m = await alternate(modes.map((mode) => ({ tag: mode, options: { commitWait: mode } })), SATURATE, transfers, repeats);
  return figuresOf(m, '', [...modes]);
}

/**
 * The connector's transports, grpc-js against its own over node:http2: saturated transfer rounds
 * (what the embedded network reaches) and transfers at 100 tps offered (what a benchmark beside a
 * network pays a transaction), alternating.
 */
export async function benchTransportEmbedded(transfers = 3000, repeats = 3): Promise<Record<string, number>> {
  const kinds = ['grpcjs', 'http2'] as const;
  const settings = kinds.map((tag) => ({ tag, options: { transport: tag === 'grpcjs' ? 'grpc-js' : 'http2' } }));
  const saturated = await alternate(settings, SATURATE, transfers, repeats);
  const paced = await alternate(settings, { type: 'fixed-rate', opts: { tps: 100 } }, 1000, repeats);
  return { ...figuresOf(saturated, 'saturated_', [...kinds]), ...figuresOf(paced, 'rate_100_', [...kinds]) };
}

/** Four network settings, one after the other. */
export async function benchEmbedded(transfers = 4000): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const verify of [false, true]) for (const batch of ['100ms', '2s']) Object.assign(out, await bench(verify, batch, transfers));
  return out;
}
