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

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * commitWait `status` (a CommitStatus call per transaction) against `events` (one filtered-block
 * stream per worker), on one network with verification off and BatchTimeout 100 ms: saturated
 * transfer rounds, the two modes alternating `repeats` times each so that the machine's other load
 * falls on both alike. Per mode, the medians of throughput and of the client's (workers') and the
 * network's CPU per transaction, and the events/status ratios.
 */
export async function benchCommitWait(transfers = 3000, repeats = 3): Promise<Record<string, number>> {
  const file = variant(false, '100ms');
  const network = await openNetwork(file).catch((err) => {
    rmSync(dirname(file), { recursive: true, force: true });
    throw err;
  });
  const netPid = network.pids[0].pid;
  let roundIndex = 0;
  const run = (o: Omit<BenchRoundOptions, 'workload'> & { workload: string }, ref: NetworkRef): Promise<RoundResult> =>
    runRound(normalizeRound({ ...o, workload: resolve('perf/workloads', o.workload) }, { source: 'bench/embedded.bench.ts', field: '', baseDir: process.cwd(), roundIndex: roundIndex++ }), { network: ref, runId: 'bench-commit-wait' });
  const saturate = { type: 'fixed-load', opts: { transactionLoad: 400 } } as const;
  const seen: Record<'status' | 'events', { tps: number[]; client: number[]; net: number[] }> = { status: { tps: [], client: [], net: [] }, events: { tps: [], client: [], net: [] } };
  try {
    await run({ label: 'open', workers: 2, txNumber: 2 * transfers, rateControl: saturate, workload: 'open-accounts.ts' }, network.ref);
    for (let i = 0; i < repeats; i++) {
      for (const mode of ['status', 'events'] as const) {
        const ref = { ...network.ref, options: { ...network.ref.options, commitWait: mode } };
        const net0 = cpuSeconds(netPid);
        const r = await run({ label: `transfer-${mode}`, workers: 2, txNumber: transfers, rateControl: saturate, workload: 'transfer.ts', arguments: { accountsRound: 0 } }, ref);
        const netMs = (cpuSeconds(netPid) - net0) * 1000;
        // Each worker's CPU while the round ran (its start-up excluded).
        const clientMs = (r.workerUsage ?? []).reduce((sum, w) => sum + (w.roundCpuPercent / 100) * r.elapsedSec * 1000, 0);
        const done = r.succeeded + r.failed;
        seen[mode].tps.push(r.throughput);
        seen[mode].client.push(clientMs / done);
        seen[mode].net.push(netMs / done);
      }
    }
  } finally {
    await network.stop();
    rmSync(dirname(file), { recursive: true, force: true });
  }
  const out: Record<string, number> = {};
  for (const mode of ['status', 'events'] as const) {
    out[`${mode}_transfer_tps`] = round2(median(seen[mode].tps));
    out[`${mode}_client_cpu_ms_per_tx`] = round2(median(seen[mode].client));
    out[`${mode}_network_cpu_ms_per_tx`] = round2(median(seen[mode].net));
  }
  out.events_to_status_tps_ratio = round2(out.events_transfer_tps / out.status_transfer_tps);
  out.events_to_status_client_cpu_ratio = round2(out.events_client_cpu_ms_per_tx / out.status_client_cpu_ms_per_tx);
  out.events_to_status_network_cpu_ratio = round2(out.events_network_cpu_ms_per_tx / out.status_network_cpu_ms_per_tx);
  return out;
}

/** Four network settings, one after the other. */
export async function benchEmbedded(transfers = 4000): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const verify of [false, true]) for (const batch of ['100ms', '2s']) Object.assign(out, await bench(verify, batch, transfers));
  return out;
}
