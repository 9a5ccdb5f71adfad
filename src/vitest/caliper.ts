/** Registers Vitest tests from a Caliper benchmark file: one test per (sub-)round. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, TestRunner, test } from 'vitest';
import { loadCaliperBenchmark } from '../config/caliper-benchmark.ts';
import { type ZooKeeperLauncher, zookeeperLauncher } from '../engine/zookeeper/launcher.ts';
import { sizeForAgents } from '../engine/zookeeper/sizing.ts';
import type { RoundSpec } from '../config/types.ts';
import { expectedRoundSeconds } from '../engine/manager.ts';
import type { RoundResult } from '../stats/types.ts';
import { runSpecInTest } from './bench-round.ts';
import { CONTEXT_KEY } from './context.ts';

/** Slack added to a round's expected length for its test timeout: worker start, drain, reports. */
const TIMEOUT_SLACK_MS = 120_000;

export interface CaliperBenchmarkOptions {
  /** Checks to run on each round's result (e.g. expect(r).toHaveSuccessRateAbove(0.99)). */
  expectRound?: (result: RoundResult, spec: RoundSpec) => void;
}

/**
 * Loads a Caliper benchmark file (unchanged) and registers one test per sub-round, named
 * `label #n`, each with a timeout that follows the round's length. The file's `monitor:` block is used
 * when it has one. Bad input fails at collection, naming the file and field. A relative `file`
 * resolves against the calling test file's folder, then the current folder.
 */
export function caliperBenchmark(file: string, options: CaliperBenchmarkOptions = {}): void {
  const benchmark = loadCaliperBenchmark(benchmarkPath(file));
  const zoo = benchmark.workers.type === 'zookeeper' ? benchmark.workers : undefined;
  describe(benchmark.name, () => {
    // Distributed workers: one launcher (one ZooKeeper session) for all rounds of the file.
    let launcher: ZooKeeperLauncher | undefined;
    if (zoo) {
      beforeAll(() => {
        launcher = zookeeperLauncher({ server: zoo.server, clientsPerHost: zoo.clientsPerHost, runId: randomBytes(3).toString('hex') });
      });
      afterAll(async () => {
        await launcher?.close();
      });
    }
    for (const spec of benchmark.rounds) {
      test(`${spec.label} #${spec.roundIndex}`, { timeout: roundTimeoutMs(spec) }, async () => {
        const ctx = inject(CONTEXT_KEY);
        if (!ctx) throw new Error('caliperBenchmark() runs only in a ledgerbench project (see the ledgerbench() plugin)');
        const sized = launcher ? await sizeForAgents(spec, launcher) : spec;
        const result = await runSpecInTest(sized, ctx, benchmark.monitor ?? ctx.monitor, benchmark.source, launcher);
        options.expectRound?.(result, spec);
      });
    }
  });
}

/**
 * Like benchRound()'s workload paths, a benchmark path is relative to the test file that names it:
 * Vitest's current folder is wherever it was started (often not the project root). The current folder
 * stays as the fallback, and the name used when neither exists, so the loader's error names it.
 */
function benchmarkPath(file: string): string {
  if (isAbsolute(file)) return file;
  const testFile = TestRunner.getCurrentSuite()?.file?.filepath ?? expect.getState().testPath;
  const besideTest = testFile ? resolve(dirname(testFile), file) : undefined;
  return besideTest && existsSync(besideTest) ? besideTest : resolve(file);
}

/** The round's expected length (ten minutes when it cannot be known) plus the transaction timeout and slack. */
export function roundTimeoutMs(spec: RoundSpec): number {
  return (expectedRoundSeconds(spec) ?? 600) * 1000 + spec.txTimeoutMs + TIMEOUT_SLACK_MS;
}
