/**
 * What monitoring costs the manager process: CPU time (process.cpuUsage) and wall time of one sample of
 * each monitor, so the lead can set it against a worker's send budget per second (at `interval: 1` a
 * monitor takes one sample a second, so cpuMsPerSample is also its CPU ms per second).
 *
 * - process: a /proc scan for `node <marker>` (every process's cmdline), pidusage and /proc/<pid>/io
 *   for the match and for one own process.
 * - prometheus: a scrape of a Fabric-sized exposition (about 400 lines) served by a child process, so
 *   serving it does not count against us.
 * - docker: one named container on a private podman (skipped, with no keys, when podman is missing).
 *
 * Runnable on its own with `npx tsx bench/monitors.bench.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DockerMonitor } from '../src/monitors/docker.ts';
import { ProcessMonitor } from '../src/monitors/process.ts';
import { PrometheusMonitor } from '../src/monitors/prometheus.ts';
import type { Monitor } from '../src/monitors/types.ts';
import { missingPrograms, startPodman } from '../test/monitors/podman.ts';

/** Long enough that the timer never fires during a measurement: every sample is one we ask for. */
const QUIET_MS = 3_600_000;

/** A metrics endpoint shaped like a Fabric peer's: per-channel counters, gauges and histograms. */
const EXPOSITION_SERVER = `
import { createServer } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
const r = new Registry();
collectDefaultMetrics({ register: r });
const labels = ['channel', 'chaincode'];
const c = ['endorser_proposals_received', 'endorser_successful_proposals', 'ledger_transaction_count',
  'gateway_requests_received', 'gateway_requests_completed', 'broadcast_processed_count']
  .map((name) => new Counter({ name, help: name, labelNames: labels, registers: [r] }));
const g = new Gauge({ name: 'ledger_blockchain_height', help: 'h', labelNames: ['channel'], registers: [r] });
const h = ['endorser_proposal_duration', 'ledger_block_processing_time', 'gateway_request_duration',
  'ledger_statedb_commit_time'].map((name) => new Histogram({ name, help: name, labelNames: labels, registers: [r],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] }));
for (const channel of ['ch1', 'ch2', 'ch3']) for (const chaincode of ['basic', 'token']) {
  for (const x of c) x.inc({ channel, chaincode }, 10);
  for (const x of h) x.observe({ channel, chaincode }, 0.03);
  g.set({ channel }, 100);
}
const s = createServer(async (_q, res) => res.end(await r.metrics()));
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

async function measure(mon: Monitor, samples: number): Promise<{ cpuMsPerSample: number; wallMsPerSample: number }> {
  await mon.start(); // first sample: warm-up (module loading, first connections, pidusage history)
  for (let i = 0; i < 3; i++) await mon.roundStart();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < samples; i++) await mon.roundStart(); // each takes exactly one sample
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await mon.roundEnd();
  await mon.stop();
  return {
    cpuMsPerSample: round((cpu.user + cpu.system) / 1000 / samples),
    wallMsPerSample: round(wall / samples),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * CPU ms and wall ms per sample of each monitor, plus their sum as a share of one core at interval 1 s
 * (`all.percentOfOneCoreAt1s`).
 *
 * @param samples samples per monitor
 */
export async function benchMonitorCost(samples = 50): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const add = (name: string, r: { cpuMsPerSample: number; wallMsPerSample: number }) => {
    out[`${name}.cpuMsPerSample`] = r.cpuMsPerSample;
    out[`${name}.wallMsPerSample`] = r.wallMsPerSample;
  };
  const children: ChildProcess[] = [];
  try {
    const marker = `lbmon-bench-${process.pid}`;
    const target = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)', marker], { stdio: 'ignore' });
    children.push(target);
    await once(target, 'spawn');
    add(
      'process',
      await measure(
        new ProcessMonitor({
          targets: [
            { kind: 'match', name: 'm', command: 'node', arguments: marker, multiOutput: 'avg', origin: 'bench' },
            { kind: 'pid', name: 'self', pid: process.pid, configured: false, origin: 'bench' },
          ],
          intervalMs: QUIET_MS,
          warn: () => {},
        }),
        samples,
      ),
    );

    const root = fileURLToPath(new URL('..', import.meta.url));
    const server = spawn(process.execPath, ['--input-type=module', '-e', EXPOSITION_SERVER], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(server);
    const [portLine] = (await once(server.stdout!, 'data')) as [Buffer];
    const url = `http://127.0.0.1:${Number(portLine.toString().trim())}/metrics`;
    const body = await (await fetch(url)).text();
    out['prometheus.expositionLines'] = body.split('\n').length;
    add(
      'prometheus',
      await measure(
        new PrometheusMonitor({ targets: [{ url, origin: 'bench' }], intervalMs: QUIET_MS, warn: () => {} }),
        samples,
      ),
    );

    if (missingPrograms().length === 0) {
      const podman = await startPodman();
      const saved = process.env.DOCKER_HOST;
      try {
        await podman.runContainer('lbmon-bench', 'sleep 3600');
        process.env.DOCKER_HOST = podman.dockerHost;
        add(
          'docker',
          await measure(
            new DockerMonitor({
              targets: [{ daemon: { label: 'local' }, container: 'lbmon-bench', origin: 'bench' }],
              intervalMs: QUIET_MS,
              warn: () => {},
            }),
            samples,
          ),
        );
      } finally {
        if (saved === undefined) delete process.env.DOCKER_HOST;
        else process.env.DOCKER_HOST = saved;
        await podman.close();
      }
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
  const cpuPerSecond = Object.entries(out)
    .filter(([k]) => k.endsWith('.cpuMsPerSample'))
    .reduce((sum, [, v]) => sum + v, 0);
  out['all.cpuMsPerSecondAt1s'] = round(cpuPerSecond);
  out['all.percentOfOneCoreAt1s'] = round(cpuPerSecond / 10);
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await benchMonitorCost();
  for (const [name, v] of Object.entries(figures)) console.log(`${name.padEnd(36)} ${v}`);
}
