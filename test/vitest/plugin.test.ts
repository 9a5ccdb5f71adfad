/**
 * The plugin end to end: runs the small user project in fixtures/vitest-project with a real Vitest in
 * a child process (`vitest run --root ...`), then checks what its user would see: which tests passed
 * or failed and why, the tables printed, and the reports written.
 *
 * A child process rather than startVitest() in this process: the reporter writes to process.stdout
 * and the global setup installs SIGINT/SIGTERM handlers, both of which would land in this test
 * worker; a nested Vitest would also share this worker's runner state. A child sees none of that
 * and is exactly how a user runs the project. Vitest's JSON reporter (added on the command line next
 * to the default one) gives each test's status, failure message and meta.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadCaliperBenchmark } from '../../src/config/caliper-benchmark.ts';
import type { RoundResult } from '../../src/stats/types.ts';
import { roundTimeoutMs } from '../../src/vitest/caliper.ts';
import { Child, type Finished, killAllChildren, REPO } from '../cli/child.ts';

const PROJECT = join(REPO, 'fixtures/vitest-project');

interface JsonTest {
  fullName: string;
  status: string;
  failureMessages: string[];
  meta: { ledgerbench?: RoundResult[]; timeoutMs?: number };
}
interface JsonFile {
  name: string;
  status: string;
  message: string;
  assertionResults: JsonTest[];
}

let tmp: string;
let run: Finished;
let files: Map<string, JsonFile>;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ledgerbench-plugin-'));
  const child = new Child(
    process.execPath,
    [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--root', PROJECT, '--reporter=default', '--reporter=json', `--outputFile.json=${join(tmp, 'vitest.json')}`],
    { cwd: REPO, timeoutMs: 110_000, env: { LEDGERBENCH_FIXTURE_RESULTS: join(tmp, 'results'), LEDGERBENCH_FIXTURE_KEYS: join(tmp, 'keys.txt') } },
  );
  run = await child.finished;
  const json = JSON.parse(readFileSync(join(tmp, 'vitest.json'), 'utf8')) as { testResults: JsonFile[] };
  files = new Map(json.testResults.map((f) => [f.name.slice(PROJECT.length + 1), f]));
}, 120_000);

afterAll(() => {
  killAllChildren();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const testsOf = (file: string) => files.get(file)?.assertionResults ?? [];
const testNamed = (file: string, name: string) => {
  const found = testsOf(file).find((t) => t.fullName === name);
  if (!found) throw new Error(`no test '${name}' in ${file}: ${testsOf(file).map((t) => t.fullName).join(', ')}`);
  return found;
};

describe('a ledgerbench project run by Vitest', () => {
  test('the run fails because one benchmark file fails, and only that one', () => {
    expect(run.code).toBe(1);
    expect([...files.keys()].sort()).toEqual(['perf-noop/noop.perf.ts', 'perf/caliper.perf.ts', 'perf/fail.perf.ts', 'perf/pass.perf.ts']);
    expect(files.get('perf-noop/noop.perf.ts')?.status).toBe('passed');
    expect(files.get('perf/pass.perf.ts')?.status).toBe('passed');
    expect(files.get('perf/caliper.perf.ts')?.status).toBe('passed');
    expect(files.get('perf/fail.perf.ts')?.status).toBe('failed');
  });

  test('the global setup started the network and its context reached the tests', () => {
    expect(run.stderr).toContain(`[ledgerbench] starting network ${join(PROJECT, 'network.yaml')}`);
    expect(run.stderr).toContain(`[ledgerbench] starting network ${join(REPO, 'networks/noop.yaml')}`);
    // That test checks inject('ledgerbench'): connector, options, network file and run id.
    expect(testNamed('perf/pass.perf.ts', 'passing rounds the global setup provided the network').status).toBe('passed');
  });

  test('a passing round passes and its result is attached to the test with its expectations', () => {
    const t = testNamed('perf/pass.perf.ts', 'passing rounds fixed-rate round meets its gates');
    expect(t.status).toBe('passed');
    const rounds = t.meta.ledgerbench ?? [];
    expect(rounds).toHaveLength(1);
    expect(rounds[0]).toMatchObject({ schemaVersion: 1, label: 'fixture-pass', workers: 2, succeeded: 100, failed: 0 });
    expect(rounds[0].expectations.map((e) => [e.matcher, e.pass])).toEqual([
      ['toHaveNoFailures', true],
      ['toHaveSuccessRateAbove', true],
      ['toHaveP95LatencyBelow', true],
    ]);
  });

  test('a failing matcher fails its test with the measured row in the error', () => {
    const t = testNamed('perf/fail.perf.ts', 'round misses its latency gate');
    expect(t.status).toBe('failed');
    const message = t.failureMessages.join('\n');
    expect(message).toMatch(/expected p95 latency below 1\.00 ms, measured \d+\.\d\d ms/);
    expect(message).toMatch(/round 'fixture-fail' \(#0\): succ 50, fail 0/);
    expect(message).toMatch(/send rate \d+\.\d tps, throughput \d+\.\d tps/);
    expect(message).toMatch(/latency ms min \d+\.\d\d avg \d+\.\d\d p50 \d+\.\d\d p95 \d+\.\d\d p99 \d+\.\d\d max \d+\.\d\d/);
    // The 5 ms network puts every latency at or above 5 ms.
    expect(Number(message.match(/min (\d+\.\d\d)/)?.[1])).toBeGreaterThanOrEqual(4);
    // The default reporter shows the same text to the user.
    expect(run.stdout + run.stderr).toMatch(/expected p95 latency below 1\.00 ms, measured/);
  });

  test('caliperBenchmark registers one test per sub-round, with a timeout following the round', () => {
    const tests = testsOf('perf/caliper.perf.ts');
    expect(tests.map((t) => [t.fullName, t.status])).toEqual([
      ['fixture-caliper open #0', 'passed'],
      ['fixture-caliper open #1', 'passed'],
      ['fixture-caliper query #2', 'passed'],
    ]);
    const specs = loadCaliperBenchmark(join(PROJECT, 'caliper/bench.yaml')).rounds;
    expect(tests.map((t) => t.meta.timeoutMs)).toEqual(specs.map(roundTimeoutMs));
    // Each sub-round ran with its own length and rate, and expectRound's check was recorded.
    const rounds = tests.map((t) => t.meta.ledgerbench?.[0]);
    expect(rounds.map((r) => [r?.label, r?.txNumber, r?.txDuration, r?.rateControl.opts?.tps])).toEqual([
      ['open', 40, undefined, 40],
      ['open', 60, undefined, 60],
      ['query', undefined, 1, 50],
    ]);
    for (const r of rounds) expect(r?.expectations).toEqual([expect.objectContaining({ matcher: 'toHaveSuccessRateAbove', pass: true })]);
  });

  test('the reporter prints the Caliper table after each test and for the whole run', () => {
    const out = run.stdout;
    expect(out).toMatch(/passing rounds > fixed-rate round meets its gates\n\+-+/);
    expect(out).toMatch(/\| Test \| Name\s+\| Succ \| Fail \| Send Rate \(TPS\) \| Max Latency \(ms\) \| Min Latency \(ms\) \| Avg Latency \(ms\) \| Throughput \(TPS\) \| p95 Latency \(ms\) \| p99 Latency \(ms\) \|/);
    expect(out).toMatch(/\| fixture-pass \|\s+100 \|\s+0 \|/);
    const summary = out.match(/ledgerbench: all rounds of perf\n[\s\S]*?ledgerbench: report {2}\S+/)?.[0] ?? '';
    for (const label of ['fixture-pass', 'fixture-fail', 'open', 'query']) expect(summary).toContain(`| ${label}`);
    expect(summary).toMatch(/ledgerbench: results \S+results\.json\nledgerbench: report {2}\S+report\.html$/);
    // The other project's round is reported by its own reporter only, and each test's table once.
    expect(summary).not.toContain('noop-project');
    expect(out).toMatch(/ledgerbench: all rounds of perf-noop\n[\s\S]*\| noop-project \|/);
    expect(out.match(/^noop project round$/gm)).toHaveLength(1);
    expect(out.match(/^passing rounds > fixed-rate round meets its gates$/gm)).toHaveLength(1);
  });

  test('the reporter writes results.json, report.html and summary.md under the results folder', () => {
    const resultsDir = join(tmp, 'results/perf');
    const runs = readdirSync(resultsDir);
    expect(runs).toHaveLength(1);
    const folder = join(resultsDir, runs[0]);
    for (const file of ['results.json', 'report.html', 'summary.md']) expect(existsSync(join(folder, file))).toBe(true);
    // The printed path is the file written (printed relative to the folder Vitest ran in).
    const printed = run.stdout.match(/ledgerbench: all rounds of perf\n[\s\S]*?ledgerbench: results (\S+)/)?.[1] ?? '';
    expect(resolve(REPO, printed)).toBe(join(folder, 'results.json'));

    const report = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8'));
    expect(report).toMatchObject({ schemaVersion: 1, tool: 'ledgerbench', name: 'perf', config: { network: { type: 'delay' } } });
    const rounds = report.rounds as RoundResult[];
    expect(rounds.map((r) => r.label).sort()).toEqual(['fixture-fail', 'fixture-pass', 'open', 'open', 'query']);
    for (const r of rounds) expect(r.schemaVersion).toBe(1);
    const failed = rounds.find((r) => r.label === 'fixture-fail');
    expect(failed?.expectations).toEqual([
      { matcher: 'toHaveNoFailures', expected: 'no failed transactions', actual: 'none', pass: true },
      { matcher: 'toHaveP95LatencyBelow', expected: 'p95 latency below 1.00 ms', actual: expect.stringMatching(/^\d+\.\d\d ms$/), pass: false },
    ]);
    expect(readFileSync(join(folder, 'report.html'), 'utf8')).toContain('fixture-fail');
    expect(readFileSync(join(folder, 'summary.md'), 'utf8')).toContain('fixture-pass');
  });

  test('a second ledgerbench project in the same config writes its own results', () => {
    const dir = join(tmp, 'results/perf-noop');
    const runs = readdirSync(dir);
    expect(runs).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(dir, runs[0], 'results.json'), 'utf8'));
    expect(report.name).toBe('perf-noop');
    expect(report.config.network).toEqual({ type: 'noop' });
    expect(report.rounds.map((r: RoundResult) => [r.label, r.succeeded])).toEqual([['noop-project', 20]]);
  });

  test('unique keys never repeat across the rounds of different files in one run', () => {
    const keys = readFileSync(join(tmp, 'keys.txt'), 'utf8').trim().split('\n');
    // fixture-pass (100) and fixture-fail (50) are both round #0 of their file.
    expect(keys).toHaveLength(150);
    expect(new Set(keys).size).toBe(150);
    const runIds = new Set(keys.map((k) => k.split('_')[1]));
    expect(runIds.size).toBe(2);
  });
});
