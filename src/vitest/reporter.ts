/**
 * The ledgerbench Vitest reporter: prints Caliper's tables as rounds finish, and at the end of the run
 * writes results.json, report.html and summary.md and prints where they are.
 */
import { join, relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { readYamlFile } from '../config/yaml.ts';
import { environmentInfo, redact, resourceTable, roundDetails, roundTable, writeReports } from '../report/index.ts';
import type { RunReport } from '../report/types.ts';
import type { RoundResult } from '../stats/types.ts';
import { toolVersion } from '../version.ts';

export interface ReporterOptions {
  /** Project name, used as the benchmark name. */
  name: string;
  /** Folder under which each run gets its own timestamped folder. */
  resultsDir: string;
  /** Network file, included (redacted) in the report. */
  networkFile: string;
}

export class LedgerbenchReporter implements Reporter {
  private readonly options: ReporterOptions;
  private rounds: RoundResult[] = [];
  private startedAt = new Date();

  constructor(options: ReporterOptions) {
    this.options = options;
  }

  onTestRunStart(): void {
    this.rounds = [];
    this.startedAt = new Date();
  }

  onTestCaseResult(testCase: TestCase): void {
    // Reporters are global: with several ledgerbench projects in one config, each sees every test.
    if (testCase.project.name !== this.options.name) return;
    const rounds = testCase.meta().ledgerbench;
    if (!rounds?.length) return;
    this.rounds.push(...rounds);
    const color = Boolean(process.stdout.isTTY);
    const out = [roundTable(rounds, { color })];
    for (const r of rounds) {
      const resources = r.resources?.length ? resourceTable(r, { color }) : '';
      const details = roundDetails(r, { color });
      if (resources) out.push(resources);
      if (details) out.push(details);
    }
    process.stdout.write(`\n${testCase.fullName}\n${out.join('\n')}\n`);
  }

  async onTestRunEnd(_modules: ReadonlyArray<TestModule>): Promise<void> {
    if (this.rounds.length === 0) return;
    const finishedAt = new Date();
    const report: RunReport = {
      schemaVersion: 1,
      tool: 'ledgerbench',
      toolVersion: toolVersion(),
      startedAt: this.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      name: this.options.name,
      rounds: this.rounds,
      config: { network: redact(safeRead(this.options.networkFile)) },
      environment: environmentInfo(),
    };
    const dir = claimFolder(join(this.options.resultsDir, finishedAt.toISOString().replace(/[:.]/g, '-')), this.options.name);
    const paths = await writeReports(report, dir);
    const color = Boolean(process.stdout.isTTY);
    // Round indexes restart in every test file; the run's summary numbers its rows in run order.
    const numbered = this.rounds.map((r, i) => ({ ...r, roundIndex: i }));
    process.stdout.write(`\nledgerbench: all rounds of ${this.options.name}\n${roundTable(numbered, { color })}\n`);
    process.stdout.write(`ledgerbench: results ${relative(process.cwd(), paths.json)}\nledgerbench: report  ${relative(process.cwd(), paths.html)}\n`);
  }
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
