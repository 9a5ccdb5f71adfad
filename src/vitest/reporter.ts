/**
 * The ledgerbench Vitest reporter: prints Caliper's tables as rounds finish, and at the end of the run
 * writes results.json, report.html and summary.md and prints where they are. An interrupted run
 * (Ctrl-C, SIGTERM, a cancelled run) still writes the rounds that finished, as `ledgerbench run` does.
 */
import { join } from 'node:path';
import type { Reporter, TestCase, TestModule, TestRunEndReason } from 'vitest/node';
import { recordBaselines } from '../baseline/record.ts';
import type { BaselineSettings } from '../baseline/types.ts';
import { readYamlFile } from '../config/yaml.ts';
import { baselineLines } from '../report/baseline.ts';
import { environmentInfo, originText, redact, resourceTable, roundDetails, roundTable, type WrittenReports, writeReports, writeReportsSync, writtenReportLines } from '../report/index.ts';
import type { RunReport } from '../report/types.ts';
import type { RoundResult } from '../stats/types.ts';
import { toolVersion } from '../version.ts';
import { collectSpooledRounds } from './inflight-spool.ts';

export interface ReporterOptions {
  /** Project name, used as the benchmark name. */
  name: string;
  /** Folder under which each run gets its own timestamped folder. */
  resultsDir: string;
  /** Network file, included (redacted) in the report. */
  networkFile: string;
  /** Baseline file and update mode (the plugin sets the mode once Vitest has resolved `-u`). */
  baseline?: BaselineSettings;
}

