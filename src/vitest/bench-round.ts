/** benchRound(): run one benchmark round from inside a Vitest test. */
import { randomBytes } from 'node:crypto';
import { dirname, relative } from 'node:path';
import { expect, inject, type RunnerTestCase, TestRunner } from 'vitest';
import { roundFingerprint } from '../baseline/fingerprint.ts';
import { runInterleaved } from '../baseline/ab.ts';
import { repeatCount, runRepeats } from '../baseline/repeat.ts';
import type { GatedRound } from '../baseline/types.ts';
import { type BenchRoundOptions, normalizeRound } from '../config/round.ts';
import type { RoundSpec } from '../config/types.ts';
import { runRound } from '../engine/manager.ts';
import { progressPrinter } from '../engine/progress.ts';
import { localLauncher, type WorkerLauncher } from '../engine/worker-channel.ts';
import { WorkerPool } from '../engine/worker-pool.ts';
import { createMonitors, MonitorSet } from '../monitors/index.ts';
import type { RoundResult } from '../stats/types.ts';
import { otherCheckoutFile } from './ab-checkout.ts';
import { type AbSide, CONTEXT_KEY, type LedgerbenchContext, OPTIONS_KEY } from './context.ts';
import { spoolRound } from './inflight-spool.ts';

let roundsInThisFile = 0;

/**
 * Local workers live across the rounds of a test file (one connection and module load per file, as
 * Caliper's workers live across a benchmark). Each file runs in its own process, whose end ends them;
 * the setup file closes the pool after the file's last test.
 */
let filePool: WorkerPool | undefined;
/** A/B mode: the other checkout's workers, kept apart so each side keeps its connection to its network. */
let otherPool: WorkerPool | undefined;

/** Ends the test file's pooled workers (called by the setup file after the file's tests). */
export async function closeWorkerPool(): Promise<void> {
  const pools = [filePool, otherPool];
  filePool = undefined;
  otherPool = undefined;
  await Promise.all(pools.map((p) => p?.close()));
}

/**
 * Round indexes restart at 0 in every test file (each file gets fresh modules), while the global
 * setup's runId is one per Vitest run. Keys derived from (runId, roundIndex, seq) would then repeat
 * across files, and across watch-mode reruns against the same network. A tag drawn once per file
 * execution keeps them unique.
 */
const fileTag = randomBytes(2).toString('hex');

function context(): LedgerbenchContext {
  const ctx = inject(CONTEXT_KEY);
  if (!ctx) {
    throw new Error("benchRound() runs only in a ledgerbench project: add ledgerbench({ network: 'networks/embedded.yaml' }) to test.projects in vitest.config.ts and run `npx vitest --project perf`");
  }
  return ctx;
}

/**
 * Runs one round with worker processes against the project's network and returns its figures. Bad
 * options throw before any worker starts; a fault mid-round (a worker crash, the network going away)
 * returns the figures measured so far with `aborted` saying why.
 *
 * @example
 * const r = await benchRound({ label: 'transfer', workers: 2, txDuration: 20,
 *   rateControl: { type: 'fixed-rate', opts: { tps: 200 } }, workload: './workloads/transfer.ts' });
 * expect(r).toHaveThroughputAbove(190);
 */
export async function benchRound(options: BenchRoundOptions): Promise<GatedRound> {
  const ctx = context();
  const testFile = TestRunner.getCurrentTest()?.file?.filepath ?? expect.getState().testPath ?? process.cwd();
  const spec = normalizeRound(options, { source: testFile, field: '', baseDir: dirname(testFile), roundIndex: roundsInThisFile++ });
  const repeat = repeatCount(options.repeat, testFile);
  if (repeat === 1) return runSpecInTest(spec, ctx, ctx.monitor, testFile);
  // Each repeat is a round of its own index, so its unique keys never collide with another repeat's.
  const nextSpec = (i: number) => (i === 0 ? spec : { ...spec, roundIndex: roundsInThisFile++ });
  const meta = TestRunner.getCurrentTest()?.meta;
  if (ctx.ab) return runAgainstOtherCheckout(repeat, spec, ctx, ctx.ab, testFile, meta);
  return runRepeats(repeat, (i) => runSpecInTest(nextSpec(i), ctx, ctx.monitor, testFile), meta);
}

