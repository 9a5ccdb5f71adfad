/**
 * Reading Caliper's `monitor:` block into monitor targets. Monitoring is an aid, not the benchmark:
 * anything wrong here is a warning naming the file and field, and the entry is skipped; it never throws.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DaemonSpec, DockerTarget } from './docker.ts';
import type { ProcessTarget } from './process.ts';
import type { ScrapeTarget } from './prometheus.ts';
import { type KnownProcess, type MetricsUrl, metricsUrlOf, type WarnFn } from './types.ts';

/** What the block asks for, ready to build monitors from. */
export interface MonitorPlan {
  intervalMs: number;
  process: ProcessTarget[];
  docker: DockerTarget[];
  prometheus: ScrapeTarget[];
  /** Families to report; 'all'; undefined = the default Fabric set. */
  metrics?: string[] | 'all';
}

/** Inputs besides the block (a subset of MonitorOptions). */
export interface PlanOptions {
  file: string;
  warn: WarnFn;
  ownProcesses?: KnownProcess[];
  metricsUrls?: MetricsUrl[];
  intervalMs?: number;
}

const KNOWN_TYPES = ['docker', 'process', 'prometheus'] as const;
type MonitorType = (typeof KNOWN_TYPES)[number];
const DEFAULT_INTERVAL_MS = 1000;
/** `http://HOST:PORT/NAME`, host possibly an IPv6 literal in brackets. */
const REMOTE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:]*)(?::(\d*))?(?:\/(.*))?$/;
/** Docker's rule for container names (IDs also pass). */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse a Caliper-style monitor block (or undefined) into targets; see the module comment. */
export function planMonitors(block: unknown, opts: PlanOptions): MonitorPlan {
  const { file } = opts;
  const warn = (field: string, problem: string, fix: string) =>
    opts.warn(`${file}: ${field}: ${problem}; ${fix} (monitoring goes on without it)`);
  const plan: MonitorPlan = { intervalMs: DEFAULT_INTERVAL_MS, process: [], docker: [], prometheus: [] };
  let b: Record<string, unknown> = {};
  if (block !== undefined && block !== null) {
    if (isRecord(block)) b = block;
    else warn('monitor', `expected a mapping, got ${describe(block)}`, 'write monitor: { type: [docker, process], ... }');
  }

  plan.intervalMs = readInterval(b, opts, warn);
  for (const type of readTypes(b, warn)) {
    if (b[type] === undefined || b[type] === null) {
      warn(`monitor.${type}`, `type '${type}' is listed but there is no monitor.${type} section`, `add one or remove '${type}' from monitor.type`);
      continue;
    }
    if (type === 'docker') plan.docker = readDocker(b.docker, warn, file);
    else if (type === 'process') plan.process = readProcesses(b.process, warn, file);
    else {
      const p = readPrometheus(b.prometheus, warn, file);
      plan.prometheus = p.targets;
      plan.metrics = p.metrics;
    }
  }
  for (const p of opts.ownProcesses ?? []) {
    plan.process.push({ kind: 'pid', name: p.name, pid: p.pid, configured: false, origin: 'own process' });
  }
  for (const m of opts.metricsUrls ?? []) {
    const url = metricsUrlOf(m);
    const name = typeof m === 'string' ? undefined : m.name;
    // A URL the block also lists keeps the block's origin (its warnings point there) and gets the name.
    const listed = plan.prometheus.find((t) => t.url === url);
    if (listed) listed.name ??= name;
    else plan.prometheus.push({ url, ...(name ? { name } : {}), origin: 'network' });
  }
  return plan;
}

type Warn = (field: string, problem: string, fix: string) => void;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  return typeof v === 'object' ? 'a mapping' : String(v);
}

function readInterval(b: Record<string, unknown>, opts: PlanOptions, warn: Warn): number {
  if (opts.intervalMs !== undefined) {
    if (Number.isFinite(opts.intervalMs) && opts.intervalMs > 0) return opts.intervalMs;
    warn('intervalMs', `${opts.intervalMs} is not a positive number of milliseconds`, `using ${DEFAULT_INTERVAL_MS} ms`);
    return DEFAULT_INTERVAL_MS;
  }
  // Some Caliper configs put `interval` inside the process entry; that is what its author meant.
  const nested = isRecord(b.process) ? b.process.interval : undefined;
  const field = b.interval !== undefined ? 'monitor.interval' : 'monitor.process.interval';
  const raw = b.interval ?? nested;
  if (raw === undefined || raw === null) return DEFAULT_INTERVAL_MS;
  const seconds = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    warn(field, `${describe(raw)} is not a number of seconds between 0 and 3600`, 'write e.g. interval: 1; using 1 s');
    return DEFAULT_INTERVAL_MS;
  }
  // Below 100 ms the monitors would cost more than they tell.
  return Math.max(100, Math.round(seconds * 1000));
}

