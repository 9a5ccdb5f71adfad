/**
 * The docker monitor: containers on the local daemon (DOCKER_HOST or /var/run/docker.sock) and on
 * remote daemons (`http://HOST:PORT/NAME`, https with client certificates), sampled through the Docker
 * Engine API every interval. `all` means every running container of that daemon, re-listed each sample.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type Docker from 'dockerode';
import type { MetricFigure, ResourceRow } from '../stats/types.ts';
import {
  blkioTotals,
  type CpuPoint,
  cpuPercent,
  cpuPoint,
  memoryBytes,
  networkTotals,
  type RawStats,
} from './docker-stats.ts';
import { RoundSamples, type ResourceSample, unknownSample } from './rounds.ts';
import { Ticker } from './ticker.ts';
import type { Monitor, WarnFn } from './types.ts';

/** A Docker daemon to talk to. */
export interface DaemonSpec {
  /** `local`, or `http(s)://host:port`; also the prefix of remote rows' names. */
  label: string;
  /** dockerode options; undefined for the local daemon as DOCKER_HOST (or the default socket) says. */
  options?: Docker.DockerOptions;
}

/** One entry of `monitor.docker.name`. */
export interface DockerTarget {
  daemon: DaemonSpec;
  /** Container name (or ID), or `all`. */
  container: string;
  /** Where it was configured, for warnings (`bench.yaml: monitor.docker.name[1]`). */
  origin: string;
}

/** What the docker monitor is built from. */
export interface DockerMonitorOptions {
  targets: DockerTarget[];
  intervalMs: number;
  warn: WarnFn;
}

interface Daemon {
  spec: DaemonSpec;
  client?: Docker;
  /** Our own keep-alive agent, so stop() can close the connections it kept. */
  agent?: HttpAgent;
  named: DockerTarget[];
  all?: DockerTarget;
}

/** What we remember of one container row between samples. */
interface RowState {
  cpu?: CpuPoint;
  net?: { rx: number; tx: number };
  blk?: { read: number; write: number };
  totals: { rx: number; tx: number; read: number; write: number };
}

/** A container to sample now. */
interface Pick {
  row: string;
  ref: string;
  /** Creation time (epoch ms) when the daemon told us (listing), for containers started mid-round. */
  createdMs?: number;
  target?: DockerTarget;
}

/** Samples containers every interval; see the module comment. */
export class DockerMonitor implements Monitor {
  readonly type = 'docker' as const;
  private readonly ticker: Ticker;
  private readonly rounds = new RoundSamples();
  private readonly daemons: Daemon[] = [];
  private readonly rows = new Map<string, RowState>();
  private readonly warned = new Set<string>();
  private lastSampleAt: number | undefined;

  constructor(private readonly opts: DockerMonitorOptions) {
    for (const t of opts.targets) {
      let d = this.daemons.find((x) => x.spec.label === t.daemon.label);
      if (!d) {
        d = { spec: t.daemon, named: [] };
        this.daemons.push(d);
      }
      if (t.container === 'all') d.all ??= t;
      else if (!d.named.some((n) => n.container === t.container)) d.named.push(t);
    }
    this.ticker = new Ticker(opts.intervalMs, () => this.sample());
  }

  async start(): Promise<void> {
    if (this.ticker.running) return;
    // Loaded here, not at import: dockerode pulls in ssh2 and friends (about half a second), which every
    // run would pay even without a docker monitor.
    const { default: DockerClient } = await import('dockerode');
    for (const d of this.daemons) {
      try {
        // Requests must not outlive a sample by much: a dead remote host would otherwise hang for minutes.
        d.client = new DockerClient({ ...(d.spec.options ?? {}), timeout: Math.max(2_000, this.opts.intervalMs) });
        // The protocol is only known once docker-modem has read DOCKER_HOST / DOCKER_TLS_VERIFY.
        const modem = d.client.modem as { protocol?: string; agent?: HttpAgent };
        if (modem.protocol !== 'ssh') {
          d.agent = modem.protocol === 'https' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
          modem.agent = d.agent;
        }
      } catch (err) {
        this.warnOnce(`daemon:${d.spec.label}`, `${(d.all ?? d.named[0]).origin}: docker monitor: cannot use the ${describe(d.spec)}: ${(err as Error).message}; its containers are left out`);
      }
    }
    this.ticker.start();
    await this.ticker.runNow();
  }

  /** Opens the round and takes its first sample; awaiting is optional (the baseline is then exact). */
  roundStart(): Promise<void> {
    this.rounds.open();
    return this.ticker.runNow();
  }

  async roundEnd(): Promise<{ rows: ResourceRow[]; metrics: MetricFigure[] }> {
    await this.ticker.idle();
    await this.ticker.runNow();
    return { rows: this.rounds.close(), metrics: [] };
  }

  async stop(): Promise<void> {
    await this.ticker.stop();
    for (const d of this.daemons) d.agent?.destroy();
  }

