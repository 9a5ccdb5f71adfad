/**
 * Profiling driver for issue #3: drives the fabric-gateway connector directly (no engine) against an
 * embedded network with verifySignatures off, and prints throughput with the CPU each side spent per
 * transaction.
 *
 *   npx tsx bench/profile-embedded.ts [--workers N] [--inflight N] [--seconds S] [--batch 100ms]
 *     [--commit-wait events|status] [--rate TPS]
 *
 * With --rate the workers send at a fixed rate between them (open model) instead of keeping
 * --inflight transactions outstanding: the per-transaction CPU at a modest rate is what a benchmark
 * beside a real network pays, and it is not the saturated figure.
 *
 * Every worker is a child process of this script running the same file with `--worker`; the network
 * is a child of the parent. Set PROFILE_NETWORK=1 / PROFILE_WORKER=1 to have those processes write
 * V8 CPU profiles (--cpu-prof) into PROFILE_DIR (default /tmp); WORKER_NODE_FLAGS and NETWORK_NODE_FLAGS
 * add node flags to the workers and to the network (e.g. `--max-semi-space-size=64`); TRANSPORT picks
 * the connector's transport (http2, the default, or grpc-js).
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { load } from 'js-yaml';
import { createFabricGatewayConnector } from '../src/connectors/fabric-gateway/index.ts';
import type { NetworkRef } from '../src/connectors/types.ts';
import { startNetwork } from '../src/network/index.ts';

const { values } = parseArgs({
  options: {
    worker: { type: 'string' },
    workers: { type: 'string', default: '2' },
    inflight: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '15' },
    batch: { type: 'string', default: '100ms' },
    verify: { type: 'boolean', default: false },
    file: { type: 'string' },
    'commit-wait': { type: 'string', default: 'events' },
    rate: { type: 'string' },
  },
});

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * One worker: opens an account per transaction, with `inflight` transactions always outstanding, or at
 * `rate` a second when given.
 */
async function worker(index: number, ref: NetworkRef, inflight: number, seconds: number, rate: number | undefined): Promise<void> {
  const connector = await createFabricGatewayConnector({ workerIndex: index, workerCount: 1, network: ref, txTimeoutMs: 30_000 });
  // Warm-up: a few transactions so connection setup and JIT are not in the figures.
  for (let i = 0; i < 20; i++) await connector.submit({ contract: 'simple', fn: 'open', args: [`w${index}-warm-${i}`, '1000'] });
  process.send?.({ type: 'warm' });
  await new Promise<void>((r) => process.once('message', () => r()));
  let seq = 0;
  let ok = 0;
  let failed = 0;
  const reasons = new Map<string, number>();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  /** Opens the next account and counts the outcome. */
  const openOne = async (): Promise<void> => {
    const out = await connector.submit({ contract: 'simple', fn: 'open', args: [`w${index}-${seq++}`, '1000'] });
    if (out.ok) ok++;
    else {
      failed++;
      reasons.set(out.reason ?? '?', (reasons.get(out.reason ?? '?') ?? 0) + 1);
    }
  };
  const loop = async (): Promise<void> => {
    while (performance.now() < end) await openOne();
  };
  const paced = async (perSecond: number): Promise<void> => {
    const pending: Array<Promise<void>> = [];
    for (let i = 0; t0 + (i * 1000) / perSecond < end; i++) {
      const due = t0 + (i * 1000) / perSecond - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      pending.push(openOne());
    }
    await Promise.all(pending);
  };
  await (rate ? paced(rate) : Promise.all(Array.from({ length: inflight }, loop)));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await connector.close();
  process.send?.({ type: 'done', ok, failed, elapsed, cpuS: (cpu.user + cpu.system) / 1e6, reasons: Object.fromEntries(reasons) });
}

/**
 * The embedded network's process started directly with node flags of our own (node refuses --cpu-prof
 * in NODE_OPTIONS, so startNetwork() cannot pass it on); with `profile`, writing a CPU profile when it
 * exits.
 */
