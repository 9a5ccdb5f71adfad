/** Registers Vitest tests from a Caliper benchmark file: one test per (sub-)round. */
import { resolve } from 'node:path';
import { describe, inject, test } from 'vitest';
import { loadCaliperBenchmark } from '../config/caliper-benchmark.ts';
import type { RoundSpec } from '../config/types.ts';
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
 * when it has one. Bad input fails at collection, naming the file and field.
 */
export function caliperBenchmark(file: string, options: CaliperBenchmarkOptions = {}): void {
  const benchmark = loadCaliperBenchmark(resolve(file));
  if (benchmark.workers.type === 'zookeeper') {
    throw new Error(`${benchmark.source}: test.clients.type: zookeeper clients are not supported yet; use \`clients: { type: local, number: ${benchmark.workers.clientsPerHost} }\``);
  }
  describe(benchmark.name, () => {
    for (const spec of benchmark.rounds) {
      test(`${spec.label} #${spec.roundIndex}`, { timeout: roundTimeoutMs(spec) }, async () => {
        const ctx = inject(CONTEXT_KEY);
        if (!ctx) throw new Error('caliperBenchmark() runs only in a ledgerbench project (see the ledgerbench() plugin)');
        const result = await runSpecInTest(spec, ctx, benchmark.monitor ?? ctx.monitor, benchmark.source);
        options.expectRound?.(result, spec);
      });
    }
  });
}

/** txDuration rounds: their length; txNumber rounds at a fixed rate: count / tps; plus slack. */
export function roundTimeoutMs(spec: RoundSpec): number {
  const tps = Number(spec.rateControl.opts?.tps);
  const seconds = spec.txDuration ?? (spec.txNumber !== undefined && tps > 0 ? spec.txNumber / tps : 600);
  return seconds * 1000 + spec.txTimeoutMs + TIMEOUT_SLACK_MS;
}
