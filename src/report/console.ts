/**
 * The terminal view of a run: Caliper's round and resource tables, and the details printed under a
 * round. Latency is shown in milliseconds (the headers say so): Caliper's seconds with two decimals
 * read `0.00 s` for every round of a fast local network.
 */
import type { LatencyStats, RoundResult } from '../stats/types.ts';
import { type BoxCell, type BoxColumn, boxTable, paint, type Style } from './box.ts';
import { bytes, count, ms, oneLine, percent, tps } from './format.ts';
import { roundVerdict } from './verdict.ts';

/** Options of the terminal renderers. */
export interface ConsoleOptions {
  /** ANSI colour (bold headers, red failures). Off unless asked for, so output is stable in files and tests. */
  color?: boolean;
}

/** Longest round label or resource name kept whole in a table; longer ones are cut in the middle. */
const NAME_WIDTH = 40;

/** Headers of the round table, Caliper's columns first, in Caliper's order. */
export const ROUND_TABLE_HEADERS = [
  'Test',
  'Name',
  'Succ',
  'Fail',
  'Send Rate (TPS)',
  'Max Latency (ms)',
  'Min Latency (ms)',
  'Avg Latency (ms)',
  'Throughput (TPS)',
  'p95 Latency (ms)',
  'p99 Latency (ms)',
] as const;

/** Latency figures only mean something when a transaction succeeded. */
function lat(stats: LatencyStats | undefined, pick: (s: LatencyStats) => number): string {
  return stats && stats.count > 0 ? ms(pick(stats)) : '-';
}

const VERDICT_STYLE: Record<string, Style | undefined> = { fail: 'red', aborted: 'yellow', pass: 'green' };

/**
 * Caliper's round table: Test, Name, Succ, Fail, Send Rate, Max/Min/Avg Latency, Throughput, then
 * p95 and p99 latency. Latency in ms, rates in TPS. Throughput counts successful transactions only
 * (RoundResult.throughput), which is Caliper's figure whenever nothing failed; roundDetails() prints
 * Caliper's own figure when it differs. An aborted round is marked `(aborted)` after its name.
 */
export function roundTable(rounds: RoundResult[], opts: ConsoleOptions = {}): string {
  const columns: BoxColumn[] = ROUND_TABLE_HEADERS.map((header) => ({
    header,
    align: header === 'Name' ? 'left' : 'right',
    maxWidth: header === 'Name' ? NAME_WIDTH : undefined,
  }));
  const rows: BoxCell[][] = rounds.map((r) => {
    const name = r.aborted ? `${oneLine(r.label)} (aborted)` : r.label;
    return [
      String(r.roundIndex + 1),
      { text: name, style: VERDICT_STYLE[roundVerdict(r)] },
      String(r.succeeded),
      { text: String(r.failed), style: r.failed > 0 ? 'red' : undefined },
      tps(r.sendRate),
      lat(r.latency, (s) => s.max),
      lat(r.latency, (s) => s.min),
      lat(r.latency, (s) => s.avg),
      tps(r.throughput),
      lat(r.latency, (s) => s.p95),
      lat(r.latency, (s) => s.p99),
    ];
  });
  return boxTable(columns, rows, opts.color ?? false);
}

/** Headers of the resource table (Caliper's, with averages next to maxima). */
export const RESOURCE_TABLE_HEADERS = [
  'TYPE',
  'NAME',
  'Memory(max)',
  'Memory(avg)',
  'CPU%(max)',
  'CPU%(avg)',
  'Traffic In',
  'Traffic Out',
  'Disc Read',
  'Disc Write',
] as const;

/**
 * Caliper's resource table for one round: one row per monitored process or container, bytes in
 * binary units (B, KiB, MiB, GiB), '-' where the monitor could not measure. '' when the round has no
 * resource rows.
 */
export function resourceTable(round: RoundResult, opts: ConsoleOptions = {}): string {
  const rows = round.resources ?? [];
  if (rows.length === 0) return '';
  const columns: BoxColumn[] = RESOURCE_TABLE_HEADERS.map((header, i) => ({
    header,
    align: i < 2 ? 'left' : 'right',
    maxWidth: i === 1 ? NAME_WIDTH : undefined,
  }));
  const body: BoxCell[][] = rows.map((r) => [
    r.type,
    r.name,
    bytes(r.memoryMaxBytes),
    bytes(r.memoryAvgBytes),
    percent(r.cpuMaxPercent),
    percent(r.cpuAvgPercent),
    bytes(r.trafficInBytes),
    bytes(r.trafficOutBytes),
    bytes(r.discReadBytes),
    bytes(r.discWriteBytes),
  ]);
  return boxTable(columns, body, opts.color ?? false);
}

