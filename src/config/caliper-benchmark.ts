import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { RateControl } from '../rate/public-types.ts';
import { convertMonitors } from './caliper-monitors.ts';
import { ConfigError } from './errors.ts';
import { checkFields, type FieldRules, type FieldSite, NoEffectWarnings } from './fields.ts';
import { type BenchRoundOptions, normalizeRound, warnOnStderr } from './round.ts';
import type { BenchmarkSpec, RoundSpec, WorkerTopology } from './types.ts';
import { readYamlDocument } from './yaml.ts';

type Raw = Record<string, unknown>;

const CONTRACT_IN_ARGUMENTS = 'the workload names the contract it calls (pass it in the arguments); Caliper did not read this field either';

/** Fields of the whole file, Caliper 0.1 to 0.7. */
const TOP_FIELDS: FieldRules = {
  what: 'a benchmark file',
  used: ['test', 'monitor', 'monitors'],
  noEffect: {
    observer: "ledgerbench's own progress lines replace Caliper 0.3's observer (about once a second, on stderr)",
    caliper: 'the caliper section (blockchain, command.start/end) belongs in the network file, where ledgerbench reads it',
    blockchain: "Caliper 0.1's SUT choice: the network file (--network, or the plugin's network option) names the system under test",
    command: "Caliper 0.1's start/end commands: write them as caliper.command.start/end in the network file",
  },
};

const TEST_FIELDS: FieldRules = { what: 'test', used: ['name', 'description', 'clients', 'workers', 'rounds'] };

/** Round fields: Caliper's plus ledgerbench's own txTimeout, readyTimeout and maxInFlight. */
const ROUND_FIELDS: FieldRules = {
  what: 'a round',
  used: ['label', 'description', 'txNumber', 'txDuration', 'rateControl', 'arguments', 'callback', 'workload', 'trim', 'txTimeout', 'readyTimeout', 'maxInFlight'],
  noEffect: { chaincodeID: CONTRACT_IN_ARGUMENTS, contractId: CONTRACT_IN_ARGUMENTS },
};

const WORKLOAD_FIELDS: FieldRules = { what: 'workload', used: ['module', 'arguments'] };
const ZOO_FIELDS: FieldRules = { what: 'zoo', used: ['server', 'clientsPerHost'] };

/** How {@link loadCaliperBenchmark} reports fields it accepts without using them. */
export interface LoadOptions {
  /** One line per warning; stderr (`[ledgerbench] warning: ...`) when not given. */
  warn?: (message: string) => void;
}

/**
 * Loads a Caliper benchmark file unchanged: v0.1/v0.2 shape (`test.clients`, round arrays of txNumber /
 * txDuration / rateControl, `callback`, `arguments`, `monitor`) and v0.4+ shape (`test.workers`,
 * scalar fields, `workload: { module, arguments }`, `monitors: { resource, transaction }`). Array
 * fields expand into one RoundSpec per sub-round, all with the round's label, as Caliper runs them.
 *
 * Every field is checked: one Caliper never had is an error suggesting the closest known name; one
 * Caliper had that changes nothing here is accepted with one warning line. YAML merge keys are expanded.
 *
 * Workload paths resolve against the benchmark file's folder first, then the current folder (Caliper
 * resolved them against its workspace).
 */
