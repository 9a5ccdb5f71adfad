/**
 * The terminal view of a run: Caliper's round and resource tables, and the details printed under a
 * round. Latency is shown in milliseconds (the headers say so): Caliper's seconds with two decimals
 * read `0.00 s` for every round of a fast local network.
 */
import type { LatencyStats, RoundResult } from '../stats/types.ts';
import { type BoxCell, type BoxColumn, boxTable, paint, type Style } from './box.ts';
import { bytes, count, displayWidth, ms, oneLine, originText, percent, tps } from './format.ts';
import { roundVerdict } from './verdict.ts';

/** Options of the terminal renderers. */
export interface ConsoleOptions {
  /** ANSI colour (bold headers, red failures). Off unless asked for, so output is stable in files and tests. */
  color?: boolean;
}

/** Options of roundTable(). */
export interface RoundTableOptions extends ConsoleOptions {
  /**
   * Test number of the first row; the rows after it count up. The Test column numbers rounds in the
   * order the run ran them, so the per-test tables, the run's table and summary.md agree. Default:
   * each round's own `roundIndex + 1`, which is the run's order when one benchmark file is the run.
   */
  firstTest?: number;
  /** Folder the From column's paths are relative to (default: the current folder). */
  cwd?: string;
}

/** Longest round label or resource name kept whole in a table; longer ones are cut in the middle. */
const NAME_WIDTH = 40;

/** Longest `file > test` kept whole in the From column; both ends tell tests apart, so the middle goes. */
const FROM_WIDTH = 60;

/** Header of the column naming the test file and test of each round (after Caliper's columns). */
export const FROM_HEADER = 'From';

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
 * The From cell: `file > test`, its file's leading folders dropped first (`.../interrupt.perf.ts`) when
 * it is too long, since the file name and the test tell rounds apart; the box cuts what is still too long.
 */
function fromCell(r: RoundResult, cwd: string | undefined): string {
  const full = originText(r.origin, cwd);
  if (!full || !r.origin) return '-';
  if (displayWidth(full) <= FROM_WIDTH) return full;
  const file = originText({ file: r.origin.file }, cwd);
  const rest = full.slice(file.length);
  const parts = file.split(/[\\/]/);
  for (let i = 1; i < parts.length; i++) {
    const shorter = `.../${parts.slice(i).join('/')}${rest}`;
    if (displayWidth(shorter) <= FROM_WIDTH || i === parts.length - 1) return shorter;
  }
  return full;
}

/**
 * Caliper's round table: Test, Name, Succ, Fail, Send Rate, Max/Min/Avg Latency, Throughput, then
 * p95 and p99 latency, and From (test file and test) when the rounds say where they came from.
 * Latency in ms, rates in TPS. Throughput counts successful transactions only
 * (RoundResult.throughput), which is Caliper's figure whenever nothing failed; roundDetails() prints
 * Caliper's own figure when it differs. An aborted round is marked `(aborted)` after its name.
 */
export function roundTable(rounds: RoundResult[], opts: RoundTableOptions = {}): string {
  const withFrom = rounds.some((r) => r.origin);
  const headers: string[] = [...ROUND_TABLE_HEADERS, ...(withFrom ? [FROM_HEADER] : [])];
  const columns: BoxColumn[] = headers.map((header) => ({
    header,
    align: header === 'Name' || header === FROM_HEADER ? 'left' : 'right',
    maxWidth: header === 'Name' ? NAME_WIDTH : header === FROM_HEADER ? FROM_WIDTH : undefined,
  }));
  const rows: BoxCell[][] = rounds.map((r, i) => {
    const name = r.aborted ? `${oneLine(r.label)} (aborted)` : r.label;
    return [
      String(opts.firstTest !== undefined ? opts.firstTest + i : r.roundIndex + 1),
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
      ...(withFrom ? [fromCell(r, opts.cwd)] : []),
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
 * Transactions whose outcome nobody saw, one line each when there are any: `unfinished` ones never
 * settled (counted as failed), `interrupted` ones were in flight at an interrupt (not counted at all).
 */
export function unsettledLines(round: RoundResult): string[] {
  const lines: string[] = [];
  if (round.unfinished) {
    lines.push(
      `Unfinished: ${count(round.unfinished)} transaction(s) never settled (no answer within the transaction timeout, or still open when the round ended); counted as failed with reason 'unfinished', they do not stretch the elapsed time.`,
    );
  }
  if (round.interrupted) {
    lines.push(`Interrupted: ${count(round.interrupted)} transaction(s) were in flight when the round was interrupted; counted neither as succeeded nor as failed.`);
  }
  return lines;
}

/**
 * What a reader needs under a round's table row: the abort reason, failures by reason, MVCC conflicts
 * by validation code, the hottest conflicting keys with the functions that read and wrote them, phase
 * latencies, unfinished and interrupted transactions, and a note when sends fell behind schedule. ''
 * when there is nothing to say. `opts.test` is the round's number in the Test column (default
 * `roundIndex + 1`).
 */
export function roundDetails(round: RoundResult, opts: ConsoleOptions & { test?: number } = {}): string {
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
  const unsettled = unsettledLines(round);
  if (unsettled.length > 0) parts.push(unsettled.join('\n'));
  const note = scheduleNote(round);
  if (note) parts.push(note);
  if (parts.length === 0) return '';
  // Numbered as in the round table's Test column.
  const title = paint(`Round ${opts.test ?? round.roundIndex + 1} (${oneLine(round.label)}):`, 'bold', color);
  return `${title}\n${parts.map((p) => indent(p)).join('\n')}`;
}