function readTypes(b: Record<string, unknown>, warn: Warn): MonitorType[] {
  if (b.type === undefined || b.type === null) {
    return KNOWN_TYPES.filter((t) => b[t] !== undefined && b[t] !== null);
  }
  const list = Array.isArray(b.type) ? b.type : [b.type];
  const out: MonitorType[] = [];
  list.forEach((t, i) => {
    const field = Array.isArray(b.type) ? `monitor.type[${i}]` : 'monitor.type';
    if (typeof t === 'string' && (KNOWN_TYPES as readonly string[]).includes(t)) {
      if (!out.includes(t as MonitorType)) out.push(t as MonitorType);
    } else {
      warn(field, `unknown monitor type ${describe(t)}`, `use one of ${KNOWN_TYPES.join(', ')}`);
    }
  });
  return out;
}

function readDocker(section: unknown, warn: Warn, file: string): DockerTarget[] {
  if (!isRecord(section)) {
    warn('monitor.docker', `expected a mapping, got ${describe(section)}`, 'write docker: { name: [all] }');
    return [];
  }
  const names = Array.isArray(section.name) ? section.name : section.name === undefined ? [] : [section.name];
  if (names.length === 0) {
    warn('monitor.docker.name', 'no containers named', 'list container names, http://HOST:PORT/NAME or all');
    return [];
  }
  const tls = readTls(section.tls, warn);
  const local: DaemonSpec = { label: 'local' };
  const remotes = new Map<string, DaemonSpec>();
  const out: DockerTarget[] = [];
  names.forEach((n, i) => {
    const field = Array.isArray(section.name) ? `monitor.docker.name[${i}]` : 'monitor.docker.name';
    const origin = `${file}: ${field}`;
    if (typeof n !== 'string' || n.trim() === '') {
      warn(field, `expected a container name, got ${describe(n)}`, 'write a name, http://HOST:PORT/NAME or all');
      return;
    }
    const name = n.trim();
    if (!name.includes('://')) {
      if (name !== 'all' && !CONTAINER_NAME.test(name)) {
        warn(field, `${describe(name)} is not a valid container name`, 'use letters, digits, _ . - (or http://HOST:PORT/NAME)');
        return;
      }
      out.push({ daemon: local, container: name, origin });
      return;
    }
    const m = REMOTE.exec(name);
    const scheme = m?.[1].toLowerCase();
    if (!m || (scheme !== 'http' && scheme !== 'https')) {
      warn(field, `${describe(name)} has scheme '${m?.[1] ?? '?'}'`, 'write http://HOST:PORT/NAME (or https:// with monitor.docker.tls)');
      return;
    }
    const [, , host, port, rest] = m;
    if (!host) {
      warn(field, `${describe(name)} has no host`, 'write http://HOST:PORT/NAME');
      return;
    }
    const portNum = Number(port);
    if (!port || !Number.isInteger(portNum) || portNum < 1 || portNum > 65535) {
      warn(field, `${describe(name)} has no valid port`, `write the daemon's port, e.g. ${scheme}://${host}:2375/NAME`);
      return;
    }
    const container = (rest ?? '').replace(/\/$/, '');
    if (container === '' || (container !== 'all' && !CONTAINER_NAME.test(container))) {
      warn(field, `${describe(name)} names no container after the port`, `write ${scheme}://${host}:${port}/NAME or .../all`);
      return;
    }
    if (scheme === 'https' && tls === 'broken') return; // already warned about the files
    const label = `${scheme}://${host}:${portNum}`;
    let daemon = remotes.get(label);
    if (!daemon) {
      const options: DaemonSpec['options'] = { protocol: scheme, host: host.replace(/^\[|\]$/g, ''), port: portNum };
      if (scheme === 'https' && tls && tls !== 'broken') Object.assign(options, tls);
      daemon = { label, options };
      remotes.set(label, daemon);
    }
    out.push({ daemon, container, origin });
  });
  return out;
}

