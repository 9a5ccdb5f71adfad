/**
 * The regression gate end to end: fixtures/vitest-baseline run by a real Vitest in a child process,
 * as a user (and CI) runs it, against a baseline file in a temporary folder. The runs follow each
 * other as a project's life does: no baseline yet, `-u` records it, an unchanged run passes, a slower
 * "chaincode" (the workload waits 50 ms more per transaction on a 5 ms network: a tenth of the throughput) fails, and a changed
 * benchmark definition is refused.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BaselineFile, GatedRound } from '../../src/baseline/types.ts';
import { decodeHistogram, toLatencyStats } from '../../src/stats/hdr.ts';
import { Child, type Finished, killAllChildren, REPO } from '../cli/child.ts';

const PROJECT = join(REPO, 'fixtures/vitest-baseline');

let tmp: string;
let runs = 0;

interface GateRun extends Finished {
  /** The test's failure messages (Vitest's JSON reporter). */
  failures: string;
  status: string;
  /** The run's results folder. */
  results: string;
}

async function runVitest(env: Record<string, string> = {}, args: string[] = []): Promise<GateRun> {
  const n = ++runs;
  const json = join(tmp, `vitest-${n}.json`);
  const results = join(tmp, `results-${n}`);
  const child = new Child(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--root', PROJECT, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...args], {
    cwd: REPO,
    timeoutMs: 100_000,
    env: { LEDGERBENCH_FIXTURE_BASELINE: join(tmp, 'ledgerbench-baseline.json'), LEDGERBENCH_FIXTURE_RESULTS: results, LEDGERBENCH_UPDATE_BASELINE: undefined, CI: undefined, GITHUB_STEP_SUMMARY: undefined, ...env },
  });
  const done = await child.finished;
  const report = JSON.parse(readFileSync(json, 'utf8')) as { testResults: Array<{ assertionResults: Array<{ status: string; failureMessages: string[] }> }> };
  const t = report.testResults[0].assertionResults[0];
  return { ...done, failures: t.failureMessages.join('\n'), status: t.status, results };
}

/** The round in a run's results.json. */
function resultRound(run: GateRun): GatedRound {
  const [folder] = readdirSync(run.results);
  return (JSON.parse(readFileSync(join(run.results, folder, 'results.json'), 'utf8')) as { rounds: GatedRound[] }).rounds[0];
}

function summary(run: GateRun): string {
  const [folder] = readdirSync(run.results);
  return readFileSync(join(run.results, folder, 'summary.md'), 'utf8');
}

const baselineFile = () => join(tmp, 'ledgerbench-baseline.json');

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledgerbench-gate-'));
});

