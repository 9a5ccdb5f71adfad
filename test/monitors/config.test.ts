import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { Counter, Registry } from 'prom-client';
import { afterAll, describe, expect, test } from 'vitest';
import { createMonitors, MonitorSet, planMonitors } from '../../src/monitors/index.ts';
import { Children, sleep } from './children.ts';

const seeds = new URL('../../fixtures/seed-configs', import.meta.url).pathname;
const monitorBlockOf = (name: string) => (load(readFileSync(join(seeds, name), 'utf8')) as { monitor?: unknown }).monitor;

function plan(block: unknown, extra: Partial<Parameters<typeof planMonitors>[1]> = {}) {
  const warnings: string[] = [];
  const p = planMonitors(block, { file: 'bench.yaml', warn: (m) => warnings.push(m), ...extra });
  return { p, warnings };
}

describe("the seed configs' monitor blocks load unchanged", () => {
  test.each(['simple-config.yaml', 'mybenchmark.yaml'])('%s: all local containers and node local-client.js', (name) => {
    const { p, warnings } = plan(monitorBlockOf(name));
    expect(warnings).toEqual([]);
    expect(p.intervalMs).toBe(1000);
    expect(p.docker.map((d) => [d.daemon.label, d.container])).toEqual([['local', 'all']]);
    expect(p.process).toEqual([
      expect.objectContaining({ kind: 'match', name: 'node local-client.js', command: 'node', arguments: 'local-client.js', multiOutput: 'avg' }),
    ]);
  });

  test('multi-round-config.yaml: a local and a remote container', () => {
    const { p, warnings } = plan(monitorBlockOf('multi-round-config.yaml'));
    expect(warnings).toEqual([]);
    expect(p.docker.map((d) => [d.daemon.label, d.container])).toEqual([
      ['local', 'peer0.org1.example.com'],
      ['http://192.168.1.100:2375', 'orderer.example.com'],
    ]);
    expect(p.docker[1].daemon.options).toEqual({ protocol: 'http', host: '192.168.1.100', port: 2375 });
    expect(p.docker[1].origin).toBe('bench.yaml: monitor.docker.name[1]');
  });

  test('zookeeper-benchmark.yaml: remote containers on one daemon share it', () => {
    const { p, warnings } = plan(monitorBlockOf('zookeeper-benchmark.yaml'));
    expect(warnings).toEqual([]);
    expect(p.docker).toHaveLength(5);
    expect(p.process).toEqual([]);
    expect(new Set(p.docker.map((d) => d.daemon)).size).toBe(3); // local, :54, :57
  });

  test("the seed document's variant with process as a mapping and interval inside it", () => {
    const block = load(`
type: [docker, process]
docker:
  name: [all]
process:
  command: node
  arguments: local-client.js
  multiOutput: sum
  interval: 2
`);
    const { p, warnings } = plan(block);
    expect(warnings).toEqual([]);
    expect(p.intervalMs).toBe(2000);
    expect(p.process[0]).toMatchObject({ name: 'node local-client.js', multiOutput: 'sum', origin: 'bench.yaml: monitor.process' });
  });

  test('the block in the task description, with prometheus, by pid, https with client certificates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lbmon-tls-'));
    try {
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(dir, f), `-----BEGIN ${f}-----\n`);
      const { p, warnings } = plan({
        type: ['docker', 'process', 'prometheus'],
        docker: {
          name: ['peer0.org1.example.com', 'https://127.0.0.1:2376/peer0', 'all'],
          tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') },
        },
        process: [{ command: 'node', arguments: 'local-client.js', multiOutput: 'avg' }, { pid: 4242, name: 'peer' }],
        prometheus: {
          url: 'http://127.0.0.1:9443/metrics',
          metrics: ['endorser_proposals_received', 'ledger_blockchain_height', 'ledger_block_processing_time'],
        },
        interval: 0.5,
      });
      expect(warnings).toEqual([]);
      expect(p.intervalMs).toBe(500);
      const https = p.docker.find((d) => d.daemon.label === 'https://127.0.0.1:2376')!;
      expect(https.container).toBe('peer0');
      expect(String(https.daemon.options?.key)).toContain('key.pem');
      expect(p.process[1]).toMatchObject({ kind: 'pid', pid: 4242, name: 'peer', configured: true });
      expect(p.prometheus).toEqual([{ url: 'http://127.0.0.1:9443/metrics', origin: 'bench.yaml: monitor.prometheus.url' }]);
      expect(p.metrics).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("Caliper's own prometheus shape (metrics.include, queries) and urls", () => {
    const { p, warnings } = plan({
      type: 'prometheus',
      prometheus: { urls: ['http://127.0.0.1:1/metrics', 'http://127.0.0.1:2/metrics'], metrics: { include: ['a_b'], queries: [{}] } },
    });
    expect(p.prometheus.map((t) => t.url)).toHaveLength(2);
    expect(p.metrics).toEqual(['a_b']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('monitor.prometheus.metrics.queries');
  });
});

