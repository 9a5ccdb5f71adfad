/** Writes a run's reports to disk and to the CI step summary. */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { redact } from './redact.ts';
import type { RunReport } from './types.ts';

/** Paths of the files writeReports() wrote (absolute). */
export interface WrittenReports {
  json: string;
  html: string;
  markdown: string;
}

/**
 * Writes results.json (the RunReport, pretty-printed, its config redacted once more), report.html and
 * summary.md into `dir` (created with its parents). When $GITHUB_STEP_SUMMARY names a file, the
 * summary is appended to it too, pointing at the HTML report relative to the working directory, where
 * CI jobs upload artifacts from.
 */
export async function writeReports(report: RunReport, dir: string): Promise<WrittenReports> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const safe: RunReport = { ...report, config: redact(report.config ?? {}) };
  const paths: WrittenReports = { json: join(root, 'results.json'), html: join(root, 'report.html'), markdown: join(root, 'summary.md') };
  await writeFile(paths.json, `${JSON.stringify(safe, null, 2)}\n`);
  await writeFile(paths.html, renderHtml(safe));
  // summary.md sits next to report.html, so its link is the bare file name.
  await writeFile(paths.markdown, renderMarkdown(safe, { htmlPath: 'report.html' }));
  const stepSummary = process.env.GITHUB_STEP_SUMMARY;
  if (stepSummary) {
    const rel = relative(process.cwd(), paths.html) || paths.html;
    await appendFile(stepSummary, `${renderMarkdown(safe, { htmlPath: rel })}\n`);
  }
  return paths;
}
