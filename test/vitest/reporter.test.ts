/**
 * The reporter on its own, fed the way Vitest feeds it (test cases with meta, then the run's end),
 * for what the end-to-end run cannot force: two projects ending in the same millisecond, a cancelled
 * run. Then the reporter in a real Vitest child process interrupted with Ctrl-C (SIGINT to its
 * process group, as a terminal sends it).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { TestCase } from 'vitest/node';
import type { RunReport } from '../../src/report/types.ts';
import type { RoundResult } from '../../src/stats/types.ts';
import { LedgerbenchReporter } from '../../src/vitest/reporter.ts';
import { Child, descendants, killAllChildren, killPids, REPO, stillRunning } from '../cli/child.ts';
import { transferRound } from './rounds.ts';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledgerbench-reporter-'));
});
afterAll(() => {
  killAllChildren();
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The part of Vitest's TestCase the reporter reads. */
function testCase(project: string, fullName: string, rounds: RoundResult[], file = join(tmp, 'perf', 'bench.perf.ts')): TestCase {
  return { id: `${file}#${fullName}`, project: { name: project }, module: { moduleId: file }, fullName, meta: () => ({ ledgerbench: rounds }) } as unknown as TestCase;
}

/** Captures what the reporter writes to stdout. */
function captureStdout(): string[] {
  const printed: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  return printed;
}