/** Rounds without repeats: a spooled round may also have reached Vitest through the test's meta. */
function uniqueRounds(rounds: RoundResult[]): RoundResult[] {
  const seen = new Set<string>();
  return rounds.filter((r) => {
    const key = `${r.origin?.file}|${r.origin?.test}|${r.roundIndex}|${r.startedAt}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Signals after which Vitest exits within a millisecond (its logger's exit handler), without onTestRunEnd. */
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export class LedgerbenchReporter implements Reporter {
  private readonly options: ReporterOptions;
  private rounds: RoundResult[] = [];
  private startedAt = new Date();
  /** Tests of this project that started and have not finished, by id. */
  private readonly running = new Map<string, TestCase>();
  /** Test files of this project that started and have not finished, by id. */
  private readonly modules = new Map<string, TestModule>();
  /**
   * Tests whose rounds were taken. The plugin adds this reporter from a hook that can run more than
   * once for one Vitest (the programmatic API does), and then every event arrives twice.
   */
  private readonly reported = new Set<string>();
  /** Set once this run's reports are written, so an interrupt and the run's end never write twice. */
  private written = false;
  private readonly onSignal = (signal: NodeJS.Signals) => this.writeOnSignal(signal);

  constructor(options: ReporterOptions) {
    this.options = options;
  }

  onTestRunStart(): void {
    this.rounds = [];
    this.running.clear();
    this.modules.clear();
    this.reported.clear();
    this.written = false;
    this.startedAt = new Date();
    // Listeners run in order and synchronously: Vitest's own handler only schedules the exit, so the
    // synchronous writes in ours finish before the process ends.
    for (const s of EXIT_SIGNALS) {
      process.off(s, this.onSignal);
      process.on(s, this.onSignal);
    }
  }

  onTestModuleStart(module: TestModule): void {
    if (module.project.name === this.options.name) this.modules.set(module.id, module);
  }

  onTestModuleEnd(module: TestModule): void {
    this.modules.delete(module.id);
  }

  onTestCaseReady(testCase: TestCase): void {
    if (testCase.project.name === this.options.name) this.running.set(testCase.id, testCase);
  }

  /**
   * Tests running at an interrupt. Vitest's worker sends "test started" in throttled batches and can
   * hold one back until the next event, so a started file's first unfinished test counts too: a
   * ledgerbench project runs one file and one test at a time.
   */
  private stillRunning(): TestCase[] {
    const found = new Map<string, TestCase>();
    for (const t of this.running.values()) if (!this.reported.has(t.id)) found.set(t.id, t);
    for (const m of this.modules.values()) {
      const next = [...m.children.allTests()].find((t) => !this.reported.has(t.id) && t.result().state === 'pending');
      if (next && ![...found.values()].some((t) => t.module.id === m.id)) found.set(next.id, next);
    }
    return [...found.values()];
  }

  onTestCaseResult(testCase: TestCase): void {
    // Reporters are global: with several ledgerbench projects in one config, each sees every test.
    if (testCase.project.name !== this.options.name || this.reported.has(testCase.id)) return;
    this.reported.add(testCase.id);
    this.running.delete(testCase.id);
    const rounds = roundsOf(testCase);
    if (rounds.length === 0) return;
    // Test numbers count the run's rounds in order, as the run's table and summary.md do.
    const first = this.rounds.length + 1;
    this.rounds.push(...rounds);
    const color = Boolean(process.stdout.isTTY);
    const out = [roundTable(rounds, { color, firstTest: first })];
    rounds.forEach((r, i) => {
      const resources = r.resources?.length ? resourceTable(r, { color }) : '';
      const details = roundDetails(r, { color, test: first + i });
      if (resources) out.push(resources);
      if (details) out.push(details);
      out.push(...baselineLines(r));
    });
    process.stdout.write(`\n${testCase.fullName}\n${out.join('\n')}\n`);
  }

  async onTestRunEnd(_modules: ReadonlyArray<TestModule>, _errors: ReadonlyArray<unknown> = [], reason: TestRunEndReason = 'passed'): Promise<void> {
    for (const s of EXIT_SIGNALS) process.off(s, this.onSignal);
    if (this.written) return;
    // A cancelled run (watch-mode Ctrl-C, --bail, cancelCurrentRun) waits for the running tests, so
    // their rounds, aborted or not, have been reported by now.
    const report = this.report(reason === 'interrupted' ? { reason: 'the Vitest run was cancelled' } : undefined);
    if (!report) return;
    this.written = true;
    const paths = await writeReports(report, this.folder(report));
    this.printEnd(report, paths);
    const recorded = this.options.baseline && recordBaselines(report.rounds, this.options.baseline, reason === 'interrupted');
    if (recorded) process.stdout.write(`${recorded}\n`);
  }

  /**
   * Ctrl-C or SIGTERM: Vitest exits a millisecond after its own handler, without onTestRunEnd. Writes
   * the rounds that finished (also those of a test still running, as far as Vitest has been told)
   * synchronously, names the tests still running, and prints the table and the paths.
   */
  private writeOnSignal(signal: NodeJS.Signals): void {
    for (const s of EXIT_SIGNALS) process.off(s, this.onSignal);
    if (this.written) return;
    const still = this.stillRunning();
    for (const t of still) this.rounds.push(...roundsOf(t));
    // The rounds those tests were running: their processes stop them and spool them (inflight-spool.ts).
    if (still.length) this.rounds = uniqueRounds([...this.rounds, ...collectSpooledRounds(this.options.resultsDir, still.length)]);
    const report = this.report({ reason: signal, tests: still.map((t) => originText({ file: t.module.moduleId, test: t.fullName })) });
    if (!report) {
      process.stdout.write(`\nledgerbench: ${this.options.name} interrupted (${signal}) before any round finished; nothing written\n`);
      return;
    }
    this.written = true;
    try {
      const paths = writeReportsSync(report, this.folder(report));
      this.printEnd(report, paths);
    } catch (err) {
      process.stderr.write(`ledgerbench: could not write the results of the interrupted run: ${(err as Error).message}\n`);
    }
  }

  /** The RunReport of the rounds so far, or null when there is none. */
  private report(interrupted: RunReport['interrupted']): RunReport | null {
    if (this.rounds.length === 0) return null;
    return {
      schemaVersion: 1,
      tool: 'ledgerbench',
      toolVersion: toolVersion(),
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      name: this.options.name,
      rounds: this.rounds,
      ...(interrupted ? { interrupted } : {}),
      config: { network: redact(safeRead(this.options.networkFile)) },
      environment: environmentInfo(),
    };
  }

  private folder(report: RunReport): string {
    return claimFolder(join(this.options.resultsDir, report.finishedAt.replace(/[:.]/g, '-')), this.options.name);
  }

  private printEnd(report: RunReport, paths: WrittenReports): void {
    const color = Boolean(process.stdout.isTTY);
    const stop = report.interrupted;
    const note = stop ? `ledgerbench: run interrupted (${stop.reason}); the rounds measured until then (a round cut short is marked aborted):\n` : '';
    process.stdout.write(`\nledgerbench: all rounds of ${this.options.name}\n${note}${roundTable(report.rounds, { color, firstTest: 1 })}\n`);
    if (stop?.tests?.length) process.stdout.write(`ledgerbench: still running at the interrupt: ${stop.tests.join(', ')}\n`);
    process.stdout.write(`${writtenReportLines(paths, 'ledgerbench: ')}\n`);
  }
}

/**
 * Rounds a test ran, with where they came from: benchRound() and caliperBenchmark() name their test,
 * and a round that does not gets its test case's file and full name here.
 */
function roundsOf(testCase: TestCase): RoundResult[] {
  const rounds = testCase.meta().ledgerbench ?? [];
  return rounds.map((r) => (r.origin ? r : { ...r, origin: { file: testCase.module.moduleId, test: testCase.fullName } }));
}

/**
 * Results folders claimed in this process. Vitest ends all reporters at once, so two ledgerbench
 * projects sharing the default resultsDir can reach the same millisecond; the second gets its
 * project name appended instead of overwriting the first one's files.
 */
const claimed = new Set<string>();

function claimFolder(dir: string, project: string): string {
  const unique = claimed.has(dir) ? `${dir}-${project}` : dir;
  claimed.add(unique);
  return unique;
}

function safeRead(file: string): unknown {
  try {
    return readYamlFile(file);
  } catch {
    return { file };
  }
}
