import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DockerMonitor, type DockerTarget } from '../../src/monitors/docker.ts';
import { createMonitors, MonitorSet } from '../../src/monitors/index.ts';
import { type Podman, startPodman } from './podman.ts';
import { makeCertificates, mutualTlsProxy } from './tls.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let podman: Podman;
const savedDockerHost = process.env.DOCKER_HOST;

// Container names are unique per run: the podman instance is private, but rows are named by them.
const burner = 'lbmon-burner';
const pinger = 'lbmon-pinger';

beforeAll(async () => {
  // If podman cannot run here this throws, naming what is missing: the suite fails, it does not skip.
  podman = await startPodman();
  process.env.DOCKER_HOST = podman.dockerHost;
  await podman.runContainer(burner, 'while :; do :; done');
  // Traffic: ICMP echo to the bridge's gateway (the host side of podman's default network). The host's
  // kernel answers, so nothing has to listen on the host and every byte crosses the container's eth0.
  await podman.runContainer(
    pinger,
    "gw=$(ip route | awk '/default/ {print $3}'); exec ping -q -s 1400 -i 0.05 \"$gw\"",
  );
}, 90_000);

afterAll(async () => {
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
  await podman?.close();
}, 60_000);

const local = (container: string, origin = 'test: monitor.docker.name'): DockerTarget => ({
  daemon: { label: 'local' },
  container,
  origin,
});