/** The Test column of every round-table row in `text`. */
const testNumbers = (text: string) => [...text.matchAll(/^\|\s+(\d+) \| (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);

test('two projects sharing a results folder and ending in the same millisecond keep both reports', async () => {
  const printed: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  const resultsDir = join(tmp, 'shared');
  const network = join(tmp, 'none.yaml');
  const a = new LedgerbenchReporter({ name: 'perf-a', resultsDir, networkFile: network });
  const b = new LedgerbenchReporter({ name: 'perf-b', resultsDir, networkFile: network });
  a.onTestRunStart();
  b.onTestRunStart();
  // Every reporter sees every test case; each keeps only its own project's rounds.
  for (const tc of [testCase('perf-a', 'a > one', [transferRound({ label: 'from-a' })]), testCase('perf-b', 'b > one', [transferRound({ label: 'from-b' })]), testCase('unit', 'plain test', [])]) {
    a.onTestCaseResult(tc);
    b.onTestCaseResult(tc);
  }
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-22T10:00:00.000Z') });
  await Promise.all([a.onTestRunEnd([]), b.onTestRunEnd([])]);

  const folders = readdirSync(resultsDir).sort();
  expect(folders).toEqual(['2026-11-22T10-00-00-000Z', '2026-11-22T10-00-00-000Z-perf-b']);
  const names = folders.map((f) => JSON.parse(readFileSync(join(resultsDir, f, 'results.json'), 'utf8')));
  expect(names.map((r) => [r.name, r.rounds.map((x: RoundResult) => x.label)])).toEqual([
    ['perf-a', ['from-a']],
    ['perf-b', ['from-b']],
  ]);
  const out = printed.join('');
  expect(out.match(/^a > one$/gm)).toHaveLength(1);
  expect(out).toMatch(/ledgerbench: all rounds of perf-a\n/);
  expect(out).toMatch(/ledgerbench: all rounds of perf-b\n/);
});

test('a run without rounds writes nothing', async () => {
  const resultsDir = join(tmp, 'empty');
  const r = new LedgerbenchReporter({ name: 'perf', resultsDir, networkFile: join(tmp, 'none.yaml') });
  r.onTestRunStart();
  r.onTestCaseResult(testCase('perf', 'no rounds', []));
  await r.onTestRunEnd([]);
  expect(() => readdirSync(resultsDir)).toThrow(/ENOENT/);
});

describe('numbering and origins', () => {
  test('per-test tables number rounds in run order, the run table agrees, and all three paths are printed', async () => {
    const printed = captureStdout();
    const resultsDir = join(tmp, 'numbered');
    const r = new LedgerbenchReporter({ name: 'perf', resultsDir, networkFile: join(tmp, 'none.yaml') });
    r.onTestRunStart();
    // Two files, two rounds each: round indexes restart at 0 in the second file.
    const a = join(tmp, 'perf', 'a.perf.ts');
    const b = join(tmp, 'perf', 'b.perf.ts');
    r.onTestCaseResult(testCase('perf', 'a > two rounds', [transferRound({ label: 'a0', roundIndex: 0 }), transferRound({ label: 'a1', roundIndex: 1 })], a));
    r.onTestCaseResult(testCase('perf', 'b > first', [transferRound({ label: 'b0', roundIndex: 0 })], b));
    r.onTestCaseResult(testCase('perf', 'b > second', [transferRound({ label: 'b1', roundIndex: 1, origin: { file: b, test: 'named by benchRound' } })], b));
    await r.onTestRunEnd([], [], 'failed');
    const out = printed.join('');
    const [perTest, run] = out.split('ledgerbench: all rounds of perf');
    expect(testNumbers(perTest)).toEqual(['1 a0', '2 a1', '3 b0', '4 b1']);
    expect(testNumbers(run)).toEqual(['1 a0', '2 a1', '3 b0', '4 b1']);
    expect(perTest).toContain('Round 3 (transfer)'.replace('transfer', 'b0'));
    expect(run).toMatch(/ledgerbench: results \S+results\.json\nledgerbench: report {2}\S+report\.html\nledgerbench: summary \S+summary\.md\n$/);

    const folder = join(resultsDir, readdirSync(resultsDir)[0]);
    const summary = readFileSync(join(folder, 'summary.md'), 'utf8');
    expect(testNumbers(summary.replace(/^\| [^|]+ \|/gm, '|'))).toEqual(['1 a0', '2 a1', '3 b0', '4 b1']);
    const report = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as RunReport;
    // A round that did not say where it came from gets its test case's file and full name.
    expect(report.rounds.map((x) => x.origin)).toEqual([
      { file: a, test: 'a > two rounds' },
      { file: a, test: 'a > two rounds' },
      { file: b, test: 'b > first' },
      { file: b, test: 'named by benchRound' },
    ]);
    expect(report.interrupted).toBeUndefined();
  });

  test('a cancelled run (reason interrupted) writes its rounds and says it was interrupted', async () => {
    captureStdout();
    const resultsDir = join(tmp, 'cancelled');
    const r = new LedgerbenchReporter({ name: 'perf', resultsDir, networkFile: join(tmp, 'none.yaml') });
    r.onTestRunStart();
    r.onTestCaseResult(testCase('perf', 'one', [transferRound({ label: 'kept', aborted: { reason: 'interrupted' } })]));
    await r.onTestRunEnd([], [], 'interrupted');
    const folder = join(resultsDir, readdirSync(resultsDir)[0]);
    const report = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as RunReport;
    expect(report.interrupted).toEqual({ reason: 'the Vitest run was cancelled' });
    expect(report.rounds.map((x) => [x.label, x.aborted?.reason])).toEqual([['kept', 'interrupted']]);
    expect(readFileSync(join(folder, 'summary.md'), 'utf8')).toContain('⚠️ Run interrupted (the Vitest run was cancelled)');
    expect(process.listenerCount('SIGINT')).toBe(sigintListenersBefore);
  });
});

const sigintListenersBefore = process.listenerCount('SIGINT');

describe('Ctrl-C during `vitest run` of a ledgerbench project', () => {
  test('writes the rounds that finished and the one still running, names its test, prints the table and the paths', async () => {
    const results = join(tmp, 'interrupted');
    const project = join(REPO, 'fixtures/vitest-project');
    const child = new Child(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.interrupt.config.ts', '--root', project], {
      cwd: REPO,
      timeoutMs: 90_000,
      detached: true,
      env: { LEDGERBENCH_FIXTURE_RESULTS: results },
    });
    let workers: number[] = [];
    try {
      // The first round's table is printed, and the second round's worker is running.
      await child.waitFor(/\| before-interrupt \|/, 60_000);
      const deadline = Date.now() + 30_000;
      while (workers.length === 0 && Date.now() < deadline) {
        workers = descendants(child.pid, 'worker-main');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(workers.length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1000));
      process.kill(-child.pid, 'SIGINT');
      const run = await child.finished;

      expect(run.code).toBe(130);
      const folders = existsSync(results) ? readdirSync(results) : [];
      expect(folders).toHaveLength(1);
      const folder = join(results, folders[0]);
      for (const f of ['results.json', 'report.html', 'summary.md']) expect(existsSync(join(folder, f))).toBe(true);
      const report = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as RunReport;
      // The round still running was stopped by its test process and kept, with what it had measured.
      expect(report.rounds.map((r) => r.label)).toEqual(['before-interrupt', 'at-interrupt']);
      expect(report.rounds[0].succeeded).toBe(20);
      expect(report.rounds[1].succeeded).toBeGreaterThan(0);
      expect(report.rounds[1].aborted?.reason).toBe('round cancelled: interrupted (Ctrl-C)');
      expect(report.rounds[0].origin).toEqual({ file: expect.stringMatching(/perf-interrupt\/interrupt\.perf\.ts$/), test: expect.stringContaining('a round that finishes before the interrupt') });
      expect(report.interrupted).toEqual({ reason: 'SIGINT', tests: ['fixtures/vitest-project/perf-interrupt/interrupt.perf.ts > interrupted run > a round still running at the interrupt'] });
      expect(readFileSync(join(folder, 'summary.md'), 'utf8')).toContain('⚠️ Run interrupted (SIGINT)');

      const out = run.stdout;
      expect(out).toContain('ledgerbench: run interrupted (SIGINT); the rounds measured until then (a round cut short is marked aborted):');
      expect(out).toMatch(/ledgerbench: all rounds of perf-interrupt\n[\s\S]*\| {4}1 \| before-interrupt +\|/);
      expect(out).toContain('ledgerbench: still running at the interrupt: fixtures/vitest-project/perf-interrupt/interrupt.perf.ts > interrupted run > a round still running at the interrupt');
      expect(out).toMatch(/ledgerbench: summary \S+summary\.md\n/);
    } finally {
      if (child.proc.exitCode === null && child.proc.signalCode === null) process.kill(-child.pid, 'SIGKILL');
      await child.finished.catch(() => undefined);
      // The workers leave when their manager is gone; give them a moment, then make sure.
      await new Promise((r) => setTimeout(r, 1000));
      killPids(stillRunning(workers, 'worker-main'));
    }
  }, 120_000);
});

describe('a cancelled Vitest run (watch-mode Ctrl-C, --bail, an editor stop button)', () => {
  test('keeps the finished round and the one returned aborted, marked interrupted', async () => {
    const results = join(tmp, 'cancelled-e2e');
    const child = new Child(process.execPath, [join(REPO, 'node_modules/tsx/dist/cli.mjs'), join(REPO, 'fixtures/vitest-project/cancel-run.ts')], {
      cwd: REPO,
      timeoutMs: 90_000,
      env: { LEDGERBENCH_FIXTURE_RESULTS: results },
    });
    const run = await child.finished;
    const folders = existsSync(results) ? readdirSync(results) : [];
    expect(folders, run.stdout + run.stderr).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(results, folders[0], 'results.json'), 'utf8')) as RunReport;
    expect(report.interrupted).toEqual({ reason: 'the Vitest run was cancelled' });
    expect(report.rounds.map((r) => [r.label, Boolean(r.aborted)])).toEqual([
      ['before-interrupt', false],
      ['at-interrupt', true],
    ]);
    // The aborted round stopped long before its 120 s.
    expect(report.rounds[1].succeeded).toBeGreaterThan(0);
    expect(report.rounds[1].succeeded).toBeLessThan(200);
    expect(run.stdout).toMatch(/\| {4}2 \| at-interrupt \(aborted\) \|/);
    expect(run.stdout).toContain('ledgerbench: run interrupted (the Vitest run was cancelled)');
  }, 120_000);
});
