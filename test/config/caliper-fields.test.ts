/**
 * Every field of a Caliper benchmark file is accounted for: unknown ones are errors with the line and
 * the closest known name; those Caliper 0.4-0.7 accepts are used or named in one warning each; 0.4's
 * `monitors:` block reaches the monitors; YAML merge keys are expanded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadCaliperBenchmark } from '../../src/config/caliper-benchmark.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { closestName } from '../../src/config/fields.ts';
import { parseYaml, readYamlFile } from '../../src/config/yaml.ts';
import { planMonitors } from '../../src/monitors/config.ts';

const module = resolve('fixtures/seed-configs/benchmark/simple/open.js');
const dir = mkdtempSync(join(tmpdir(), 'lb-fields-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function write(text: string): string {
  const file = join(dir, `bench-${files++}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** A minimal valid file with `extra` appended at the top level and `round` lines added to its round. */
function bench(extra = '', round = '', testExtra = '', workload = ''): string {
  return write(`test:\n  name: t\n${testExtra}  rounds:\n    - label: a\n      txNumber: 10\n      workload: { ${workload}module: ${module} }\n${round}${extra}`);
}

function load(file: string): { spec: ReturnType<typeof loadCaliperBenchmark>; warnings: string[] } {
  const warnings: string[] = [];
  return { spec: loadCaliperBenchmark(file, { warn: (m) => warnings.push(m) }), warnings };
}

