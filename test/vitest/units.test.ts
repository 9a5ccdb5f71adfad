/** The plugin's pieces that need no Vitest child run: options, timeouts, and use outside a project. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type BenchRoundOptions, normalizeRound } from '../../src/config/round.ts';
import { benchRound } from '../../src/vitest/bench-round.ts';
import { roundTimeoutMs } from '../../src/vitest/caliper.ts';
import { ledgerbench } from '../../src/vitest/plugin.ts';

const origin = { source: 'units.test.ts', field: '', baseDir: resolve('fixtures/workloads'), roundIndex: 0 };
const spec = (o: Partial<BenchRoundOptions>) => normalizeRound({ label: 't', workload: './noop.ts', ...o } as BenchRoundOptions, origin);

describe('benchRound outside a ledgerbench project', () => {
  test('rejects with a message that says how to set the project up', async () => {
    // This is the unit project: no ledgerbench global setup, so nothing was provided.
    const call = benchRound({ label: 'x', txNumber: 1, workload: '../../fixtures/workloads/noop.ts' });
    await expect(call).rejects.toThrow(/^benchRound\(\) runs only in a ledgerbench project: add ledgerbench\(\{ network: 'networks\/embedded\.yaml' \}\) to test\.projects in vitest\.config\.ts and run `npx vitest --project perf`$/);
  });
});

describe('roundTimeoutMs', () => {
  // Slack: 2 minutes for worker start-up, drain and reports.
  const SLACK = 120_000;

  test('a txDuration round: its length plus the transaction timeout plus slack', () => {
    expect(roundTimeoutMs(spec({ txDuration: 20 }))).toBe(20_000 + 30_000 + SLACK);
    expect(roundTimeoutMs(spec({ txDuration: 600, txTimeout: '5s' }))).toBe(600_000 + 5_000 + SLACK);
  });

  test('a txNumber round at a fixed rate: count / tps', () => {
    expect(roundTimeoutMs(spec({ txNumber: 1000, rateControl: { type: 'fixed-rate', opts: { tps: 200 } } }))).toBe(5_000 + 30_000 + SLACK);
    expect(roundTimeoutMs(spec({ txNumber: 36_000, rateControl: { type: 'fixed-rate', opts: { tps: 10 } }, txTimeout: 1000 }))).toBe(3_600_000 + 1_000 + SLACK);
  });

  test('a txNumber round of unknown pace gets ten minutes', () => {
    expect(roundTimeoutMs(spec({ txNumber: 1000, rateControl: { type: 'fixed-load', opts: { transactionLoad: 10 } } }))).toBe(600_000 + 30_000 + SLACK);
  });

  test('a longer round always gets a longer timeout', () => {
    const short = roundTimeoutMs(spec({ txDuration: 10 }));
    const long = roundTimeoutMs(spec({ txDuration: 100 }));
    expect(long - short).toBe(90_000);
  });
});

describe('ledgerbench() project options', () => {
  test('defaults: perf project, embedded network, one file and one test at a time', () => {
    const project = ledgerbench();
    const t = project.test ?? {};
    expect(t.name).toBe('perf');
    expect(t.include).toEqual(['perf/**/*.perf.ts']);
    expect(t.fileParallelism).toBe(false);
    expect(t.sequence?.concurrent).toBe(false);
    expect(t.testTimeout).toBe(30 * 60_000);
    expect(t.provide).toEqual({ 'ledgerbench:options': { network: resolve('networks/embedded.yaml'), monitor: undefined, resultsDir: resolve('ledgerbench-results') } });
    // The setup files it names exist (they are loaded by path, so a rename would break only at run time).
    for (const file of [...(t.globalSetup as string[]), ...(t.setupFiles as string[])]) expect(existsSync(file)).toBe(true);
    expect(project.plugins?.length).toBe(1);
  });

  test('options reach the project and its global setup, paths made absolute', () => {
    const t = ledgerbench({ name: 'bench', network: 'networks/noop.yaml', include: ['b/*.ts'], resultsDir: 'out', monitor: false, testTimeout: 5000 }).test ?? {};
    expect(t.name).toBe('bench');
    expect(t.include).toEqual(['b/*.ts']);
    expect(t.testTimeout).toBe(5000);
    expect(t.provide).toEqual({ 'ledgerbench:options': { network: join(process.cwd(), 'networks/noop.yaml'), monitor: false, resultsDir: join(process.cwd(), 'out') } });
  });
});