/** Sorted most first, ties by name so output is stable. */
function byCount(record: Record<string, number>): Array<[string, number]> {
  return Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

/** Hot keys listed under a round; the full list is in the HTML and JSON reports. */
const HOT_KEYS_SHOWN = 10;

/**
 * Only worth a line when sends fell noticeably behind schedule: then latency from the intended send
 * (coordinated omission corrected) is what users of the system would have seen.
 */
function scheduleNote(r: RoundResult): string | null {
  const c = r.correctedLatency;
  if (r.model !== 'open' || !c || c.count === 0 || r.latency.count === 0) return null;
  if (c.p99 <= r.latency.p99 * 1.1 || c.p99 - r.latency.p99 < 1) return null;
  const late = r.sendLateness && r.sendLateness.count > 0 ? `; sends were up to ${ms(r.sendLateness.max)} ms late (p99 ${ms(r.sendLateness.p99)} ms)` : '';
  return `Sends fell behind schedule: p99 latency from the intended send time is ${ms(c.p99)} ms, against ${ms(r.latency.p99)} ms from the actual send${late}.`;
}

/**
 * What a reader needs under a round's table row: the abort reason, failures by reason, MVCC conflicts
 * by validation code, the hottest conflicting keys with the functions that read and wrote them, phase
 * latencies, and a note when sends fell behind schedule. '' when there is nothing to say.
 */
export function roundDetails(round: RoundResult, opts: ConsoleOptions = {}): string {
  const color = opts.color ?? false;
  const parts: string[] = [];
  const a = round.aborted;
  if (a) {
    const who = [
      a.workerIndex !== undefined ? `worker ${a.workerIndex}` : null,
      a.exitCode !== undefined && a.exitCode !== null ? `exit code ${a.exitCode}` : null,
      a.signal ? `signal ${a.signal}` : null,
    ].filter(Boolean);
    const lines = [paint(`Aborted: ${oneLine(a.reason)}${who.length ? ` (${who.join(', ')})` : ''}`, 'yellow', color)];
    lines.push('Figures cover the transactions completed before the abort.');
    const tail = a.stderrTail?.trimEnd();
    if (tail) lines.push('Last worker stderr:', indent(tail.split('\n').map(oneLine).join('\n'), '  > '));
    parts.push(lines.join('\n'));
  }
  const failures = byCount(round.failuresByReason ?? {});
  if (failures.length > 0) {
    const total = round.succeeded + round.failed;
    const rows = failures.map(([reason, n]): BoxCell[] => [reason, String(n), total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '-']);
    let text = `${paint('Failures by reason', 'bold', color)} (${count(round.failed)} of ${count(total)}):\n${indent(
      boxTable(
        [
          { header: 'Reason', align: 'left', maxWidth: 72 },
          { header: 'Count', align: 'right' },
          { header: 'Share', align: 'right' },
        ],
        rows,
        color,
      ),
    )}`;
    if (Math.abs(round.caliperThroughput - round.throughput) >= 0.05) {
      text += `\nThroughput above counts successes only; Caliper's (successes + failures) is ${tps(round.caliperThroughput)} TPS.`;
    }
    parts.push(text);
  }
  const conflicts = round.conflicts;
  if (conflicts) {
    const codes = byCount(conflicts.byCode ?? {});
    if (codes.length > 0) {
      const src = conflicts.source ? ` (from ${oneLine(conflicts.source)})` : '';
      parts.push(
        `${paint('Conflicts by validation code', 'bold', color)}${src}:\n${indent(
          boxTable(
            [
              { header: 'Validation code', align: 'left' },
              { header: 'Count', align: 'right' },
            ],
            codes.map(([code, n]) => [code, String(n)]),
            color,
          ),
        )}`,
      );
    }
    const hot = (conflicts.hotKeys ?? []).slice(0, HOT_KEYS_SHOWN);
    if (hot.length > 0) {
      const more = (conflicts.hotKeys?.length ?? 0) - hot.length;
      parts.push(
        `${paint('Hottest conflicting keys', 'bold', color)}${more > 0 ? ` (top ${hot.length}, ${more} more in the HTML report)` : ''}:\n${indent(
          boxTable(
            [
              { header: 'Key', align: 'left', maxWidth: 48 },
              { header: 'Conflicts', align: 'right' },
              { header: 'Read by', align: 'left', maxWidth: 32 },
              { header: 'Written by', align: 'left', maxWidth: 32 },
            ],
            hot.map((k) => [k.key, String(k.count), k.readers.join(', ') || '-', k.writers.join(', ') || '-']),
            color,
          ),
        )}`,
      );
    }
  }
  const phases = Object.entries(round.phases ?? {});
  if (phases.length > 0) {
    parts.push(
      `${paint('Phases', 'bold', color)} (latency in ms):\n${indent(
        boxTable(
          [
            { header: 'Phase', align: 'left', maxWidth: 24 },
            { header: 'Count', align: 'right' },
            { header: 'Min', align: 'right' },
            { header: 'Avg', align: 'right' },
            { header: 'p50', align: 'right' },
            { header: 'p95', align: 'right' },
            { header: 'p99', align: 'right' },
            { header: 'Max', align: 'right' },
          ],
          phases.map(([name, s]) => [name, String(s.count), ms(s.min), ms(s.avg), ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)]),
          color,
        ),
      )}`,
    );
  }
  const note = scheduleNote(round);
  if (note) parts.push(note);
  if (parts.length === 0) return '';
  const title = paint(`Round ${round.roundIndex + 1} (${oneLine(round.label)}):`, 'bold', color);
  return `${title}\n${parts.map((p) => indent(p)).join('\n')}`;
}
