/**
 * The embedded Fabric network through the real fabric-gateway client (issue #3's benchmark):
 * saturated transfer throughput and light-load latency, with signature verification on and off and
 * with BatchTimeout 100 ms and 2 s.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

/** Four network settings, one after the other. */
export async function benchEmbedded(transfers = 4000): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const verify of [false, true]) for (const batch of ['100ms', '2s']) Object.assign(out, await bench(verify, batch, transfers));
  return out;
}
