/**
 * The HTML report: one self-contained file (inline CSS, inline uPlot, inline data) that opens from
 * file:// and fetches nothing; a Content-Security-Policy with `default-src 'none'` makes sure of it.
 *
 * Charts use uPlot rather than hand-written SVG: it draws thousands of per-second points cheaply on a
 * canvas, and its hover legend reads exact values off every line, which is what one does with a
 * benchmark chart. Tables and text are rendered here, escaped; the page's script only draws charts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatedRound } from '../baseline/types.ts';
import type { ExpectationOutcome, LatencyStats, RoundResult } from '../stats/types.ts';
import { baselineHeadline, baselineSource, metricDigits, signed } from './baseline.ts';
import { type ChartSpec, roundCharts } from './charts.ts';
import { ROUND_TABLE_HEADERS, unsettledLines } from './console.ts';
import { bytes, count, duration, ms, originText, percent, tps } from './format.ts';
import { metricValues, shownMetrics } from './metrics.ts';
import { packageDir, REPORT_DIR } from './packages.ts';
import { redact } from './redact.ts';
import { safeFailureSamples } from './samples.ts';
import type { RunReport } from './types.ts';
import { type RoundVerdict, roundVerdict, secondsBetween, tally } from './verdict.ts';

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values (one pass: configurations run to MiB). */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ENTITY[ch]);
}