export function loadCaliperBenchmark(file: string, options: LoadOptions = {}): BenchmarkSpec {
  const warn = options.warn ?? warnOnStderr;
  const source = resolve(file);
  const yaml = readYamlDocument(source);
  const doc = yaml.data;
  if (!isObject(doc)) throw new ConfigError(source, '(document)', 'is not a YAML mapping', 'start the file with a `test:` section as in Caliper benchmarks');
  const site = (path: string): FieldSite => ({ source, path, lineOf: yaml.lineOf, warnings });
  const warnings = new NoEffectWarnings();
  // Top-level keys that only hold an anchor (`simpleArgs: &simple-args`, as caliper-benchmarks writes)
  // are reached through aliases; Caliper ignored them, and so does this check.
  checkFields(Object.fromEntries(Object.entries(doc).filter(([key]) => !yaml.isAnchored(key))), TOP_FIELDS, site(''));
  const test = doc.test;
  if (!isObject(test)) throw new ConfigError(source, 'test', 'is missing', 'add a `test:` section with `name`, `clients` (or `workers`) and `rounds`');
  checkFields(test, TEST_FIELDS, site('test'));
  if (doc.monitor !== undefined && doc.monitors !== undefined) {
    throw new ConfigError(source, 'monitors', 'is set together with monitor, so it is unclear which monitors to run', 'keep one: `monitors:` (Caliper 0.4+: resource and transaction lists) or `monitor:` (Caliper 0.1-0.3)');
  }
  const monitor = doc.monitors !== undefined ? convertMonitors(doc.monitors, site('monitors')) : doc.monitor;
  const workers = parseWorkers(test, site);
  const rawRounds = test.rounds;
  if (!Array.isArray(rawRounds) || rawRounds.length === 0) throw new ConfigError(source, 'test.rounds', 'must be a non-empty list', 'add at least one round with label, txNumber or txDuration, rateControl and callback');
  const rounds: RoundSpec[] = [];
  rawRounds.forEach((raw, i) => {
    for (const spec of expandRound(raw, i, site, workers, warn)) rounds.push({ ...spec, roundIndex: rounds.length });
  });
  warnings.flush(source, warn);
  return {
    name: typeof test.name === 'string' ? test.name : 'benchmark',
    description: typeof test.description === 'string' ? test.description : undefined,
    source,
    workers,
    rounds,
    monitor,
  };
}

function parseWorkers(test: Raw, site: (path: string) => FieldSite): WorkerTopology {
  const { source } = site('');
  if (test.clients !== undefined && test.workers !== undefined) {
    throw new ConfigError(source, 'test.workers', 'is set together with test.clients (its Caliper 0.1-0.2 name), so the worker count is ambiguous', 'keep one of them');
  }
  const clients = test.clients ?? test.workers;
  const field = test.clients !== undefined ? 'test.clients' : 'test.workers';
  if (clients === undefined) return { type: 'local', number: 1 };
  if (!isObject(clients)) throw new ConfigError(source, field, 'must be a mapping', 'write e.g. `clients: { type: local, number: 2 }`');
  const type = clients.type ?? 'local';
  const name = field.slice('test.'.length);
  if (type === 'local') {
    checkFields(clients, { what: name, used: ['type', 'number'], noEffect: { zoo: 'it is read only with type: zookeeper' } }, site(field));
    const n = clients.number ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ConfigError(source, `${field}.number`, `must be a whole number above 0, got ${JSON.stringify(n)}`, 'set the number of local worker processes, e.g. 2');
    return { type: 'local', number: n };
  }
  if (type === 'zookeeper') {
    checkFields(clients, { what: name, used: ['type', 'zoo'], noEffect: { number: 'with type: zookeeper every agent runs zoo.clientsPerHost workers, as in Caliper' } }, site(field));
    const zoo = clients.zoo;
    if (isObject(zoo)) checkFields(zoo, ZOO_FIELDS, site(`${field}.zoo`));
    if (!isObject(zoo) || typeof zoo.server !== 'string' || !/^[^:\s]+:\d+$/.test(zoo.server)) {
      throw new ConfigError(source, `${field}.zoo.server`, 'must be HOST:PORT', 'write e.g. `zoo: { server: 127.0.0.1:2181, clientsPerHost: 2 }`');
    }
    const perHost = zoo.clientsPerHost ?? 1;
    if (typeof perHost !== 'number' || !Number.isInteger(perHost) || perHost < 1) throw new ConfigError(source, `${field}.zoo.clientsPerHost`, `must be a whole number above 0, got ${JSON.stringify(perHost)}`, 'set how many workers each agent host runs');
    return { type: 'zookeeper', server: zoo.server, clientsPerHost: perHost };
  }
  throw new ConfigError(source, `${field}.type`, `unknown client type ${JSON.stringify(type)}`, 'use `local` or `zookeeper`');
}

