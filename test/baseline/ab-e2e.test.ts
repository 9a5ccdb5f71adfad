/**
 * A/B mode end to end: two checkouts of one small project (fixtures/vitest-baseline/ab/main and
 * .../slower, alike but for the chaincode, whose write waits 150 ms more in `slower`), run by a real
 * Vitest in a child process from one checkout with LEDGERBENCH_AB naming the other, as a CI job with
 * two checkouts would. Both embedded networks come up, the repeats interleave A B B A A B, and
 * toBeWithinBaseline() judges A against B measured in the same run: the slower chaincode fails the
 * gate and a checkout against itself does not (test/baseline/ab.test.ts has the other verdicts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GatedRound } from '../../src/baseline/types.ts';
import { Child, type Finished, killAllChildren, REPO } from '../cli/child.ts';

const CHECKOUTS = join(REPO, 'fixtures/vitest-baseline/ab');

let tmp: string;
let runs = 0;

interface AbRun extends Finished {
  failures: string;
  round: GatedRound;
  summary: string;
}

/** Runs the perf project of checkout `a` with LEDGERBENCH_AB=../`b`, from `a`'s folder. */
async function runAb(a: string, b: string): Promise<AbRun> {
  const n = ++runs;
  const json = join(tmp, `vitest-${n}.json`);
  const results = join(tmp, `results-${n}`);
  const child = new Child(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`], {
    cwd: join(CHECKOUTS, a),
    timeoutMs: 80_000,
    env: { LEDGERBENCH_AB: `../${b}`, LEDGERBENCH_FIXTURE_BASELINE: join(tmp, 'ledgerbench-baseline.json'), LEDGERBENCH_FIXTURE_RESULTS: results, LEDGERBENCH_UPDATE_BASELINE: undefined, CI: undefined, GITHUB_STEP_SUMMARY: undefined },
  });
  const done = await child.finished;
  const report = JSON.parse(readFileSync(json, 'utf8')) as { testResults: Array<{ assertionResults: Array<{ failureMessages: string[] }> }> };
  const [folder] = readdirSync(results);
  const round = (JSON.parse(readFileSync(join(results, folder, 'results.json'), 'utf8')) as { rounds: GatedRound[] }).rounds[0];
  return { ...done, failures: report.testResults[0].assertionResults[0].failureMessages.join('\n'), round, summary: readFileSync(join(results, folder, 'summary.md'), 'utf8') };
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledgerbench-ab-'));
});

afterAll(() => {
  killAllChildren();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('A/B mode: two checkouts interleaved in one run', () => {
  test('a slower chaincode against main fails the gate, against main measured in the same run', async () => {
    const run = await runAb('slower', 'main');
    expect(run.code, run.stdout).toBe(1);
    expect(run.stderr).toContain("A/B mode: starting the other checkout's network");
    expect(run.failures).toMatch(/round 'ab' of 'ab round' \(perf\/ab\.perf\.ts\): regression in [12] of 2 figures against the other checkout \.\.\/main \(measured in this run, 3 repeats interleaved ABBAAB; this run 3 repeats\)/);
    expect(run.failures).toMatch(/throughput -\d+\.\d% \[-\d+\.\d% \.\. -\d+\.\d%\] allowed -30%: regression/);
    const r = run.round;
    expect(r.repeats).toHaveLength(3);
    expect(r.ab).toMatchObject({ checkout: join(CHECKOUTS, 'main'), order: 'ABBAAB' });
    expect(r.ab?.repeats).toHaveLength(3);
    // Both sides measured the same definition, each relative to its own checkout.
    expect(r.ab?.fingerprint).toEqual(r.fingerprint);
    expect(r.fingerprint?.workload.path).toBe('workloads/ab.ts');
    // B's chaincode is the faster one: every B repeat beats every A repeat.
    expect(Math.min(...r.ab!.repeats.map((x) => x.throughput))).toBeGreaterThan(Math.max(...r.repeats!.map((x) => x.throughput)));
    expect(r.baseline).toMatchObject({ status: 'compared', pass: false, against: { order: 'ABBAAB' }, baselineLatencyHistogram: r.ab?.latencyHistogram });
    expect(run.summary).toContain('❌ regression');
    // No baseline file is read or written in A/B mode.
    expect(existsSync(join(tmp, 'ledgerbench-baseline.json'))).toBe(false);
  }, 90_000);

  test('a checkout against itself passes: no alarm on the noise of one machine', async () => {
    const run = await runAb('main', 'main');
    expect(run.failures).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.round.baseline?.metrics.map((m) => m.verdict)).not.toContain('regression');
    expect(run.stdout).toMatch(/baseline: within the baseline(, \d improved)?, against the other checkout \. \(measured in this run, 3 repeats interleaved ABBAAB/);
  }, 90_000);
});