async function startNetworkWithFlags(file: string, profDir: string | undefined, flags: string[]): Promise<{ ref: NetworkRef; pids: Array<{ pid: number }>; stop(): Promise<void> }> {
  const out = mkdtempSync(join(tmpdir(), 'lb-profile-out-'));
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const child = spawn(process.execPath, [...prof, ...flags, '--import', 'tsx', resolve('src/network/embedded/main.ts'), file, out], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ connectionFile: string; operationsUrl: string }>((r, reject) =>
    child.once('message', (m: { type: string; connectionFile: string; operationsUrl: string; message?: string }) => (m.type === 'ready' ? r(m) : reject(new Error(m.message)))),
  );
  return {
    ref: { connector: 'fabric-gateway', file: ready.connectionFile, operationsUrl: ready.operationsUrl },
    pids: [{ pid: child.pid! }],
    stop: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  if (values.worker !== undefined) {
    const { index, ref, inflight, seconds, rate } = JSON.parse(values.worker) as { index: number; ref: NetworkRef; inflight: number; seconds: number; rate?: number };
    await worker(index, ref, inflight, seconds, rate);
    process.disconnect?.();
    return;
  }
  const workers = Number(values.workers);
  const inflight = Math.ceil(Number(values.inflight) / workers);
  const seconds = Number(values.seconds);
  const rate = values.rate === undefined ? undefined : Number(values.rate) / workers;
  const base = load(readFileSync(values.file ?? 'networks/embedded.yaml', 'utf8')) as Record<string, unknown> & { orderer: Record<string, unknown>; channels: Array<{ chaincodes: Array<{ path: string }> }> };
  base.verifySignatures = values.verify;
  base.orderer.batchTimeout = values.batch;
  for (const ch of base.channels) for (const cc of ch.chaincodes) cc.path = resolve('networks', cc.path);
  const file = join(mkdtempSync(join(tmpdir(), 'lb-profile-net-')), 'network.yaml');
  writeFileSync(file, JSON.stringify(base));
  const profDir = process.env.PROFILE_DIR ?? '/tmp';
  const networkFlags = process.env.NETWORK_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const network =
    process.env.PROFILE_NETWORK || networkFlags.length
      ? await startNetworkWithFlags(file, process.env.PROFILE_NETWORK ? profDir : undefined, networkFlags)
      : await startNetwork(file);
  const netPid = network.pids[0].pid;
  try {
    const execArgv = [
      ...process.execArgv,
      ...(process.env.WORKER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      ...(process.env.PROFILE_WORKER ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    ];
    const ref: NetworkRef = { ...network.ref, options: { ...network.ref.options, commitWait: values['commit-wait'], transport: process.env.TRANSPORT ?? 'http2' } };
    const children = Array.from({ length: workers }, (_, index) =>
      fork(process.argv[1], ['--worker', JSON.stringify({ index, ref, inflight, seconds, rate })], { execArgv }),
    );
    await Promise.all(children.map((c) => new Promise<void>((r) => c.once('message', () => r()))));
    const net0 = cpuSeconds(netPid);
    const t0 = performance.now();
    const results = children.map((c) => new Promise<{ ok: number; failed: number; elapsed: number; cpuS: number; reasons: Record<string, number> }>((r) => c.once('message', r as never)));
    for (const c of children) c.send('go');
    const done = await Promise.all(results);
    const wall = (performance.now() - t0) / 1000;
    const netCpu = cpuSeconds(netPid) - net0;
    const okTotal = done.reduce((s, d) => s + d.ok, 0);
    const failedTotal = done.reduce((s, d) => s + d.failed, 0);
    const workerCpu = done.reduce((s, d) => s + d.cpuS, 0);
    const tps = okTotal / Math.max(...done.map((d) => d.elapsed));
    console.log(
      JSON.stringify({
        workers,
        commitWait: values['commit-wait'],
        ...(rate ? { rate: rate * workers } : { inflight: inflight * workers }),
        tps: Math.round(tps),
        ok: okTotal,
        failed: failedTotal,
        wall: Math.round(wall * 10) / 10,
        clientCpuMsPerTx: Math.round((workerCpu / okTotal) * 1e6) / 1e3,
        networkCpuMsPerTx: Math.round((netCpu / okTotal) * 1e6) / 1e3,
        clientCpuPct: Math.round((workerCpu / wall) * 100),
        networkCpuPct: Math.round((netCpu / wall) * 100),
        reasons: done.map((d) => d.reasons),
      }),
    );
    await Promise.all(children.map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())))));
  } finally {
    await network.stop();
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