describe('docker monitor against podman', () => {
  test('named containers on the local daemon: CPU of a busy loop, traffic of a pinger, unknown disc', async () => {
    const warnings: string[] = [];
    const mon = new DockerMonitor({
      targets: [local(burner), local(pinger), local('lbmon-not-there', 'bench.yaml: monitor.docker.name[2]')],
      intervalMs: 250,
      warn: (m) => warnings.push(m),
    });
    try {
      await mon.start();
      await mon.roundStart();
      await sleep(1500);
      const { rows } = await mon.roundEnd();
      expect(rows.map((r) => r.name)).toEqual([burner, pinger, 'lbmon-not-there']);
      const [b, p, missing] = rows;
      expect(b.type).toBe('docker');
      // One busy shell on a shared 2-core box: well above idle, and on average not the ~200% of a
      // misapplied CPU count (podman's system counter runs at clock speed). Single samples jitter.
      expect(b.cpuMaxPercent!).toBeGreaterThan(40);
      expect(b.cpuAvgPercent!).toBeLessThan(150);
      expect(b.cpuAvgPercent!).toBeGreaterThan(p.cpuAvgPercent! + 20);
      expect(b.memoryMaxBytes!).toBeGreaterThan(0);
      // ~20 pings a second of ~1.4 kB each way over >= 1.5 s
      expect(p.trafficOutBytes!).toBeGreaterThan(20_000);
      expect(p.trafficInBytes!).toBeGreaterThan(20_000);
      expect(b.trafficOutBytes!).toBeLessThan(p.trafficOutBytes! / 4);
      // Block I/O: these VMs account none per cgroup, so unknown rather than 0.
      expect(b.discReadBytes).toBeNull();
      expect(b.discWriteBytes).toBeNull();
      expect(missing.cpuMaxPercent).toBeNull();
      expect(missing.trafficInBytes).toBeNull();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('bench.yaml: monitor.docker.name[2]');
      expect(warnings[0]).toContain("no container named 'lbmon-not-there'");
      expect(b.series.length).toBeGreaterThanOrEqual(5);
    } finally {
      await mon.stop();
    }
  });

  test('`all` lists every running container', async () => {
    const mon = new DockerMonitor({ targets: [local('all')], intervalMs: 250, warn: () => {} });
    try {
      await mon.start();
      await mon.roundStart();
      await sleep(600);
      const { rows } = await mon.roundEnd();
      expect(rows.map((r) => r.name).sort()).toEqual([burner, pinger]);
      expect(rows.find((r) => r.name === burner)!.cpuMaxPercent!).toBeGreaterThan(40);
    } finally {
      await mon.stop();
    }
  });

  test('a remote daemon written http://127.0.0.1:<port>/<name> is reached over TCP', async () => {
    const port = await podman.serveTcp();
    const label = `http://127.0.0.1:${port}`;
    const mon = new DockerMonitor({
      targets: [{ daemon: { label, options: { protocol: 'http', host: '127.0.0.1', port } }, container: burner, origin: 'test' }],
      intervalMs: 250,
      warn: () => {},
    });
    try {
      await mon.start();
      await mon.roundStart();
      await sleep(600);
      const { rows } = await mon.roundEnd();
      expect(rows[0].name).toBe(`${label}/${burner}`);
      expect(rows[0].cpuMaxPercent!).toBeGreaterThan(40);
    } finally {
      await mon.stop();
    }
  }, 60_000);

  test('a daemon that refuses warns once and the benchmark goes on', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const warnings: string[] = [];
    const label = `http://127.0.0.1:${port}`;
    const mon = new DockerMonitor({
      targets: [
        { daemon: { label, options: { protocol: 'http', host: '127.0.0.1', port } }, container: 'peer0', origin: 'f: monitor.docker.name[0]' },
        { daemon: { label, options: { protocol: 'http', host: '127.0.0.1', port } }, container: 'orderer', origin: 'f: monitor.docker.name[1]' },
      ],
      intervalMs: 100,
      warn: (m) => warnings.push(m),
    });
    try {
      await mon.start();
      await mon.roundStart();
      await sleep(300);
      const { rows } = await mon.roundEnd();
      expect(rows.map((r) => [r.name, r.cpuMaxPercent, r.trafficInBytes])).toEqual([
        [`${label}/peer0`, null, null],
        [`${label}/orderer`, null, null],
      ]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('ECONNREFUSED');
      expect(warnings[0]).toContain(label);
    } finally {
      await mon.stop();
    }
  });

  test('the config path: a name on the local daemon found through DOCKER_HOST, a container started mid-round under all', async () => {
    const warnings: string[] = [];
    const set = new MonitorSet(
      createMonitors(
        { type: ['docker'], docker: { name: [burner, 'all'] }, interval: 0.25 },
        { file: 'bench.yaml', warn: (m) => warnings.push(m) },
      ),
    );
    try {
      await set.start();
      await set.roundStart();
      await podman.runContainer('lbmon-latecomer', 'sleep 3600');
      await sleep(700);
      const { rows } = await set.roundEnd();
      expect(rows.map((r) => r.name).sort()).toEqual([burner, 'lbmon-latecomer', pinger]);
      expect(rows.filter((r) => r.name === burner)).toHaveLength(1); // named and listed: one row
      const late = rows.find((r) => r.name === 'lbmon-latecomer')!;
      expect(late.memoryMaxBytes!).toBeGreaterThan(0);
      // It started during the round, so its whole (small) traffic counts; known, not null.
      expect(late.trafficInBytes).not.toBeNull();
      expect(warnings).toEqual([]);
    } finally {
      await set.stop();
    }
  });

  test('https://127.0.0.1:<port>/<name> with client certificates from monitor.docker.tls', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lbmon-tls-'));
    const certs = await makeCertificates(dir);
    const proxy = await mutualTlsProxy(certs, podman.dockerHost.replace('unix://', ''));
    const name = `https://127.0.0.1:${proxy.port}/${burner}`;
    try {
      const withCerts: string[] = [];
      const good = new MonitorSet(
        createMonitors(
          { type: 'docker', docker: { name: [name], tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } } },
          { file: 'bench.yaml', warn: (m) => withCerts.push(m), intervalMs: 250 },
        ),
      );
      await good.start();
      await good.roundStart();
      await sleep(600);
      const { rows } = await good.roundEnd();
      await good.stop();
      expect(withCerts).toEqual([]);
      expect(rows[0].name).toBe(name);
      expect(rows[0].cpuMaxPercent!).toBeGreaterThan(40);

      // Without a client certificate the proxy refuses the handshake: a warning, an unknown row.
      const without: string[] = [];
      const bad = new MonitorSet(
        createMonitors(
          { type: 'docker', docker: { name: [name], tls: { ca: certs.ca } } },
          { file: 'bench.yaml', warn: (m) => without.push(m), intervalMs: 250 },
        ),
      );
      await bad.start();
      await bad.roundStart();
      const refused = await bad.roundEnd();
      await bad.stop();
      expect(refused.rows[0].cpuMaxPercent).toBeNull();
      expect(without).toHaveLength(1);
      expect(without[0]).toContain('bench.yaml: monitor.docker.name');
      expect(without[0]).not.toContain('PRIVATE KEY');
      console.log('WARN', without[0]);
    } finally {
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
