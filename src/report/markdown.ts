/** The short summary for CI pages ($GITHUB_STEP_SUMMARY) and pull-request comments. */
import type { RoundResult } from '../stats/types.ts';
import { baselineMarkdown } from './baseline.ts';
import { FROM_HEADER, ROUND_TABLE_HEADERS, unsettledLines } from './console.ts';
import { duration, ms, oneLine, originText, tps } from './format.ts';
import type { RunReport } from './types.ts';
import { failedExpectations, type RoundVerdict, roundVerdict, secondsBetween, tally } from './verdict.ts';

/** Options of renderMarkdown(). */
export interface MarkdownOptions {
  /** Path of the HTML report as the reader should find it (relative); default `report.html`. */
  htmlPath?: string;
}

const MARK: Record<RoundVerdict, string> = { pass: '✅ pass', fail: '❌ fail', aborted: '⚠️ aborted', none: '–' };

/**
 * User text for a Markdown table cell or list item: one line, HTML entities for what GitHub would
 * read as markup, backslashes before Markdown punctuation (a `|` would split the cell).
 */
export function mdText(text: string): string {
  return oneLine(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#!])/g, '\\$1')
    .trim();
}

function latencyCells(r: RoundResult): string[] {
  const l = r.latency;
  if (!l || l.count === 0) return ['-', '-', '-'];
  return [ms(l.max), ms(l.min), ms(l.avg)];
}

function row(r: RoundResult, test: number, withFrom: boolean): string {
  const l = r.latency;
  const has = l && l.count > 0;
  const cells = [
    MARK[roundVerdict(r)],
    String(test),
    mdText(r.label) + (r.aborted ? ' (aborted)' : ''),
    String(r.succeeded),
    String(r.failed),
    tps(r.sendRate),
    ...latencyCells(r),
    tps(r.throughput),
    has ? ms(l.p95) : '-',
    has ? ms(l.p99) : '-',
    ...(withFrom ? [mdText(originText(r.origin)) || '-'] : []),
  ];
  return `| ${cells.join(' | ')} |`;
}

/**
 * A GitHub-flavoured Markdown summary: a heading with the pass/fail count, the round table with a
 * result mark per round (Test numbers the rounds in run order, as the console's run table does; From
 * names each round's test file and test), the failing expectations and aborted rounds, unfinished and
 * interrupted transactions, and where the HTML report is.
 */
export function renderMarkdown(report: RunReport, opts: MarkdownOptions = {}): string {
  const { passed, failed } = tally(report.rounds);
  const lines: string[] = [];
  const verdict = failed > 0 ? `❌ ${failed} of ${report.rounds.length} rounds failed` : `✅ ${passed} of ${report.rounds.length} rounds passed`;
  lines.push(`## ledgerbench: ${mdText(report.name)}`, '');
  lines.push(`${verdict} · started ${mdText(report.startedAt)} · took ${duration(secondsBetween(report.startedAt, report.finishedAt))} · latency in ms, rates in TPS`, '');
  const stop = report.interrupted;
  if (stop) {
    const running = stop.tests?.length ? `; still running: ${stop.tests.map(mdText).join(', ')}` : '';
    lines.push(`⚠️ Run interrupted (${mdText(stop.reason)}): these are the rounds measured until then (a round cut short is marked aborted)${running}.`, '');
  }
  const withFrom = report.rounds.some((r) => r.origin);
  const headers = ['Result', ...ROUND_TABLE_HEADERS, ...(withFrom ? [FROM_HEADER] : [])];
  lines.push(`| ${headers.join(' | ')} |`);
  lines.push(`| ${headers.map((h) => (h === 'Result' || h === 'Name' || h === FROM_HEADER ? '---' : '---:')).join(' | ')} |`);
  report.rounds.forEach((r, i) => lines.push(row(r, i + 1, withFrom)));
  const problems: string[] = [];
  const unsettled: string[] = [];
  report.rounds.forEach((r, i) => {
    const name = `**${i + 1} ${mdText(r.label)}**`;
    if (r.aborted) problems.push(`- ${name} aborted: ${mdText(r.aborted.reason)}`);
    for (const e of failedExpectations(r)) {
      problems.push(`- ${name} ${mdText(e.matcher)}: expected ${mdText(e.expected)}, actual ${mdText(e.actual)}`);
    }
    for (const line of unsettledLines(r)) unsettled.push(`- ${name} ${mdText(line)}`);
  });
  if (problems.length > 0) lines.push('', '### Failing expectations', '', ...problems);
  if (unsettled.length > 0) lines.push('', '### Unsettled transactions', '', ...unsettled);
  lines.push(...baselineMarkdown(report.rounds));
  lines.push('', `HTML report: ${mdText(opts.htmlPath ?? 'report.html')}`, '');
  return lines.join('\n');
}