function refused(file: string): ConfigError {
  try {
    loadCaliperBenchmark(file, { warn: () => {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`${file} was accepted`);
}

describe('unknown fields are errors naming file, field, line and the closest known name', () => {
  const cases: [string, string, string, number, string | undefined][] = [
    ['top level', bench('foo: 1\n'), 'foo', 7, undefined],
    ['top level typo', bench('moniter: { type: [process] }\n'), 'moniter', 7, 'monitor'],
    ['under test', bench('', '', '  descriptoin: x\n'), 'test.descriptoin', 3, 'description'],
    ['under clients', bench('', '', '  clients: { type: local, numbr: 2 }\n'), 'test.clients.numbr', 3, 'number'],
    ['under workers', bench('', '', '  workers:\n    type: local\n    nubmer: 2\n'), 'test.workers.nubmer', 5, 'number'],
    ['under zoo', bench('', '', '  clients: { type: zookeeper, zoo: { server: 127.0.0.1:2181, clientPerHost: 2 } }\n'), 'test.clients.zoo.clientPerHost', 3, 'clientsPerHost'],
    ['in a round', bench('', '      chaincodeId: simple\n'), 'test.rounds[0].chaincodeId', 7, 'chaincodeID'],
    ['under workload', bench('', '', '', 'modul: x, '), 'test.rounds[0].workload.modul', 6, 'module'],
  ];
  test.each(cases)('%s', (_name, file, field, line, suggestion) => {
    const e = refused(file);
    expect(e.file).toBe(file);
    expect(e.field).toBe(field);
    expect(e.message).toContain(`${file}: ${field}: is not a field of`);
    expect(e.message).toContain(`(line ${line})`);
    if (suggestion) expect(e.fix).toMatch(new RegExp(`^rename it to \`${suggestion}\``));
    else expect(e.fix).toMatch(/^remove it, or use one of the fields of a benchmark file: test, monitor, monitors/);
  });

  test("Caliper 0.1-0.3's monitor block written as `monitors:` is refused with the rename", () => {
    const e = refused(bench('monitors:\n  type: [docker]\n  docker: { name: [all] }\n'));
    expect(e.field).toBe('monitors.type');
    expect(e.message).toMatch(/Caliper 0\.1-0\.3's `monitor:` block[\s\S]*\(line 8\)/);
    expect(e.fix).toMatch(/^rename `monitors:` to `monitor:`/);
  });

  test('both clients and workers, or both monitor and monitors, are ambiguous', () => {
    expect(refused(bench('', '', '  clients: { number: 1 }\n  workers: { number: 2 }\n')).field).toBe('test.workers');
    expect(refused(bench('monitor: { type: [process] }\nmonitors: { resource: [] }\n')).field).toBe('monitors');
  });

  test('an unknown resource monitor module or option is refused where it was written', () => {
    const e = refused(bench('monitors:\n  resource:\n    - module: cadvisor\n'));
    expect(e.field).toBe('monitors.resource[0].module');
    expect(e.fix).toMatch(/docker \| process \| prometheus/);
    const o = refused(bench('monitors:\n  resource:\n    - module: docker\n      options:\n        container: [all]\n'));
    expect(o.field).toBe('monitors.resource[0].options.container');
    expect(o.message).toContain('(line 11)');
    expect(o.fix).toMatch(/^rename it to `containers`/);
  });

  test('closestName keeps unrelated names apart', () => {
    expect(closestName('monitors', ['monitor', 'test'])).toBe('monitor');
    expect(closestName('foo', ['test', 'monitor', 'monitors'])).toBeUndefined();
    expect(closestName('txDurration', ['txNumber', 'txDuration'])).toBe('txDuration');
  });
});

describe('a Caliper 0.4+ benchmark file with anchors runs unchanged', () => {
  // The shape of hyperledger/caliper-benchmarks' files: shared settings through an anchor and merge
  // keys, round-level chaincodeID, 0.4's monitors block with resource and transaction monitors.
  const file = write(`# shared settings under a top-level key of the file's own, as caliper-benchmarks writes them
common: &common
  contractId: fixed-asset
  byteSize: 100
rate: &rate
  type: fixed-load
  opts: { transactionLoad: 2, startingTps: 1 }
test:
  name: create-asset
  description: 0.4-style benchmark
  workers:
    type: local
    number: 4
  rounds:
    - label: create-100
      description: first
      chaincodeID: fixed-asset
      txDuration: 30
      rateControl: *rate
      workload:
        module: ${module}
        arguments:
          <<: *common
    - label: create-1000
      chaincodeID: fixed-asset
      txNumber: 40
      readyTimeout: 5m
      rateControl: { type: fixed-rate, opts: { tps: 10 } }
      workload:
        module: ${module}
        arguments:
          <<: *common
          byteSize: 1000
observer:
  type: prometheus
  interval: 10
monitors:
  transaction:
    - module: prometheus-push
      options: { pushInterval: 5000, pushUrl: "http://localhost:9091" }
  resource:
    - module: docker
      options:
        interval: 2
        containers: [peer0.org1.example.com, http://127.0.0.1:2375/orderer.example.com]
    - module: process
      options:
        interval: 1
        processes: [{ command: node, arguments: caliper.js, multiOutput: avg }]
        charting: { bar: { metrics: [all] } }
    - module: prometheus
      options:
        url: "http://127.0.0.1:9443/metrics"
        metrics:
          include: [dev-.*, peer]
          queries: [{ name: Avg Memory (MB), query: 'sum(container_memory_rss{name=~".+"}) by (name)', step: 10, label: name, statistic: avg }]
`);

  test('merge keys reach the arguments expanded; the rounds are read', () => {
    const { spec } = load(file);
    expect(spec.workers).toEqual({ type: 'local', number: 4 });
    expect(spec.rounds.map((r) => r.workload.arguments)).toEqual([
      { contractId: 'fixed-asset', byteSize: 100 },
      { contractId: 'fixed-asset', byteSize: 1000 },
    ]);
    expect(spec.rounds[0].rateControl).toEqual({ type: 'fixed-load', opts: { transactionLoad: 2, startingTps: 1 } });
    expect(spec.rounds[0].description).toBe('first');
    expect(spec.rounds.map((r) => r.readyTimeoutMs)).toEqual([undefined, 300_000]);
  });

  test('a top-level key without an anchor is still checked', () => {
    expect(refused(bench('common:\n  contractId: x\n')).field).toBe('common');
  });

  test('each field without effect is one warning line naming the file and the field', () => {
    const { warnings } = load(file);
    const line = (field: string) => warnings.filter((w) => w.startsWith(`${file}: ${field}`));
    expect(line('test.rounds[0].chaincodeID (and 1 more like it): has no effect here')).toHaveLength(1);
    expect(line('observer: has no effect here')).toHaveLength(1);
    expect(line('monitors.transaction: has no effect here')).toHaveLength(1);
    expect(line('monitors.resource[2].options.metrics: has no effect here; Caliper ran these PromQL queries')).toHaveLength(1);
    expect(line('monitors.resource[1].options.charting: has no effect here')).toHaveLength(1);
    expect(line('monitors.resource[].options.interval: has no effect here; ledgerbench samples every monitor at one interval: using the shortest, 1 s')).toHaveLength(1);
    expect(line('test.rounds[0].rateControl.opts.transactionLoad: is 2, less than the 4 workers; each worker keeps 1')).toHaveLength(1);
    expect(warnings).toHaveLength(7);
  });

  test("the resource monitors become the monitor block src/monitors reads, and it reads them without a warning", () => {
    const { spec } = load(file);
    expect(spec.monitor).toEqual({
      type: ['docker', 'process', 'prometheus'],
      interval: 1,
      docker: { name: ['peer0.org1.example.com', 'http://127.0.0.1:2375/orderer.example.com'] },
      process: [{ command: 'node', arguments: 'caliper.js', multiOutput: 'avg' }],
      prometheus: { urls: ['http://127.0.0.1:9443/metrics'] },
    });
    const monitorWarnings: string[] = [];
    const plan = planMonitors(spec.monitor, { file, warn: (m) => monitorWarnings.push(m) });
    expect(monitorWarnings).toEqual([]);
    expect(plan.intervalMs).toBe(1000);
    expect(plan.docker.map((t) => [t.daemon.label, t.container])).toEqual([
      ['local', 'peer0.org1.example.com'],
      ['http://127.0.0.1:2375', 'orderer.example.com'],
    ]);
    expect(plan.process).toMatchObject([{ kind: 'match', command: 'node', arguments: 'caliper.js', multiOutput: 'avg' }]);
    expect(plan.prometheus.map((t) => t.url)).toEqual(['http://127.0.0.1:9443/metrics']);
  });

  test('a monitors block with transaction monitors only keeps the default monitors', () => {
    const { spec, warnings } = load(bench('monitors:\n  transaction:\n    - module: logging\n'));
    expect(spec.monitor).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/: monitors\.transaction: has no effect here/)]);
  });

  test('Caliper 0.1 fields of a combined config are accepted with a warning each', () => {
    const { warnings } = load(bench('blockchain: { type: fabric, config: network.json }\ncommand: { start: "true", end: "true" }\n'));
    expect(warnings.map((w) => w.split(': ')[1])).toEqual(['blockchain', 'command']);
  });

  test('a round readyTimeout that is not a duration is refused where it was written', () => {
    const e = refused(bench('', '      readyTimeout: soon\n'));
    expect(e.field).toBe('test.rounds[0].readyTimeout');
    expect(e.fix).toMatch(/'5m'/);
  });
});

test('merge keys are expanded in any YAML read through src/config/yaml.ts (network files too)', () => {
  const file = write(`peer: &peer\n  grpcOptions: { ssl-target-name-override: peer0 }\npeers:\n  peer0.org1.example.com:\n    <<: *peer\n    url: grpcs://localhost:7051\n`);
  expect(readYamlFile(file)).toMatchObject({ peers: { 'peer0.org1.example.com': { grpcOptions: { 'ssl-target-name-override': 'peer0' }, url: 'grpcs://localhost:7051' } } });
  expect(JSON.stringify(readYamlFile(file))).not.toContain('<<');
  expect(parseYaml('a: &a { x: 1 }\nb: { <<: *a, y: 2 }\n', 'profile.yaml')).toEqual({ a: { x: 1 }, b: { x: 1, y: 2 } });
  expect(() => parseYaml('a: [1\n', 'profile.yaml')).toThrow(/^profile\.yaml: line \d+, column \d+: YAML syntax error/);
});