afterAll(() => {
  killAllChildren();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the regression gate in a Vitest project', () => {
  test('without a baseline the gated test fails with how to make one, and no file is written', async () => {
    const run = await runVitest();
    expect(run.code).toBe(1);
    expect(run.failures).toMatch(/no baseline for round 'gated' of 'gated round' \(fixtures\/vitest-baseline\/perf\/gate\.perf\.ts\) in \S+ledgerbench-baseline\.json; fix: record one with `npx vitest run --project perf -u`/);
    expect(existsSync(baselineFile())).toBe(false);
  }, 110_000);

  test('-u records the baseline (5 repeats, fingerprint, environment) and passes', async () => {
    const run = await runVitest({}, ['-u']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ledgerbench: baseline \S+ledgerbench-baseline\.json: 1 added, 0 updated/);
    const file = JSON.parse(readFileSync(baselineFile(), 'utf8')) as BaselineFile;
    expect(file).toMatchObject({ schemaVersion: 1, tool: 'ledgerbench' });
    expect(file.rounds).toHaveLength(1);
    const entry = file.rounds[0];
    expect(entry).toMatchObject({ file: 'fixtures/vitest-baseline/perf/gate.perf.ts', test: 'gated round', round: 'gated' });
    expect(entry.repeats.throughput).toHaveLength(5);
    expect(entry.fingerprint).toMatchObject({
      workload: { path: 'fixtures/vitest-baseline/workloads/slowable.ts', sha256: expect.stringMatching(/^[0-9a-f]{16}$/) },
      rateControl: { type: 'fixed-load', opts: { transactionLoad: 4 } },
      txNumber: 40,
      trim: 4,
      workers: 1,
      network: { path: 'fixtures/vitest-baseline/network.yaml' },
    });
    expect(entry.environment.node).toBe(process.version);
    // The latency distribution: each repeat's histogram and their sum, which the merged figures come from.
    expect(entry.latencyHistograms?.repeats).toHaveLength(5);
    expect(toLatencyStats(decodeHistogram(entry.latencyHistograms!.merged)).count).toBe(entry.repeats.succeeded.reduce((a, b) => a + b, 0));
    // One line per figure list: a re-recorded baseline diffs as a few lines.
    expect(readFileSync(baselineFile(), 'utf8')).toMatch(/"throughput": \[[\d.]+(, [\d.]+){4}\]/);
  }, 110_000);

  test('LEDGERBENCH_UPDATE_BASELINE=1 updates it as -u does', async () => {
    const before = readFileSync(baselineFile(), 'utf8');
    const run = await runVitest({ LEDGERBENCH_UPDATE_BASELINE: '1' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ledgerbench: baseline \S+: 0 added, 1 updated/);
    expect(readFileSync(baselineFile(), 'utf8')).not.toBe(before);
  }, 110_000);

  test('an unchanged run passes, and the console, summary.md and results.json show it beside its baseline', async () => {
    const run = await runVitest();
    expect(run.failures).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/baseline: within the baseline(, \d improved)?, against \S+ledgerbench-baseline\.json \(recorded \S+, 5 repeats; this run 5 repeats\)\n {2}throughput [+-]\d+\.\d% \[[+-]\d+\.\d% \.\. [+-]\d+\.\d%\] allowed -60%: /);
    const r = resultRound(run);
    expect(r.repeats).toHaveLength(5);
    // results.json: the merged percentiles are those of the summed histogram, which it carries.
    expect(toLatencyStats(decodeHistogram(r.latencyHistogram!))).toEqual(r.latency);
    expect(r.baseline?.baselineLatencyHistogram).toBe((JSON.parse(readFileSync(baselineFile(), 'utf8')) as BaselineFile).rounds[0].latencyHistograms?.merged);
    expect(r.baseline).toMatchObject({ status: 'compared', pass: true, baselineRepeats: 5, candidateRepeats: 5 });
    expect(r.baseline?.metrics.map((m) => m.metric)).toEqual(['throughput', 'p95']);
    expect(summary(run)).toMatch(/### Against the baseline[\s\S]*\| 1 gated \| throughput \| [+-]\d+\.\d% \| [+-]\d+\.\d% \.\. [+-]\d+\.\d% \| -60% \| /);
  }, 110_000);

  test('a slower chaincode fails the gate, saying by how much, with the interval, against which baseline', async () => {
    const run = await runVitest({ LEDGERBENCH_FIXTURE_EXTRA_MS: '50' });
    expect(run.code, run.stdout).toBe(1);
    expect(run.failures).toMatch(/round 'gated' of 'gated round' \(fixtures\/vitest-baseline\/perf\/gate\.perf\.ts\): regression in [12] of 2 figures against \S+ledgerbench-baseline\.json \(recorded /);
    expect(run.failures).toMatch(/throughput -[6-9]\d\.\d% \[-\d+\.\d% \.\. -\d+\.\d%\] allowed -60%: regression/);
    expect(run.failures).toMatch(/p95 \+\d+\.\d% \[[+-]\d+\.\d% \.\. \+\d+\.\d%\] allowed \+150%: /);
    expect(resultRound(run).baseline).toMatchObject({ status: 'compared', pass: false });
    expect(summary(run)).toContain('❌ regression');
  }, 110_000);

  test('a changed benchmark definition is refused with the field that differs', async () => {
    const run = await runVitest({ LEDGERBENCH_FIXTURE_LOAD: '2' });
    expect(run.code).toBe(1);
    expect(run.failures).toMatch(/was measured with a different benchmark definition, so it is not compared:\n {2}rateControl\.opts\.transactionLoad: 4 -> 2\n {2}fix: if the change is intended, record a new baseline with `npx vitest run --project perf -u`/);
  }, 110_000);
});