describe('bad blocks warn with file and field, skip the entry, never throw', () => {
  test.each([
    [{ type: ['process', 'gpu'], process: [] }, 'monitor.type[1]', "unknown monitor type 'gpu'"],
    [{ type: 'docker', docker: { name: ['http://host/'] } }, 'monitor.docker.name[0]', 'no valid port'],
    [{ type: 'docker', docker: { name: ['http://host:2375'] } }, 'monitor.docker.name[0]', 'names no container'],
    [{ type: 'docker', docker: { name: ['http://host:2375/'] } }, 'monitor.docker.name[0]', 'names no container'],
    [{ type: 'docker', docker: { name: ['tcp://host:2375/peer0'] } }, 'monitor.docker.name[0]', "scheme 'tcp'"],
    [{ type: 'docker', docker: { name: ['http://host:99999/peer0'] } }, 'monitor.docker.name[0]', 'no valid port'],
    [{ type: 'docker', docker: { name: ['peer 0'] } }, 'monitor.docker.name[0]', 'not a valid container name'],
    [{ type: 'docker', docker: { name: [] } }, 'monitor.docker.name', 'no containers named'],
    [{ type: 'docker' }, 'monitor.docker', 'no monitor.docker section'],
    [{ type: 'process', process: [{ arguments: 'x.js' }] }, 'monitor.process[0].command', "executable's name"],
    [{ type: 'process', process: [{ pid: -3 }] }, 'monitor.process[0].pid', 'not a process ID'],
    [{ type: 'prometheus', prometheus: { url: 'ftp://x/metrics' } }, 'monitor.prometheus.url', 'not an http(s) URL'],
    [{ interval: 'fast' }, 'monitor.interval', "'fast' is not a number of seconds"],
    [{ interval: -1 }, 'monitor.interval', '-1 is not a number of seconds'],
    ['docker', 'monitor', 'expected a mapping'],
  ])('%j -> %s', (block, field, problem) => {
    const { p, warnings } = plan(block);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`bench.yaml: ${field}:`);
    expect(warnings[0]).toContain(problem);
    expect(p.docker).toEqual([]);
    expect(p.process).toEqual([]);
    expect(p.prometheus).toEqual([]);
    expect(p.intervalMs).toBe(1000);
  });

  test('a bad entry is skipped, the good ones stay; multiOutput falls back to avg', () => {
    const { p, warnings } = plan({
      type: ['docker', 'process'],
      docker: { name: ['peer0', 'http://h/', 'orderer'] },
      process: [{ command: 'node', arguments: 'a.js', multiOutput: 'max' }],
    });
    expect(p.docker.map((d) => d.container)).toEqual(['peer0', 'orderer']);
    expect(p.process[0]).toMatchObject({ multiOutput: 'avg' });
    expect(warnings.map((w) => w.split(':')[1].trim())).toEqual(['monitor.docker.name[1]', 'monitor.process[0].multiOutput']);
  });

  test('an unreadable client key names its path, never a key', async () => {
    const { p, warnings } = plan({
      docker: { name: ['https://127.0.0.1:2376/peer0', 'peer1'], tls: { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' } },
    });
    expect(p.docker.map((d) => d.container)).toEqual(['peer1']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('monitor.docker.tls.cert');
    expect(warnings[0]).toContain('ENOENT');
  });
});

describe('createMonitors and MonitorSet', () => {
  const kids = new Children();
  const registry = new Registry();
  const height = new Counter({ name: 'ledger_transaction_count', help: 'tx', registers: [registry] });
  let server: Server | undefined;
  afterAll(async () => {
    await kids.killAll();
    if (server) await new Promise<void>((r) => server!.close(() => r()));
  });

  test('no block: own processes and the embedded network are monitored by default; stop clears the timers', async () => {
    server = createServer(async (_req, res) => res.end(await registry.metrics()));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
    const worker = await kids.spawn('sleep', 'worker');
    const matched = await kids.spawn('sleep', 'client');
    const warnings: string[] = [];
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const set = new MonitorSet(
      createMonitors(
        { type: ['process'], process: [{ command: 'node', arguments: `${kids.tag}-client` }] },
        { file: 'bench.yaml', warn: (m) => warnings.push(m), metricsUrls: [url], intervalMs: 150 },
      ),
    );
    expect(set.members.map((m) => m.type)).toEqual(['process', 'prometheus']);
    await set.start();
    set.addProcesses([{ pid: worker.pid!, name: 'worker 0' }]);
    await set.roundStart();
    height.inc(5);
    await sleep(400);
    const { rows, metrics } = await set.roundEnd();
    await set.stop();
    expect(rows.map((r) => r.name)).toEqual([`node ${kids.tag}-client`, 'worker 0']);
    expect(rows.every((r) => r.memoryMaxBytes! > 0)).toBe(true);
    expect(metrics).toEqual([
      { source: url, metric: 'ledger_transaction_count', labels: {}, kind: 'counter', value: { increase: 5 } },
    ]);
    expect(warnings).toEqual([]);
    expect(matched.pid).toBeGreaterThan(0);
    // Every interval timer is gone after stop().
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
  });

  test("a network's named /metrics URLs: figures carry each node's name, warnings name the node and its URL", async () => {
    const peerRegistry = new Registry();
    const proposals = new Counter({ name: 'endorser_proposals_received', help: 'p', registers: [peerRegistry] });
    const peer = createServer(async (_req, res) => res.end(await peerRegistry.metrics()));
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    try {
      const peerUrl = `http://127.0.0.1:${(peer.address() as { port: number }).port}/metrics`;
      // Nothing listens on port 9: the orderer's scrape fails.
      const ordererUrl = 'http://127.0.0.1:9/metrics';
      const warnings: string[] = [];
      const metricsUrls = [
        { url: ordererUrl, name: 'orderer0.example.com' },
        { url: peerUrl, name: 'peer0.org1.example.com' },
      ];
      // The block lists the orderer too: it keeps the block's origin and gets the network's name.
      const planned = planMonitors({ type: ['prometheus'], prometheus: { url: ordererUrl } }, { file: 'bench.yaml', warn: () => {}, metricsUrls });
      expect(planned.prometheus).toEqual([
        { url: ordererUrl, name: 'orderer0.example.com', origin: 'bench.yaml: monitor.prometheus.url' },
        { url: peerUrl, name: 'peer0.org1.example.com', origin: 'network' },
      ]);
      const set = new MonitorSet(createMonitors(undefined, { file: 'bench.yaml', warn: (m) => warnings.push(m), metricsUrls, intervalMs: 150 }));
      await set.start();
      await set.roundStart();
      proposals.inc(3);
      await sleep(300);
      const { metrics } = await set.roundEnd();
      await set.stop();
      expect(metrics).toEqual([{ source: 'peer0.org1.example.com', metric: 'endorser_proposals_received', labels: {}, kind: 'counter', value: { increase: 3 } }]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^network: prometheus monitor: orderer0\.example\.com \(http:\/\/127\.0\.0\.1:9\/metrics\): ECONNREFUSED/);
      expect(warnings.join('\n')).not.toContain('embedded network');
    } finally {
      await new Promise<void>((r) => peer.close(() => r()));
    }
  });

  test('undefined block without anything of ours: a process monitor that samples nothing', async () => {
    const monitors = createMonitors(undefined, { file: 'bench.yaml', warn: () => {} });
    expect(monitors.map((m) => m.type)).toEqual(['process']);
    const set = new MonitorSet(monitors);
    await set.start();
    await set.roundStart();
    expect(await set.roundEnd()).toEqual({ rows: [], metrics: [] });
    await set.stop();
  });
});
