import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadCaliperBenchmark } from '../../src/config/caliper-benchmark.ts';
import { ConfigError } from '../../src/config/errors.ts';

const seeds = resolve('fixtures/seed-configs');

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Writes a benchmark file into a fresh temporary folder (removed after the tests). */
function benchmarkFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lb-config-'));
  folders.push(dir);
  const file = join(dir, 'bench.yaml');
  writeFileSync(file, yaml);
  return file;
}

const module = join(seeds, 'benchmark/simple/open.js');

function expectConfigError(fn: () => unknown, field: string | RegExp, message: RegExp): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const e = caught as ConfigError;
  if (typeof field === 'string') expect(e.field).toBe(field);
  else expect(e.field).toMatch(field);
  expect(e.message).toMatch(message);
  expect(e.fix.length).toBeGreaterThan(5);
  return e;
}

describe('the seed configs load unchanged', () => {
  test('simple-config.yaml: two rounds, fixed-rate, monitors kept', () => {
    const b = loadCaliperBenchmark(join(seeds, 'simple-config.yaml'));
    expect(b.name).toBe('simple');
    expect(b.workers).toEqual({ type: 'local', number: 1 });
    expect(b.rounds.map((r) => [r.label, r.txNumber, r.rateControl.opts?.tps])).toEqual([
      ['open', 100, 50],
      ['query', 100, 100],
    ]);
    expect(b.rounds[0].workload.arguments).toEqual({ money: 10000 });
    expect(b.rounds[0].workload.module).toBe(join(seeds, 'benchmark/simple/open.js'));
    expect(b.monitor).toMatchObject({ type: ['docker', 'process'], interval: 1 });
  });

  test('multi-round-config.yaml: arrays expand into sub-rounds with matching rate controllers', () => {
    const b = loadCaliperBenchmark(join(seeds, 'multi-round-config.yaml'));
    expect(b.rounds).toHaveLength(5);
    expect(b.rounds.map((r) => [r.label, r.roundIndex, r.txNumber, r.rateControl.opts?.tps, r.workers])).toEqual([
      ['open', 0, 5000, 100, 5],
      ['open', 1, 5000, 200, 5],
      ['open', 2, 5000, 300, 5],
      ['query', 3, 5000, 300, 5],
      ['query', 4, 5000, 400, 5],
    ]);
  });

  test('mybenchmark.yaml: user arguments reach the workload', () => {
    const b = loadCaliperBenchmark(join(seeds, 'mybenchmark.yaml'));
    expect(b.rounds[0].workload.arguments).toEqual({ type: 'TKN', start: '1', amount: '100' });
    expect(b.rounds[0].workload.module).toBe(join(seeds, 'benchmark/simple/mymodule.js'));
  });

  test('zookeeper-benchmark.yaml: the zookeeper topology is read', () => {
    const b = loadCaliperBenchmark(join(seeds, 'zookeeper-benchmark.yaml'));
    expect(b.workers).toEqual({ type: 'zookeeper', server: '10.80.72.53:2181', clientsPerHost: 5 });
    expect(b.rounds[0].workers).toBe(5);
  });
});

describe('bad benchmark files are refused with file, field and fix', () => {
  test('YAML syntax error names line and column', () => {
    const file = benchmarkFile('test:\n  name: x\n  rounds:\n    - label: a\n     txNumber: [1]\n');
    const e = expectConfigError(() => loadCaliperBenchmark(file), /^line \d+, column \d+$/, /YAML syntax error/);
    expect(e.file).toBe(file);
  });

  test('unknown rate controller lists the known ones', () => {
    const file = benchmarkFile(`test:\n  rounds:\n    - label: a\n      txNumber: [10, 20]\n      rateControl: [{ type: fixed-rate, opts: { tps: 5 } }, { type: fixed-rat, opts: { tps: 5 } }]\n      callback: ${module}\n`);
    expectConfigError(() => loadCaliperBenchmark(file), /^test\.rounds\[0\]\.rateControl\[1\]/, /fixed-rat.*[\s\S]*fixed-load/);
  });

  test('txNumber and txDuration together are ambiguous', () => {
    const file = benchmarkFile(`test:\n  rounds:\n    - label: a\n      txNumber: [10]\n      txDuration: [10]\n      callback: ${module}\n`);
    expectConfigError(() => loadCaliperBenchmark(file), 'test.rounds[0].txDuration', /ambiguous/);
  });

  test('neither txNumber nor txDuration', () => {
    const file = benchmarkFile(`test:\n  rounds:\n    - label: a\n      callback: ${module}\n`);
    expectConfigError(() => loadCaliperBenchmark(file), 'test.rounds[0].txNumber', /neither/);
  });

  test('arrays of different lengths', () => {
    const file = benchmarkFile(`test:\n  rounds:\n    - label: a\n      txNumber: [10, 20, 30]\n      rateControl: [{ type: fixed-rate, opts: { tps: 5 } }]\n      callback: ${module}\n`);
    expectConfigError(() => loadCaliperBenchmark(file), 'test.rounds[0].rateControl', /1 entries but txNumber has 3/);
  });

  test('zero and negative rates', () => {
    for (const tps of [0, -5]) {
      const file = benchmarkFile(`test:\n  rounds:\n    - label: a\n      txNumber: [10]\n      rateControl: [{ type: fixed-rate, opts: { tps: ${tps} } }]\n      callback: ${module}\n`);
      expectConfigError(() => loadCaliperBenchmark(file), /^test\.rounds\[0\]\.rateControl\[0\]/, /tps/);
    }
  });

  test('a workload module that does not exist', () => {
    const file = benchmarkFile('test:\n  rounds:\n    - label: a\n      txNumber: [10]\n      callback: benchmark/nowhere.js\n');
    expectConfigError(() => loadCaliperBenchmark(file), 'test.rounds[0].callback', /module not found/);
  });

  test('unknown round field', () => {
    const file = benchmarkFile(`test:\n  rounds:\n    - label: a\n      txNumbr: [10]\n      callback: ${module}\n`);
    const e = expectConfigError(() => loadCaliperBenchmark(file), 'test.rounds[0].txNumbr', /is not a field of a round \(line 4\)/);
    expect(e.fix).toMatch(/^rename it to `txNumber`/);
  });

  test('bad client type and zookeeper server', () => {
    const bad = benchmarkFile(`test:\n  clients: { type: cluster }\n  rounds:\n    - label: a\n      txNumber: [10]\n      callback: ${module}\n`);
    expectConfigError(() => loadCaliperBenchmark(bad), 'test.clients.type', /unknown client type/);
    const zoo = benchmarkFile(`test:\n  clients: { type: zookeeper, zoo: { server: nohost } }\n  rounds:\n    - label: a\n      txNumber: [10]\n      callback: ${module}\n`);
    expectConfigError(() => loadCaliperBenchmark(zoo), 'test.clients.zoo.server', /HOST:PORT/);
  });

  test('a missing file', () => {
    expectConfigError(() => loadCaliperBenchmark('/nonexistent/bench.yaml'), '(file)', /cannot be read/);
  });
});
