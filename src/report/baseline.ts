/**
 * A round beside its baseline, as text: the lines under a round in the terminal and the matcher's
 * message, and the Markdown section of summary.md. Each metric reads
 * `throughput -12.8% [-15.0% .. -11.0%] allowed -5%: regression (median 872.0 vs 1000.0)`.
 */
import type { BaselineComparison, GatedRound, MetricComparison } from '../baseline/types.ts';
import { mdText } from './markdown.ts';

/** A ratio as a signed change: 0.872 -> `-12.8%`. */
export const signed = (ratio: number) => {
  const pct = (ratio - 1) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
};

/** Digits a metric's medians are shown with. */
export const metricDigits = (metric: MetricComparison['metric']) => (metric === 'successRate' ? 4 : metric === 'throughput' ? 1 : 2);

/** One metric's comparison on one line. */
export function metricLine(c: MetricComparison): string {
  const interval = c.interval ? ` [${signed(c.interval[0])} .. ${signed(c.interval[1])}]` : '';
  const digits = metricDigits(c.metric);
  return `${c.metric} ${signed(c.ratio)}${interval} allowed ${c.margin}: ${c.verdict} (median ${c.candidateMedian.toFixed(digits)} vs ${c.baselineMedian.toFixed(digits)})`;
}

/** What the comparison was made against: `ledgerbench-baseline.json (recorded ..., 5 repeats; this run 5)`. */
export function baselineSource(b: BaselineComparison): string {
  if (b.against) return `the other checkout ${b.file} (measured in this run, ${b.baselineRepeats} repeats interleaved ${b.against.order}; this run ${b.candidateRepeats} repeats)`;
  const when = b.recordedAt ? `recorded ${b.recordedAt}, ${b.baselineRepeats} repeats; ` : '';
  return `${b.file} (${when}this run ${b.candidateRepeats} repeats)`;
}

/** The headline of a comparison: its verdict in a few words. */
export function baselineHeadline(b: BaselineComparison): string {
  switch (b.status) {
    case 'missing':
      return 'no baseline';
    case 'recorded':
      return 'baseline recorded';
    case 'different definition':
      return 'baseline from a different definition, not compared';
    default: {
      const regressions = b.metrics.filter((m) => m.verdict === 'regression').length;
      const improvements = b.metrics.filter((m) => m.verdict === 'improvement').length;
      if (regressions > 0) return `regression in ${regressions} of ${b.metrics.length} figures`;
      if (!b.pass) return 'not enough repeats to compare';
      return improvements > 0 ? `within the baseline, ${improvements} improved` : 'within the baseline';
    }
  }
}

/** Lines under a round in the terminal; empty when the round was not compared with a baseline. */
export function baselineLines(r: GatedRound): string[] {
  const b = r.baseline;
  if (!b) return [];
  return [`baseline: ${baselineHeadline(b)}, against ${baselineSource(b)}`, ...b.metrics.map((m) => `  ${metricLine(m)}`), ...(b.differences ?? []).map((d) => `  differs: ${d}`)];
}

const MARK: Record<MetricComparison['verdict'], string> = { regression: '❌ regression', improvement: '🚀 improvement', 'within margin': '✅ within margin', 'no change': '✅ ~', 'too few repeats': '⚠️ too few repeats' };

/** summary.md's section: one row per compared metric of every round; empty when none was compared. */
export function baselineMarkdown(rounds: GatedRound[]): string[] {
  const rows: string[] = [];
  rounds.forEach((r, i) => {
    const b = r.baseline;
    if (!b) return;
    const name = `${i + 1} ${mdText(r.label)}`;
    if (b.metrics.length === 0) rows.push(`| ${name} | - | - | - | - | ${mdText(baselineHeadline(b))} |`);
    for (const m of b.metrics) {
      const interval = m.interval ? `${signed(m.interval[0])} .. ${signed(m.interval[1])}` : '-';
      rows.push(`| ${name} | ${m.metric} | ${signed(m.ratio)} | ${interval} | ${mdText(m.margin)} | ${MARK[m.verdict]} |`);
    }
  });
  if (rows.length === 0) return [];
  const source = rounds.map((r) => r.baseline).find(Boolean);
  return ['', '### Against the baseline', '', `Change of the candidate against ${mdText(source ? baselineSource(source) : '')}; interval: 90% (each end a one-sided 95% bound).`, '', '| Round | Figure | Change | Interval | Allowed | Verdict |', '| --- | --- | ---: | ---: | ---: | --- |', ...rows];
}
