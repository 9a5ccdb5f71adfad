/**
 * The reporter on its own, fed the way Vitest feeds it (test cases with meta, then the run's end),
 * for what the end-to-end run cannot force: two projects ending in the same millisecond.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import type { TestCase } from 'vitest/node';
import type { RoundResult } from '../../src/stats/types.ts';
import { LedgerbenchReporter } from '../../src/vitest/reporter.ts';
import { transferRound } from './rounds.ts';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledgerbench-reporter-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The part of Vitest's TestCase the reporter reads. */
function testCase(project: string, fullName: string, rounds: RoundResult[]): TestCase {
  return { project: { name: project }, fullName, meta: () => ({ ledgerbench: rounds }) } as unknown as TestCase;
}

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
