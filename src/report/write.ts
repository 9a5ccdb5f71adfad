/** Writes a run's reports to disk and to the CI step summary. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { RoundResult } from '../stats/types.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { redact } from './redact.ts';
import { safeFailureSamples } from './samples.ts';
import type { RunReport } from './types.ts';

/** Paths of the files writeReports() wrote (absolute). */
export interface WrittenReports {
  json: string;
  html: string;
  markdown: string;
}

/** A file to write: where, and what. */
interface ReportFile {
  path: string;
  text: string;
}

function safeRound(r: RoundResult): RoundResult {
  return r.failureSamples ? { ...r, failureSamples: safeFailureSamples(r.failureSamples) } : r;
}

/** The three files of a report, and the step-summary text when $GITHUB_STEP_SUMMARY names a file. */
function reportFiles(report: RunReport, dir: string): { paths: WrittenReports; files: ReportFile[]; stepSummary?: ReportFile } {
  const root = resolve(dir);
  const safe: RunReport = { ...report, config: redact(report.config ?? {}), rounds: report.rounds.map(safeRound) };
  const paths: WrittenReports = { json: join(root, 'results.json'), html: join(root, 'report.html'), markdown: join(root, 'summary.md') };
  const files: ReportFile[] = [
    { path: paths.json, text: `${JSON.stringify(safe, null, 2)}\n` },
    { path: paths.html, text: renderHtml(safe) },
    // summary.md sits next to report.html, so its link is the bare file name.
    { path: paths.markdown, text: renderMarkdown(safe, { htmlPath: 'report.html' }) },
  ];
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (!summaryFile) return { paths, files };
  const rel = relative(process.cwd(), paths.html) || paths.html;
  return { paths, files, stepSummary: { path: summaryFile, text: `${renderMarkdown(safe, { htmlPath: rel })}\n` } };
}

/**
 * Writes results.json (the RunReport, pretty-printed, its config redacted once more and its failure
 * samples held to their limits), report.html and summary.md into `dir` (created with its parents).
 * When $GITHUB_STEP_SUMMARY names a file, the summary is appended to it too, pointing at the HTML
 * report relative to the working directory, where CI jobs upload artifacts from.
 */
export async function writeReports(report: RunReport, dir: string): Promise<WrittenReports> {
  const { paths, files, stepSummary } = reportFiles(report, dir);
  await mkdir(resolve(dir), { recursive: true });
  for (const f of files) await writeFile(f.path, f.text);
  if (stepSummary) await appendFile(stepSummary.path, stepSummary.text);
  return paths;
}

/**
 * writeReports() without awaiting: for a process that is about to exit (Vitest leaves a millisecond
 * after Ctrl-C), where an asynchronous write would never finish.
 */
export function writeReportsSync(report: RunReport, dir: string): WrittenReports {
  const { paths, files, stepSummary } = reportFiles(report, dir);
  mkdirSync(resolve(dir), { recursive: true });
  for (const f of files) writeFileSync(f.path, f.text);
  if (stepSummary) appendFileSync(stepSummary.path, stepSummary.text);
  return paths;
}

/**
 * The lines that tell a user where the reports are, paths relative to `cwd`, each after `prefix`:
 * `results .../results.json`, `report  .../report.html`, `summary .../summary.md`.
 */
export function writtenReportLines(paths: WrittenReports, prefix = '', cwd = process.cwd()): string {
  const rel = (p: string) => relative(cwd, p) || p;
  return [`${prefix}results ${rel(paths.json)}`, `${prefix}report  ${rel(paths.html)}`, `${prefix}summary ${rel(paths.markdown)}`].join('\n');
}
