/** The short summary for CI pages ($GITHUB_STEP_SUMMARY) and pull-request comments. */
import type { RoundResult } from '../stats/types.ts';
import { ROUND_TABLE_HEADERS } from './console.ts';
import { duration, ms, oneLine, tps } from './format.ts';
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

function row(r: RoundResult): string {
  const l = r.latency;
  const has = l && l.count > 0;
  const cells = [
    MARK[roundVerdict(r)],
    String(r.roundIndex + 1),
    mdText(r.label) + (r.aborted ? ' (aborted)' : ''),
    String(r.succeeded),
    String(r.failed),
    tps(r.sendRate),
    ...latencyCells(r),
    tps(r.throughput),
    has ? ms(l.p95) : '-',
    has ? ms(l.p99) : '-',
  ];
  return `| ${cells.join(' | ')} |`;
}

/**
 * A GitHub-flavoured Markdown summary: a heading with the pass/fail count, the round table with a
 * result mark per round, the failing expectations and aborted rounds, and where the HTML report is.
 */
export function renderMarkdown(report: RunReport, opts: MarkdownOptions = {}): string {
  const { passed, failed } = tally(report.rounds);
  const lines: string[] = [];
  const verdict = failed > 0 ? `❌ ${failed} of ${report.rounds.length} rounds failed` : `✅ ${passed} of ${report.rounds.length} rounds passed`;
  lines.push(`## ledgerbench: ${mdText(report.name)}`, '');
  lines.push(`${verdict} · started ${mdText(report.startedAt)} · took ${duration(secondsBetween(report.startedAt, report.finishedAt))} · latency in ms, rates in TPS`, '');
  const headers = ['Result', ...ROUND_TABLE_HEADERS];
  lines.push(`| ${headers.join(' | ')} |`);
  lines.push(`| ${headers.map((h) => (h === 'Result' || h === 'Name' ? '---' : '---:')).join(' | ')} |`);
  for (const r of report.rounds) lines.push(row(r));
  const problems: string[] = [];
  for (const r of report.rounds) {
    const name = `**${r.roundIndex + 1} ${mdText(r.label)}**`;
    if (r.aborted) problems.push(`- ${name} aborted: ${mdText(r.aborted.reason)}`);
    for (const e of failedExpectations(r)) {
      problems.push(`- ${name} ${mdText(e.matcher)}: expected ${mdText(e.expected)}, actual ${mdText(e.actual)}`);
    }
  }
  if (problems.length > 0) lines.push('', '### Failing expectations', '', ...problems);
  lines.push('', `HTML report: ${mdText(opts.htmlPath ?? 'report.html')}`, '');
  return lines.join('\n');
}