  private async sample(): Promise<void> {
    const at = Date.now();
    const perDaemon = await Promise.all(this.daemons.map((d) => this.sampleDaemon(d, at)));
    // Recorded in configuration order, whatever order the answers came in, so rows keep that order.
    for (const [row, sample] of perDaemon.flat()) this.rounds.record('docker', row, sample);
    // Forget containers that are gone (short-lived ones under `all` would otherwise pile up).
    const current = new Set(perDaemon.flat().map(([row]) => row));
    for (const row of this.rows.keys()) if (!current.has(row)) this.rows.delete(row);
    this.lastSampleAt = at;
  }

  private async sampleDaemon(d: Daemon, at: number): Promise<Array<[string, ResourceSample]>> {
    const picks: Pick[] = d.named.map((t) => ({ row: rowName(d.spec, t.container), ref: t.container, target: t }));
    if (d.client && d.all) {
      try {
        const list = await d.client.listContainers();
        for (const c of list) {
          const name = (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
          const row = rowName(d.spec, name);
          if (!picks.some((p) => p.row === row)) picks.push({ row, ref: c.Id, createdMs: c.Created * 1000 });
        }
      } catch (err) {
        this.warnDaemon(d, d.all, err);
      }
    }
    const samples = await Promise.all(
      picks.map((p) => (d.client ? this.sampleContainer(d, d.client, p, at) : undefined)),
    );
    // Named containers always get a row (unknown when missing); listed ones only when seen.
    const out: Array<[string, ResourceSample]> = [];
    picks.forEach((p, i) => {
      const sample = samples[i] ?? (p.target ? unknownSample(at) : undefined);
      if (sample) out.push([p.row, sample]);
    });
    return out;
  }

  private async sampleContainer(d: Daemon, client: Docker, p: Pick, at: number): Promise<ResourceSample | undefined> {
    let raw: RawStats;
    try {
      // one-shot: a real Docker daemon would otherwise wait a second to fill precpu_stats we don't use.
      raw = (await client.getContainer(p.ref).stats({ stream: false, 'one-shot': true } as { stream: false })) as RawStats;
    } catch (err) {
      const e = err as { statusCode?: number };
      if (p.target && e.statusCode === 404) {
        this.warnOnce(
          `missing:${p.row}`,
          `${p.target.origin}: docker monitor: no container named '${p.target.container}' on the ${describe(d.spec)}; its row is reported as unknown`,
        );
      } else if (p.target) {
        this.warnDaemon(d, p.target, err);
      }
      return undefined;
    }
    const wallNs = Number(process.hrtime.bigint());
    let state = this.rows.get(p.row);
    if (!state) {
      state = { totals: { rx: 0, tx: 0, read: 0, write: 0 } };
      this.rows.set(p.row, state);
    }
    // A container created since the last sample did all its I/O within this interval; one that was
    // already running when we first see it gives only a baseline.
    const fresh = p.createdMs !== undefined && this.lastSampleAt !== undefined && p.createdMs >= this.lastSampleAt;

    const cpuNow = cpuPoint(raw, wallNs);
    const cpu = state.cpu && cpuNow ? cpuPercent(state.cpu, cpuNow) : null;
    state.cpu = cpuNow;

    const net = networkTotals(raw);
    if (net) {
      const base = state.net ?? (fresh ? { rx: 0, tx: 0 } : net);
      state.totals.rx += delta(base.rx, net.rx);
      state.totals.tx += delta(base.tx, net.tx);
      state.net = net;
    }
    const blk = blkioTotals(raw);
    if (blk) {
      const base = state.blk ?? (fresh ? { read: 0, write: 0 } : blk);
      state.totals.read += delta(base.read, blk.read);
      state.totals.write += delta(base.write, blk.write);
      state.blk = blk;
    }
    return {
      at,
      cpu,
      mem: memoryBytes(raw),
      netIn: net ? state.totals.rx : null,
      netOut: net ? state.totals.tx : null,
      discRead: blk ? state.totals.read : null,
      discWrite: blk ? state.totals.write : null,
    };
  }

  private warnDaemon(d: Daemon, t: DockerTarget, err: unknown): void {
    const e = err as { code?: string; message?: string };
    this.warnOnce(
      `daemon:${d.spec.label}`,
      `${t.origin}: docker monitor: the ${describe(d.spec)} does not answer (${e.code ?? e.message ?? String(err)}); its containers are reported as unknown`,
    );
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.opts.warn(message);
  }
}

/** Growth of a counter; a container restart sets counters back, and then the new value is the growth. */
function delta(prev: number, cur: number): number {
  return cur >= prev ? cur - prev : cur;
}

/** Local rows are named by the container; remote ones as written, `http://host:port/name`. */
function rowName(daemon: DaemonSpec, container: string): string {
  return daemon.label === 'local' ? container : `${daemon.label}/${container}`;
}

function describe(daemon: DaemonSpec): string {
  if (daemon.label !== 'local') return `Docker daemon at ${daemon.label}`;
  return `local Docker daemon (${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'})`;
}