/**
 * A/B mode: the round's repeats alternate between this checkout and the other one (its network, so
 * its chaincode, and its copy of the workload module). Both sides' fingerprints are taken relative
 * to their own root, so they match when the benchmark is the same.
 */
function runAgainstOtherCheckout(repeat: number, spec: RoundSpec, ctx: LedgerbenchContext, ab: AbSide, testFile: string, meta: RunnerTestCase['meta'] | undefined): Promise<GatedRound> {
  const workload = otherCheckoutFile(spec.workload.module, ab.root, 'workload module');
  const other: LedgerbenchContext = { ...ctx, network: ab.network, networkFile: ab.networkFile, networkProcesses: ab.networkProcesses, metricsUrls: ab.metricsUrls, checkoutRoot: ab.root, ab: undefined };
  let first = true;
  const indexed = (s: RoundSpec): RoundSpec => {
    if (first) {
      first = false;
      return s;
    }
    return { ...s, roundIndex: roundsInThisFile++ };
  };
  return runInterleaved(
    repeat,
    ab.root,
    (side) =>
      side === 'A'
        ? runSpecInTest(indexed(spec), ctx, ctx.monitor, testFile)
        : runSpecInTest(indexed({ ...spec, workload: { ...spec.workload, module: workload } }), other, ctx.monitor, testFile, undefined, (otherPool ??= new WorkerPool(localLauncher))),
    meta,
  );
}

/** `describe > test` names of a test, as the reports show where a round came from. */
function testPath(test: RunnerTestCase): string {
  const names = [test.name];
  // The file is a suite too (the one with a filepath); its name is the file's, shown apart.
  for (let s = test.suite; s && !('filepath' in s); s = s.suite) names.unshift(s.name);
  return names.join(' > ');
}

/**
 * Runs a validated round inside the current test and attaches its result for the reporter.
 * `monitorFile` is the file the round came from (test file or Caliper benchmark file).
 */
export async function runSpecInTest(spec: RoundSpec, ctx: LedgerbenchContext, monitorBlock: unknown, monitorFile: string, launcher?: WorkerLauncher, pool?: WorkerPool): Promise<RoundResult> {
  const warn = (message: string) => process.stderr.write(`[ledgerbench] warning: ${message}\n`);
  const monitors = monitorBlock === false ? undefined : new MonitorSet(createMonitors(monitorBlock, { file: monitorFile, warn, ownProcesses: ctx.networkProcesses, metricsUrls: ctx.metricsUrls }));
  const progress = progressPrinter();
  await monitors?.start();
  const test = TestRunner.getCurrentTest();
  const origin = { file: relative(process.cwd(), monitorFile) || monitorFile, test: test ? testPath(test) : undefined };
  // Ctrl-C reaches this test process too (the terminal signals the whole group): rather than die with
  // the round half done, stop it, keep its figures for the reporter, then let the signal take effect.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort('interrupted (Ctrl-C)');
  process.once('SIGINT', onSigint);
  const testSignal = test?.context?.signal;
  try {
    const result = await runRound(spec, {
      network: ctx.network,
      runId: `${ctx.runId}${fileTag}`,
      monitors,
      onProgress: progress.update,
      launcher,
      pool: launcher ? undefined : (pool ?? (filePool ??= new WorkerPool(localLauncher))),
      // Vitest aborts it on a test timeout, a cancelled run and under --bail: the round stops and keeps its figures.
      signal: testSignal ? AbortSignal.any([testSignal, interrupt.signal]) : interrupt.signal,
      networkProcesses: ctx.networkProcesses,
      origin,
    });
    // What toBeWithinBaseline() checks a baseline against: the definition this round measured.
    Object.assign(result, { fingerprint: roundFingerprint(spec, ctx.networkFile, ctx.checkoutRoot) });
    if (test) test.meta.ledgerbench = [...(test.meta.ledgerbench ?? []), result];
    if (interrupt.signal.aborted) {
      spoolRound(inject(OPTIONS_KEY).resultsDir, result);
      process.off('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
    }
    return result;
  } finally {
    process.off('SIGINT', onSigint);
    progress.done();
    await monitors?.stop();
  }
}
