/**
 * Caliper 0.4+'s `monitors: { resource: [...], transaction: [...] }` block, turned into the 0.1-0.3
 * `monitor:` shape that src/monitors reads (`type`, `interval`, `docker.name`, `process`,
 * `prometheus`). The shape and field names are checked here, with the paths the user wrote; the
 * values (container names, process entries, URLs) are checked by the monitors room, which warns and
 * goes on as Caliper's monitors did.
 */
import { ConfigError } from './errors.ts';
import { checkFields, type FieldSite, fieldPath, lineNote } from './fields.ts';

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fields of the old block: written under `monitors`, they mean the user wanted `monitor`. */
const OLD_BLOCK_FIELDS = ['type', 'interval', 'docker', 'process', 'prometheus'];

const RESOURCE_MODULES = ['docker', 'process', 'prometheus'] as const;
type ResourceModule = (typeof RESOURCE_MODULES)[number];

const CHARTING = "report.html draws its own charts of every monitor's figures";

/** Options each resource module reads (Caliper 0.4-0.7 names). */
const MODULE_OPTIONS: Record<ResourceModule, { used: string[]; noEffect: Record<string, string> }> = {
  docker: { used: ['interval', 'containers'], noEffect: { charting: CHARTING, cpuUsageNormalization: "CPU % is computed as `docker stats` does, per core of the container's host" } },
  process: { used: ['interval', 'processes'], noEffect: { charting: CHARTING } },
  prometheus: {
    used: ['interval', 'url'],
    noEffect: {
      charting: CHARTING,
      metrics:
        'Caliper ran these PromQL queries on a Prometheus server; ledgerbench scrapes the /metrics endpoint at `url` itself and reports the Fabric metric families (write Caliper 0.1-0.3 `monitor.prometheus.metrics` to choose them)',
    },
  },
};

/**
 * Converts a `monitors` block to the `monitor` block src/monitors reads; undefined when it asks for no
 * resource monitor (the default monitors then run, as without any block).
 */
export function convertMonitors(block: unknown, site: FieldSite): unknown {
  const at = site.path;
  if (!isObject(block)) {
    throw new ConfigError(site.source, at, `must be a mapping with resource and transaction lists${lineNote(site, at)}`, 'write monitors: { resource: [{ module: docker, options: { containers: [all] } }] }');
  }
  const oldField = Object.keys(block).find((k) => OLD_BLOCK_FIELDS.includes(k));
  if (oldField !== undefined) {
    const path = fieldPath(at, oldField);
    throw new ConfigError(
      site.source,
      path,
      `is a field of Caliper 0.1-0.3's \`monitor:\` block, not of 0.4's \`monitors:\` (resource and transaction lists)${lineNote(site, path)}`,
      'rename `monitors:` to `monitor:`, or write the 0.4 shape: monitors: { resource: [{ module: docker, options: { containers: [all] } }] }',
    );
  }
  checkFields(block, { what: 'monitors', used: ['resource', 'transaction'] }, site);
  if (block.transaction !== undefined) checkTransactionMonitors(block.transaction, { ...site, path: fieldPath(at, 'transaction') });
  if (block.resource === undefined || block.resource === null) return undefined;
  return convertResources(block.resource, { ...site, path: fieldPath(at, 'resource') });
}

function checkTransactionMonitors(list: unknown, site: FieldSite): void {
  const entries = listOf(list, site, 'write transaction: [{ module: logging }]');
  entries.forEach((entry, i) => {
    const path = `${site.path}[${i}]`;
    if (!isObject(entry)) throw new ConfigError(site.source, path, `must be a mapping with module and options${lineNote(site, path)}`, 'write - module: prometheus-push\n    options: { ... }');
    checkFields(entry, { what: 'a transaction monitor', used: ['module', 'options'] }, { ...site, path });
  });
  site.warnings.add(
    site.path,
    "ledgerbench's workers send their statistics to the manager themselves, which prints progress and writes results.json and report.html (logging, prometheus and prometheus-push transaction monitors are not run)",
  );
}

function convertResources(list: unknown, site: FieldSite): unknown {
  const entries = listOf(list, site, 'write resource: [{ module: docker, options: { containers: [all] } }]');
  const types: ResourceModule[] = [];
  const intervals: number[] = [];
  const docker: unknown[] = [];
  const processes: unknown[] = [];
  const urls: unknown[] = [];
  entries.forEach((entry, i) => {
    const path = `${site.path}[${i}]`;
    if (!isObject(entry)) throw new ConfigError(site.source, path, `must be a mapping with module and options${lineNote(site, path)}`, 'write - module: docker\n    options: { containers: [all] }');
    checkFields(entry, { what: 'a resource monitor', used: ['module', 'options'] }, { ...site, path });
    const module = entry.module;
    if (typeof module !== 'string' || !(RESOURCE_MODULES as readonly string[]).includes(module)) {
      const modulePath = `${path}.module`;
      throw new ConfigError(site.source, modulePath, `must be one of ${RESOURCE_MODULES.join(', ')}, got ${JSON.stringify(module) ?? 'nothing'}${lineNote(site, modulePath)}`, `write module: ${RESOURCE_MODULES.join(' | ')}`);
    }
    const m = module as ResourceModule;
    const optionsPath = `${path}.options`;
    const options = entry.options ?? {};
    if (!isObject(options)) throw new ConfigError(site.source, optionsPath, `must be a mapping${lineNote(site, optionsPath)}`, `write options: { ${MODULE_OPTIONS[m].used.join(': ..., ')}: ... }`);
    checkFields(options, { what: `the ${m} monitor's options`, ...MODULE_OPTIONS[m] }, { ...site, path: optionsPath });
    if (!types.includes(m)) types.push(m);
    if (options.interval !== undefined) intervals.push(positiveSeconds(options.interval, `${optionsPath}.interval`, site));
    if (m === 'docker') docker.push(...listOf(options.containers ?? [], { ...site, path: `${optionsPath}.containers` }, 'write containers: [peer0.org1.example.com, http://HOST:2375/orderer, all]'));
    else if (m === 'process') processes.push(...listOf(options.processes ?? [], { ...site, path: `${optionsPath}.processes` }, "write processes: [{ command: node, arguments: caliper.js, multiOutput: avg }]"));
    else if (options.url !== undefined) urls.push(options.url);
    else throw new ConfigError(site.source, `${optionsPath}.url`, `is missing${lineNote(site, optionsPath)}`, 'write url: http://HOST:PORT/metrics');
  });
  const old: Raw = { type: types };
  if (intervals.length > 0) {
    old.interval = Math.min(...intervals);
    if (new Set(intervals).size > 1) {
      site.warnings.add(`${site.path}[].options.interval`, `ledgerbench samples every monitor at one interval: using the shortest, ${old.interval} s`);
    }
  }
  if (types.includes('docker')) old.docker = { name: docker };
  if (types.includes('process')) old.process = processes;
  if (types.includes('prometheus')) old.prometheus = { urls };
  return old;
}

/** A list, or a single value taken as a list of one (Caliper's loaders did the same). */
function listOf(value: unknown, site: FieldSite, fix: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined) throw new ConfigError(site.source, site.path, `is empty${lineNote(site, site.path)}`, fix);
  return [value];
}

function positiveSeconds(value: unknown, path: string, site: FieldSite): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new ConfigError(site.source, path, `must be a number of seconds above 0, got ${JSON.stringify(value)}${lineNote(site, path)}`, 'write e.g. interval: 1');
  }
  return n;
}