/**
 * JSON for a `<script type="application/json">` element: `<` escaped so no `</script>` or `<!--` in
 * user data can end the element early; the line separators that old parsers choke on escaped too.
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

interface Assets {
  uplotJs: string;
  uplotCss: string;
  js: string;
  css: string;
}

let assets: Assets | null = null;

/** uPlot and our own CSS/JS, read once per process at the first render. */
function loadAssets(): Assets {
  if (assets) return assets;
  const uplot = packageDir('uplot');
  if (!uplot) throw new Error('ledgerbench: the uplot package is not installed; the HTML report inlines it (npm install uplot)');
  const read = (file: string) => readFileSync(file, 'utf8');
  assets = {
    uplotJs: read(join(uplot, 'dist', 'uPlot.iife.min.js')),
    uplotCss: read(join(uplot, 'dist', 'uPlot.min.css')),
    js: read(join(REPORT_DIR, 'assets', 'report.js')),
    css: read(join(REPORT_DIR, 'assets', 'report.css')),
  };
  return assets;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** A script element whose text cannot end early; a `</script` inside would be a bug in an asset. */
function inlineScript(text: string): string {
  if (/<\/script/i.test(text)) throw new Error('ledgerbench: an inline script contains </script');
  return `<script>${text}</script>`;
}

const VERDICT_TEXT: Record<RoundVerdict, string> = { pass: 'pass', fail: 'fail', aborted: 'aborted', none: 'no expectations' };

function badge(v: RoundVerdict): string {
  return `<span class="badge ${v}">${VERDICT_TEXT[v]}</span>`;
}

/** `2026-11-22T10:00:00.000Z` as `2026-11-22 10:00:00 UTC`; other text unchanged. */
function when(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(iso) ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC') : iso;
}

type Cell = { html: string; num?: boolean; wrap?: boolean; cls?: string };
const txt = (value: unknown, opts: Omit<Cell, 'html'> = {}): Cell => ({ html: esc(value), ...opts });
const num = (value: string): Cell => ({ html: esc(value), num: true });

function table(headers: Array<string | { text: string; num?: boolean }>, rows: Cell[][], cls = ''): string {
  const th = headers
    .map((h) => (typeof h === 'string' ? { text: h, num: false } : h))
    .map((h) => `<th${h.num ? ' class="num"' : ''}>${esc(h.text)}</th>`)
    .join('');
  const body = rows
    .map((r) => {
      const tds = r.map((c) => {
        const classes = [c.num ? 'num' : '', c.wrap ? 'wrap' : '', c.cls ?? ''].filter(Boolean).join(' ');
        return `<td${classes ? ` class="${classes}"` : ''}>${c.html}</td>`;
      });
      return `<tr>${tds.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function expectationList(list: ExpectationOutcome[]): string {
  if (list.length === 0) return '<span class="note">none</span>';
  const items = list.map(
    (e) =>
      `<li class="${e.pass ? 'ok' : 'bad'}">${e.pass ? '✓' : '✗'} ${esc(e.matcher)}: expected ${esc(e.expected)}, actual ${esc(e.actual)}</li>`,
  );
  return `<ul class="expect">${items.join('')}</ul>`;
}

/**
 * The summary table's view of a round's expectations: the broken ones in full, the kept ones as a
 * count (each round's section lists them all), so the table fits a 1400 px screen.
 */
function expectationSummary(list: ExpectationOutcome[]): string {
  if (list.length === 0) return '<span class="note">none</span>';
  const failed = list.filter((e) => !e.pass);
  const held = list.length - failed.length;
  const items = failed.map((e) => `<li class="bad">✗ ${esc(e.matcher)}: expected ${esc(e.expected)}, actual ${esc(e.actual)}</li>`);
  if (held > 0) items.push(`<li class="ok">✓ ${held} held</li>`);
  return `<ul class="expect">${items.join('')}</ul>`;
}

function latencyCells(l: LatencyStats | undefined): Cell[] {
  if (!l || l.count === 0) return [num('-'), num('-'), num('-')];
  return [num(ms(l.max)), num(ms(l.min)), num(ms(l.avg))];
}

function summaryTable(rounds: RoundResult[]): string {
  const headers = ['Result', ...ROUND_TABLE_HEADERS.map((h) => ({ text: h, num: h !== 'Name' })), 'Expectations'];
  const rows = rounds.map((r, i): Cell[] => {
    const l = r.latency;
    const has = l && l.count > 0;
    const origin = originText(r.origin);
    return [
      { html: badge(roundVerdict(r)) },
      // Rounds are numbered in run order (round indexes restart in every test file).
      num(String(i + 1)),
      {
        html: `<a href="#round-${i + 1}">${esc(r.label)}</a>${r.aborted ? ' (aborted)' : ''}${origin ? `<div class="origin">${esc(origin)}</div>` : ''}`,
        cls: 'name',
      },
      num(count(r.succeeded)),
      { html: esc(count(r.failed)), num: true },
      num(tps(r.sendRate)),
      ...latencyCells(l),
      num(tps(r.throughput)),
      num(has ? ms(l.p95) : '-'),
      num(has ? ms(l.p99) : '-'),
      { html: expectationSummary(r.expectations ?? []), cls: 'expect-cell' },
    ];
  });
  return table(headers, rows, 'summary');
}

function latencyTable(r: RoundResult): string {
  const lines: Array<[string, LatencyStats | undefined]> = [
    ['Latency (from actual send)', r.latency],
    ['Latency (from intended send)', r.correctedLatency],
    ['Send lateness', r.sendLateness],
    ...Object.entries(r.phases ?? {}).map(([name, s]): [string, LatencyStats] => [`Phase: ${name}`, s]),
  ];
  const rows = lines
    .filter((l): l is [string, LatencyStats] => Boolean(l[1]))
    .map(([name, s]) => [
      txt(name, { wrap: true }),
      num(count(s.count)),
      ...[s.min, s.avg, s.p50, s.p75, s.p90, s.p95, s.p99, s.p999, s.max].map((v) => num(s.count > 0 ? ms(v) : '-')),
    ]);
  const heads = ['Count', 'Min', 'Avg', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'Max'].map((text) => ({ text, num: true }));
  return `<h3>Latency (ms)</h3>${table(['', ...heads], rows)}`;
}

function sortedCounts(record: Record<string, number>): Array<[string, number]> {
  return Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Failures by reason, with the sample full messages of each reason when the round kept any. */
function failuresTable(r: RoundResult): string {
  const failures = sortedCounts(r.failuresByReason ?? {});
  if (failures.length === 0) return '';
  const total = r.succeeded + r.failed;
  const samples = safeFailureSamples(r.failureSamples) ?? {};
  const withSamples = Object.keys(samples).length > 0;
  const sampleCell = (reason: string): Cell => {
    const list = samples[reason] ?? [];
    if (list.length === 0) return { html: '<span class="note">-</span>' };
    return { html: `<ol class="samples">${list.map((m) => `<li><code>${esc(m)}</code></li>`).join('')}</ol>`, cls: 'samples-cell' };
  };
  const heads = ['Reason', { text: 'Count', num: true }, { text: 'Share', num: true }, ...(withSamples ? ['Sample messages'] : [])];
  const rows = failures.map(([reason, c]) => [
    txt(reason, { wrap: true }),
    num(count(c)),
    num(total > 0 ? `${((100 * c) / total).toFixed(1)}%` : '-'),
    ...(withSamples ? [sampleCell(reason)] : []),
  ]);
  return `<h3>Failures by reason</h3>${table(heads, rows, 'failures')}`;
}

/** The monitors' Prometheus figures with units, without the rows where nothing happened. */
function metricsTable(r: RoundResult): string {
  const { shown, hidden } = shownMetrics(r.metrics ?? []);
  if (shown.length === 0 && hidden === 0) return '';
  const kv = (rec: Record<string, string>) =>
    Object.entries(rec)
      .map(([k, val]) => `${k}=${val}`)
      .join(', ');
  const note = hidden > 0 ? `<p class="note">${hidden} metric row(s) with nothing over this round (no increase, no observation, zero throughout) are left out; results.json has them.</p>` : '';
  const body =
    shown.length > 0
      ? table(
          ['Source', 'Metric', 'Labels', 'Kind', 'Value'],
          shown.map((m) => [txt(m.source), txt(m.metric, { wrap: true }), txt(kv(m.labels ?? {}) || '-', { wrap: true }), txt(m.kind), txt(metricValues(m), { wrap: true })]),
        )
      : '';
  return `<h3>Metrics</h3>${body}${note}`;
}

const chartHolder = (c: ChartSpec) => `<div class="chart" id="${esc(c.id)}" data-chart="${esc(c.id)}"></div>`;

/**
 * A round beside its baseline: the verdict, what it was compared against, one row per gated figure
 * (change, interval, margin, verdict, both medians), and the overlay of both latency distributions.
 */
function baselineSection(r: GatedRound, overlay: ChartSpec | undefined): string {
  const b = r.baseline;
  if (!b) return '';
  const cls = b.status === 'recorded' ? 'none' : b.pass ? 'pass' : 'fail';
  const parts = [`<h3>Against the baseline</h3>`, `<p class="baseline-head"><span class="badge ${cls}">${esc(baselineHeadline(b))}</span> against ${esc(baselineSource(b))}</p>`];
  if (b.metrics.length > 0) {
    const verdictCell = (v: string): Cell => ({ html: esc(v), cls: v === 'regression' || v === 'too few repeats' ? 'bad' : v === 'improvement' ? 'ok' : '' });
    const rows = b.metrics.map((m): Cell[] => [
      txt(m.metric),
      num(signed(m.ratio)),
      num(m.interval ? `${signed(m.interval[0])} .. ${signed(m.interval[1])}` : '-'),
      num(m.margin),
      verdictCell(m.verdict),
      num(m.candidateMedian.toFixed(metricDigits(m.metric))),
      num(m.baselineMedian.toFixed(metricDigits(m.metric))),
    ]);
    const heads = ['Figure', ...['Change', 'Interval (90%)', 'Allowed'].map((text) => ({ text, num: true })), 'Verdict', ...['This run (median)', 'Baseline (median)'].map((text) => ({ text, num: true }))];
    parts.push(table(heads, rows, 'baseline'));
  }
  if (b.differences?.length) parts.push(`<ul class="differences">${b.differences.map((d) => `<li>differs: <code>${esc(d)}</code></li>`).join('')}</ul>`);
  if (overlay) parts.push(`<div class="charts">${chartHolder(overlay)}</div>`);
  else if (b.status === 'compared' && !b.baselineLatencyHistogram) {
    parts.push('<p class="note">This baseline has no latency distribution to draw (it was recorded before ledgerbench kept histograms); record it again with <code>npx vitest run --project perf -u</code> to see it here.</p>');
  }
  return parts.join('\n');
}

function roundSection(r: RoundResult, n: number, allCharts: ChartSpec[]): string {
  const overlay = allCharts.find((c) => c.id.endsWith('-baseline'));
  const charts = allCharts.filter((c) => c !== overlay);
  const v = roundVerdict(r);
  const parts: string[] = [];
  parts.push(`<div class="round-head"><h2>Round ${n}: ${esc(r.label)}</h2>${badge(v)}</div>`);
  if (r.description) parts.push(`<p class="sub">${esc(r.description)}</p>`);
  const origin = originText(r.origin);
  if (origin) parts.push(`<p class="sub origin">From ${esc(origin)}</p>`);
  const load = r.txNumber !== undefined ? `${count(r.txNumber)} transactions` : r.txDuration !== undefined ? `${r.txDuration} s` : '';
  const rate = `${r.rateControl.type}${r.rateControl.opts ? ` ${JSON.stringify(r.rateControl.opts)}` : ''}`;
  parts.push(
    `<ul class="facts"><li><b>Rate control</b> ${esc(rate)}</li><li><b>Model</b> ${esc(r.model)}</li><li><b>Workers</b> ${esc(r.workers)}</li>` +
      `${load ? `<li><b>Length</b> ${esc(load)}</li>` : ''}<li><b>Trim</b> ${esc(r.trim)}</li><li><b>Started</b> ${esc(when(r.startedAt))}</li>` +
      `<li><b>Elapsed</b> ${esc(duration(r.elapsedSec))}</li><li><b>Succeeded</b> ${esc(count(r.succeeded))}</li><li><b>Failed</b> ${esc(count(r.failed))}</li>` +
      `${r.unfinished ? `<li><b>Unfinished</b> ${esc(count(r.unfinished))}</li>` : ''}${r.interrupted ? `<li><b>Interrupted</b> ${esc(count(r.interrupted))}</li>` : ''}` +
      `<li><b>Throughput</b> ${esc(tps(r.throughput))} TPS (Caliper's, with failures: ${esc(tps(r.caliperThroughput))})</li></ul>`,
  );
  const unsettled = unsettledLines(r);
  if (unsettled.length > 0) parts.push(`<div class="unsettled">${unsettled.map((line) => `<p>${esc(line)}</p>`).join('')}</div>`);
  if (r.aborted) {
    const a = r.aborted;
    const who = [
      a.workerIndex !== undefined ? `worker ${a.workerIndex}` : '',
      a.exitCode !== undefined && a.exitCode !== null ? `exit code ${a.exitCode}` : '',
      a.signal ? `signal ${a.signal}` : '',
    ].filter(Boolean);
    parts.push(
      `<div class="abort"><b>Aborted:</b> ${esc(a.reason)}${who.length ? ` (${esc(who.join(', '))})` : ''}. Figures cover the transactions completed before the abort.` +
        `${a.stderrTail ? `<pre>${esc(a.stderrTail)}</pre>` : ''}</div>`,
    );
  }
  if ((r.expectations ?? []).length > 0) parts.push(`<h3>Expectations</h3>${expectationList(r.expectations)}`);
  // The gate's verdict first: on a pull request it is what the reader came for.
  const against = baselineSection(r, overlay);
  if (against) parts.push(against);
  if (charts.length > 0) {
    parts.push(`<div class="charts">${charts.map(chartHolder).join('')}</div>`);
  }
  parts.push(latencyTable(r));
  const failures = failuresTable(r);
  if (failures) parts.push(failures);
  if (r.conflicts) {
    const codes = sortedCounts(r.conflicts.byCode ?? {});
    const src = r.conflicts.source ? ` <span class="note">(from ${esc(r.conflicts.source)})</span>` : '';
    if (codes.length > 0) {
      parts.push(`<h3>Conflicts by validation code${src}</h3>${table(['Validation code', { text: 'Count', num: true }], codes.map(([code, c]) => [txt(code), num(count(c))]))}`);
    }
    const hot = r.conflicts.hotKeys ?? [];
    if (hot.length > 0) {
      parts.push(
        `<h3>Hottest conflicting keys</h3>${table(
          ['Key', { text: 'Conflicts', num: true }, 'Read by', 'Written by'],
          hot.map((k) => [txt(k.key, { wrap: true }), num(count(k.count)), txt(k.readers.join(', ') || '-', { wrap: true }), txt(k.writers.join(', ') || '-', { wrap: true })]),
        )}`,
      );
    }
  }
  const res = r.resources ?? [];
  if (res.length > 0) {
    const heads = ['TYPE', 'NAME', ...['Memory(max)', 'Memory(avg)', 'CPU%(max)', 'CPU%(avg)', 'Traffic In', 'Traffic Out', 'Disc Read', 'Disc Write'].map((text) => ({ text, num: true }))];
    parts.push(
      `<h3>Resources</h3>${table(
        heads,
        res.map((x) => [
          txt(x.type),
          txt(x.name, { wrap: true }),
          num(bytes(x.memoryMaxBytes)),
          num(bytes(x.memoryAvgBytes)),
          num(percent(x.cpuMaxPercent)),
          num(percent(x.cpuAvgPercent)),
          num(bytes(x.trafficInBytes)),
          num(bytes(x.trafficOutBytes)),
          num(bytes(x.discReadBytes)),
          num(bytes(x.discWriteBytes)),
        ]),
      )}`,
    );
  }
  const metrics = metricsTable(r);
  if (metrics) parts.push(metrics);
  return `<section class="round" id="round-${n}">\n${parts.join('\n')}\n</section>`;
}

/** The banner of an interrupted run: what the rounds below are, and what was still running. */
function interruptedNote(report: RunReport): string {
  const stop = report.interrupted;
  if (!stop) return '';
  const running = stop.tests?.length ? ` Still running: ${stop.tests.map(esc).join(', ')}.` : '';
  return `<div class="abort interrupted"><b>Run interrupted</b> (${esc(stop.reason)}): these are the rounds measured until then (a round cut short is marked aborted).${running}</div>\n`;
}

function environmentTable(report: RunReport): string {
  const e = report.environment;
  if (!e) return '<p class="note">not recorded</p>';
  const rows: Cell[][] = [
    [txt('Host'), txt(e.hostname)],
    [txt('Platform'), txt(`${e.platform} (${e.arch})`)],
    [txt('CPU'), txt(`${e.cpus} × ${e.cpuCount}`)],
    [txt('Memory'), txt(bytes(e.totalMemoryBytes))],
    [txt('Node'), txt(e.node)],
    ...Object.entries(e.versions ?? {}).map(([name, v]) => [txt(name), txt(v)]),
  ];
  return table(['What', 'Value'], rows);
}

function configBlock(title: string, value: unknown): string {
  if (value === undefined) return '';
  return `<details open><summary>${esc(title)}</summary><pre>${esc(JSON.stringify(redact(value), null, 2))}</pre></details>`;
}

/**
 * Renders the whole run as one self-contained HTML page: header, summary table with expectations,
 * one section per round (charts, latency, failures with sample messages, conflicts, resources,
 * metrics), configuration (redacted again here) and environment. Rounds are numbered in run order.
 * Every user string is escaped; chart data travels as JSON.
 */
export function renderHtml(report: RunReport): string {
  const a = loadAssets();
  const chartsByRound = report.rounds.map((r, i) => roundCharts(r, `c${i}`));
  const allCharts = chartsByRound.flat();
  const { passed, failed } = tally(report.rounds);
  const took = duration(secondsBetween(report.startedAt, report.finishedAt));
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(a.uplotJs)} ${sha256(a.js)}`,
    // uPlot positions its parts with inline styles.
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const overall = report.interrupted
    ? '<span class="badge aborted">interrupted</span>'
    : failed > 0
      ? '<span class="badge fail">failed</span>'
      : '<span class="badge pass">passed</span>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(report.name)} · ledgerbench report</title>
<style>${a.uplotCss}\n${a.css}</style>
</head>
<body data-charts="${allCharts.length}">
<main>
<div class="header">
<h1>${esc(report.name)} ${overall}</h1>
<ul class="facts">
<li><b>Started</b> ${esc(when(report.startedAt))}</li>
<li><b>Took</b> ${esc(took)}</li>
<li><b>Rounds</b> ${report.rounds.length}: <span class="ok">${passed} passed</span>, <span class="${failed > 0 ? 'bad' : 'ok'}">${failed} failed</span></li>
<li><b>Tool</b> ${esc(report.tool)} ${esc(report.toolVersion)}</li>
</ul>
</div>
${interruptedNote(report)}<h2>Rounds</h2>
<p class="note">Latency in milliseconds, rates in transactions per second. Throughput counts successful transactions.</p>
${summaryTable(report.rounds)}
${report.rounds.map((r, i) => roundSection(r, i + 1, chartsByRound[i])).join('\n')}
<h2>Configuration</h2>
<p class="note">Key material and secrets are replaced by [REDACTED].</p>
${configBlock('Benchmark', report.config?.benchmark)}
${configBlock('Network', report.config?.network)}
<h2>Environment</h2>
${environmentTable(report)}
<footer>Generated by ledgerbench ${esc(report.toolVersion)} (schema ${esc(report.schemaVersion)}). Charts: uPlot.</footer>
</main>
<script type="application/json" id="lb-data">${scriptJson({ charts: allCharts })}</script>
${inlineScript(a.uplotJs)}
${inlineScript(a.js)}
</body>
</html>
`;
}