/** Client certificate files for https daemons: read now, so a wrong path is reported before the run. */
function readTls(section: unknown, warn: Warn): { ca?: Buffer; cert?: Buffer; key?: Buffer } | 'broken' | undefined {
  if (section === undefined || section === null) return undefined;
  if (!isRecord(section)) {
    warn('monitor.docker.tls', `expected a mapping, got ${describe(section)}`, 'write tls: { ca: ca.pem, cert: cert.pem, key: key.pem }');
    return 'broken';
  }
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    const p = section[k];
    if (p === undefined) continue;
    if (typeof p !== 'string') {
      warn(`monitor.docker.tls.${k}`, `expected a file path, got ${describe(p)}`, 'give the path of a PEM file');
      return 'broken';
    }
    try {
      out[k] = readFileSync(resolve(p));
    } catch (err) {
      // Only the path and the error code: never the file's content.
      warn(`monitor.docker.tls.${k}`, `cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'fix the path; https daemons are skipped');
      return 'broken';
    }
  }
  if ((out.cert === undefined) !== (out.key === undefined)) {
    warn('monitor.docker.tls', 'cert and key must be given together', 'add the missing one; https daemons are skipped');
    return 'broken';
  }
  return out;
}

function readProcesses(section: unknown, warn: Warn, file: string): ProcessTarget[] {
  const entries = Array.isArray(section) ? section : [section];
  const out: ProcessTarget[] = [];
  entries.forEach((e, i) => {
    const field = Array.isArray(section) ? `monitor.process[${i}]` : 'monitor.process';
    const origin = `${file}: ${field}`;
    if (!isRecord(e)) {
      warn(field, `expected a mapping, got ${describe(e)}`, 'write - command: node\n    arguments: local-client.js');
      return;
    }
    const name = typeof e.name === 'string' && e.name.trim() !== '' ? e.name.trim() : undefined;
    if (e.pid !== undefined) {
      const pid = Number(e.pid);
      if (!Number.isInteger(pid) || pid <= 0) {
        warn(`${field}.pid`, `${describe(e.pid)} is not a process ID`, 'give a positive integer');
        return;
      }
      out.push({ kind: 'pid', pid, name: name ?? `pid ${pid}`, configured: true, origin });
      return;
    }
    if (typeof e.command !== 'string' || e.command.trim() === '') {
      warn(`${field}.command`, `expected the executable's name, got ${describe(e.command)}`, 'write command: node (or pid: 1234)');
      return;
    }
    const command = e.command.trim();
    let args: string | undefined;
    if (e.arguments !== undefined && e.arguments !== null) {
      if (typeof e.arguments !== 'string') {
        warn(`${field}.arguments`, `expected text, got ${describe(e.arguments)}`, 'write arguments: local-client.js');
        return;
      }
      args = e.arguments.trim() || undefined;
    }
    let multiOutput: 'avg' | 'sum' = 'avg';
    if (e.multiOutput !== undefined) {
      if (e.multiOutput === 'avg' || e.multiOutput === 'sum') multiOutput = e.multiOutput;
      else warn(`${field}.multiOutput`, `${describe(e.multiOutput)} is neither avg nor sum`, 'using avg');
    }
    out.push({ kind: 'match', name: name ?? [command, args].filter(Boolean).join(' '), command, arguments: args, multiOutput, origin });
  });
  return out;
}

function readPrometheus(section: unknown, warn: Warn, file: string): { targets: ScrapeTarget[]; metrics?: string[] | 'all' } {
  if (!isRecord(section)) {
    warn('monitor.prometheus', `expected a mapping, got ${describe(section)}`, 'write prometheus: { url: http://HOST:PORT/metrics }');
    return { targets: [] };
  }
  const targets: ScrapeTarget[] = [];
  const add = (u: unknown, field: string) => {
    let ok = false;
    if (typeof u === 'string') {
      try {
        ok = ['http:', 'https:'].includes(new URL(u).protocol);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      warn(field, `${describe(u)} is not an http(s) URL`, 'write e.g. http://127.0.0.1:9443/metrics');
      return;
    }
    if (!targets.some((t) => t.url === u)) targets.push({ url: u as string, origin: `${file}: ${field}` });
  };
  if (section.url !== undefined) add(section.url, 'monitor.prometheus.url');
  if (section.urls !== undefined) {
    if (Array.isArray(section.urls)) {
      section.urls.forEach((u, i) => {
        add(u, `monitor.prometheus.urls[${i}]`);
      });
    } else add(section.urls, 'monitor.prometheus.urls');
  }
  if (targets.length === 0 && section.url === undefined && section.urls === undefined) {
    warn('monitor.prometheus.url', 'missing', 'write url: http://HOST:PORT/metrics');
  }
  return { targets, metrics: readMetricNames(section.metrics, warn) };
}

function readMetricNames(raw: unknown, warn: Warn): string[] | 'all' | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'all') return 'all';
  let list: unknown = raw;
  let field = 'monitor.prometheus.metrics';
  // Caliper's own prometheus monitor writes metrics: { include: [...], queries: [...] }.
  if (isRecord(raw)) {
    if (raw.queries !== undefined) {
      warn('monitor.prometheus.metrics.queries', 'PromQL queries need a Prometheus server; this monitor scrapes /metrics directly', 'list metric names under metrics instead');
    }
    list = raw.include;
    field = 'monitor.prometheus.metrics.include';
    if (list === undefined) return undefined;
  }
  if (typeof list === 'string') list = [list];
  if (!Array.isArray(list)) {
    warn(field, `expected a list of metric names, got ${describe(list)}`, 'using the default Fabric set');
    return undefined;
  }
  if (list.includes('all') || list.includes('.*')) return 'all';
  const names: string[] = [];
  list.forEach((m, i) => {
    if (typeof m === 'string' && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(m)) names.push(m);
    else warn(`${field}[${i}]`, `${describe(m)} is not a metric name`, 'write the family name, e.g. ledger_blockchain_height');
  });
  return names.length > 0 ? names : undefined;
}