function expandRound(raw: unknown, index: number, site: (path: string) => FieldSite, topology: WorkerTopology, warn: (message: string) => void): RoundSpec[] {
  const at = `test.rounds[${index}]`;
  const { source } = site('');
  if (!isObject(raw)) throw new ConfigError(source, at, 'is not a mapping', 'write each round as `- label: ...` with its fields indented below');
  checkFields(raw, ROUND_FIELDS, site(at));
  if (isObject(raw.workload)) checkFields(raw.workload, WORKLOAD_FIELDS, site(`${at}.workload`));
  if (raw.txNumber !== undefined && raw.txDuration !== undefined) {
    throw new ConfigError(source, `${at}.txDuration`, 'is set together with txNumber, so the round length is ambiguous (Caliper silently used txDuration)', 'keep only one of txNumber and txDuration');
  }
  const lengthField = raw.txDuration !== undefined ? 'txDuration' : 'txNumber';
  const lengths = raw[lengthField];
  if (lengths === undefined) throw new ConfigError(source, `${at}.txNumber`, 'neither txNumber nor txDuration is set', 'add txNumber (transactions) or txDuration (seconds), as a number or a list for sub-rounds');
  const lengthList = Array.isArray(lengths) ? lengths : [lengths];
  if (lengthList.length === 0) throw new ConfigError(source, `${at}.${lengthField}`, 'is an empty list', 'give at least one value');
  const rates = raw.rateControl ?? { type: 'fixed-rate', opts: { tps: 1 } };
  const rateList = Array.isArray(rates) ? rates : lengthList.map(() => rates);
  if (rateList.length !== lengthList.length) {
    throw new ConfigError(source, `${at}.rateControl`, `has ${rateList.length} entries but ${lengthField} has ${lengthList.length}`, `give one rateControl entry per ${lengthField} entry (sub-round), or a single rateControl for all`);
  }
  const { module, args } = workloadOf(raw, at, source);
  const workers = topology.type === 'local' ? topology.number : topology.clientsPerHost;
  return lengthList.map((length, sub) => {
    const field = lengthList.length > 1 ? `${at}.${lengthField}[${sub}]` : `${at}.${lengthField}`;
    if (typeof length !== 'number') throw new ConfigError(source, field, `must be a number, got ${JSON.stringify(length)}`, `write ${lengthField} as a number or a list of numbers`);
    const options: BenchRoundOptions = {
      label: String(raw.label ?? ''),
      description: typeof raw.description === 'string' ? raw.description : undefined,
      [lengthField]: length,
      // Checked by normalizeRound through the rate registry; YAML is not typed.
      rateControl: rateList[sub] as RateControl,
      workers,
      workload: module,
      arguments: args,
      trim: raw.trim as number | undefined,
      txTimeout: raw.txTimeout as number | string | undefined,
      readyTimeout: raw.readyTimeout as number | string | undefined,
      maxInFlight: raw.maxInFlight as number | undefined,
    };
    const rateField = Array.isArray(rates) ? `${at}.rateControl[${sub}]` : `${at}.rateControl`;
    return normalizeRound(options, { source, field: at, rateField, baseDir: dirname(source), roundIndex: 0, warn });
  });
}

function workloadOf(raw: Raw, at: string, source: string): { module: string; args: Record<string, unknown> } {
  let path: unknown;
  let field: string;
  let args: unknown = raw.arguments;
  if (raw.workload !== undefined) {
    if (!isObject(raw.workload)) throw new ConfigError(source, `${at}.workload`, 'must be a mapping', 'write `workload: { module: path/to/module.js, arguments: {...} }`');
    path = raw.workload.module;
    field = `${at}.workload.module`;
    args = raw.workload.arguments ?? args;
  } else {
    path = raw.callback;
    field = `${at}.callback`;
  }
  if (typeof path !== 'string' || path === '') throw new ConfigError(source, field, 'is missing', 'name the workload module (`callback: benchmark/simple/open.js` or `workload: { module: ... }`)');
  if (args !== undefined && (!isObject(args) || Array.isArray(args))) throw new ConfigError(source, `${at}.arguments`, 'must be a mapping', 'write the arguments as key: value pairs');
  const tried = isAbsolute(path) ? [path] : [resolve(dirname(source), path), resolve(path)];
  const found = tried.find((p) => existsSync(p));
  if (!found) throw new ConfigError(source, field, `module not found (tried ${tried.join(', ')})`, 'point it at your workload module; relative paths resolve against the benchmark file, then the current folder');
  return { module: found, args: (args as Record<string, unknown>) ?? {} };
}

function isObject(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
