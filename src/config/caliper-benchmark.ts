import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.ts';
import { type BenchRoundOptions, normalizeRound } from './round.ts';
import type { BenchmarkSpec, RateControlSpec, RoundSpec, WorkerTopology } from './types.ts';
import { readYamlFile } from './yaml.ts';

const ROUND_KEYS = ['label', 'description', 'txNumber', 'txDuration', 'rateControl', 'arguments', 'callback', 'workload', 'trim', 'txTimeout'];

type Raw = Record<string, unknown>;

/**
 * Loads a Caliper benchmark file unchanged: v0.1/v0.2 shape (`test.clients`, round arrays of txNumber /
 * txDuration / rateControl, `callback`, `arguments`) and v0.4+ shape (`test.workers`, scalar fields,
 * `workload: { module, arguments }`). Array fields expand into one RoundSpec per sub-round, all with the
 * round's label, as Caliper runs them.
 *
 * Workload paths resolve against the benchmark file's folder first, then the current folder (Caliper
 * resolved them against its workspace).
 */
export function loadCaliperBenchmark(file: string): BenchmarkSpec {
  const source = resolve(file);
  const doc = readYamlFile(source);
  if (!isObject(doc)) throw new ConfigError(source, '(document)', 'is not a YAML mapping', 'start the file with a `test:` section as in Caliper benchmarks');
  const test = doc.test;
  if (!isObject(test)) throw new ConfigError(source, 'test', 'is missing', 'add a `test:` section with `name`, `clients` (or `workers`) and `rounds`');
  const workers = parseWorkers(test, source);
  const rawRounds = test.rounds;
  if (!Array.isArray(rawRounds) || rawRounds.length === 0) throw new ConfigError(source, 'test.rounds', 'must be a non-empty list', 'add at least one round with label, txNumber or txDuration, rateControl and callback');
  const rounds: RoundSpec[] = [];
  rawRounds.forEach((raw, i) => {
    for (const spec of expandRound(raw, i, source, workers)) rounds.push({ ...spec, roundIndex: rounds.length });
  });
  return {
    name: typeof test.name === 'string' ? test.name : 'benchmark',
    description: typeof test.description === 'string' ? test.description : undefined,
    source,
    workers,
    rounds,
    monitor: doc.monitor,
  };
}

function parseWorkers(test: Raw, source: string): WorkerTopology {
  const clients = test.clients ?? test.workers;
  const field = test.clients !== undefined ? 'test.clients' : 'test.workers';
  if (clients === undefined) return { type: 'local', number: 1 };
  if (!isObject(clients)) throw new ConfigError(source, field, 'must be a mapping', 'write e.g. `clients: { type: local, number: 2 }`');
  const type = clients.type ?? 'local';
  if (type === 'local') {
    const n = clients.number ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ConfigError(source, `${field}.number`, `must be a whole number above 0, got ${JSON.stringify(n)}`, 'set the number of local worker processes, e.g. 2');
    return { type: 'local', number: n };
  }
  if (type === 'zookeeper') {
    const zoo = clients.zoo;
    if (!isObject(zoo) || typeof zoo.server !== 'string' || !/^[^:\s]+:\d+$/.test(zoo.server)) {
      throw new ConfigError(source, `${field}.zoo.server`, 'must be HOST:PORT', 'write e.g. `zoo: { server: 127.0.0.1:2181, clientsPerHost: 2 }`');
    }
    const perHost = zoo.clientsPerHost ?? 1;
    if (typeof perHost !== 'number' || !Number.isInteger(perHost) || perHost < 1) throw new ConfigError(source, `${field}.zoo.clientsPerHost`, `must be a whole number above 0, got ${JSON.stringify(perHost)}`, 'set how many workers each agent host runs');
    return { type: 'zookeeper', server: zoo.server, clientsPerHost: perHost };
  }
  throw new ConfigError(source, `${field}.type`, `unknown client type ${JSON.stringify(type)}`, 'use `local` or `zookeeper`');
}

function expandRound(raw: unknown, index: number, source: string, topology: WorkerTopology): RoundSpec[] {
  const at = `test.rounds[${index}]`;
  if (!isObject(raw)) throw new ConfigError(source, at, 'is not a mapping', 'write each round as `- label: ...` with its fields indented below');
  for (const key of Object.keys(raw)) {
    if (!ROUND_KEYS.includes(key)) throw new ConfigError(source, `${at}.${key}`, 'is not a round field', `use one of: ${ROUND_KEYS.join(', ')}`);
  }
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
      rateControl: rateList[sub] as RateControlSpec,
      workers,
      workload: module,
      arguments: args,
      trim: raw.trim as number | undefined,
      txTimeout: raw.txTimeout as number | string | undefined,
    };
    const rateField = Array.isArray(rates) ? `${at}.rateControl[${sub}]` : `${at}.rateControl`;
    return normalizeRound(options, { source, field: at, rateField, baseDir: dirname(source), roundIndex: 0 });
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
