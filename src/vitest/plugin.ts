/**
 * `ledgerbench()` for vitest.config.ts: returns a Vitest project that runs benchmark files against a
 * network brought up once by its global setup, with ledgerbench's matchers and reporter.
 */
import { resolve } from 'node:path';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import type { Vite } from 'vitest/node';
import { DEFAULT_BASELINE_FILE, updateMode } from '../baseline/store.ts';
import type { BaselineSettings } from '../baseline/types.ts';
import { siblingModule } from '../module-path.ts';
import { AB_ENV, checkAbRoot } from './ab-checkout.ts';
import { BASELINE_KEY } from './baseline-matcher.ts';
import { LedgerbenchReporter } from './reporter.ts';

export interface LedgerbenchPluginOptions {
  /** Project name (default `perf`): `npx vitest --project perf`. */
  name?: string;
  /** Network file (default `networks/embedded.yaml`), relative to the current folder. */
  network?: string;
  /** Benchmark files (default `perf/**\/*.perf.ts`). */
  include?: string[];
  /**
   * Caliper-style `monitor:` block for every round; `false` for no monitoring. Default: ledgerbench's
   * workers and the network's own processes and /metrics.
   */
  monitor?: unknown;
  /** Where results go (default `ledgerbench-results`). */
  resultsDir?: string;
  /** Timeout of each benchmark test in ms (default 30 minutes; Caliper-file tests set their own). */
  testTimeout?: number;
  /**
   * Baseline file of toBeWithinBaseline() (default `ledgerbench-baseline.json`), relative to the
   * current folder; written by `vitest -u` or LEDGERBENCH_UPDATE_BASELINE=1.
   */
  baseline?: string;
  /**
   * A/B mode: the root of another checkout of the project (default: LEDGERBENCH_AB). Rounds with
   * `repeat: n` then also run n times against the other checkout's chaincode and workload, interleaved
   * with this checkout's, and toBeWithinBaseline() compares with those instead of the baseline file.
   */
  ab?: string;
}


/** A Vitest project for benchmarks. */
export function ledgerbench(options: LedgerbenchPluginOptions = {}): TestProjectInlineConfiguration {
  const name = options.name ?? 'perf';
  const network = resolve(options.network ?? 'networks/embedded.yaml');
  const resultsDir = resolve(options.resultsDir ?? 'ledgerbench-results');
  const abRoot = options.ab ?? process.env[AB_ENV];
  const ab = abRoot ? checkAbRoot(abRoot, options.ab ? 'ledgerbench({ ab })' : AB_ENV) : undefined;
  const baseline: BaselineSettings = { path: resolve(options.baseline ?? DEFAULT_BASELINE_FILE), update: 'none' };
  const reporter = new LedgerbenchReporter({ name, resultsDir, networkFile: network, baseline });
  const plugin: Vite.Plugin = {
    name: 'ledgerbench',
    configureVitest({ vitest, project }) {
      // `-u` / `--update` reach only the resolved config; the matcher in the test files gets them here.
      baseline.update = updateMode(vitest.config.update);
      project.provide(BASELINE_KEY, { ...baseline });
      // Reporters are global in Vitest; a project adds its own here.
      vitest.config.reporters.push(reporter);
    },
  };
  return {
    plugins: [plugin],
    test: {
      name,
      include: options.include ?? ['perf/**/*.perf.ts'],
      globalSetup: [siblingModule(import.meta.url, './global-setup')],
      setupFiles: [siblingModule(import.meta.url, './setup-file')],
      provide: { 'ledgerbench:options': { network, monitor: options.monitor, resultsDir, ...(ab ? { ab } : {}) } },
      // Rounds must never compete for cores: one file at a time, one test at a time.
      fileParallelism: false,
      sequence: { concurrent: false },
      pool: 'forks',
      testTimeout: options.testTimeout ?? 30 * 60_000,
      hookTimeout: 5 * 60_000,
    },
  };
}

export default ledgerbench;
