/**
 * Custom matchers that gate a round's figures. Each failure message prints the round's measured row,
 * not just two numbers, so a red CI run says what the round actually did.
 */
import { durationOrNaN } from '../stats/format.ts';
import type { LatencyStats, RoundResult } from '../stats/types.ts';
import type { BaselineMatchers } from './baseline-matcher.ts';

/** A latency limit: milliseconds, or a string such as '250ms', '1.5s'. */
export type LatencyLimit = number | string;

interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

type Percentile = 50 | 75 | 90 | 95 | 99 | 99.9;
const PERCENTILE_KEYS: Record<string, keyof LatencyStats> = { '50': 'p50', '75': 'p75', '90': 'p90', '95': 'p95', '99': 'p99', '99.9': 'p999' };

function isRound(value: unknown): value is RoundResult {
  return typeof value === 'object' && value !== null && (value as RoundResult).schemaVersion === 1 && Array.isArray((value as RoundResult).expectations);
}

/** What the matcher got instead of a round; an un-awaited benchRound() is the usual culprit. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Promise) return 'a Promise: await benchRound() before expect()';
  return typeof value;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** One line with everything a reader needs to judge the round. */
export function measuredRow(r: RoundResult): string {
  const l = r.latency;
  const conflicts = r.conflicts ? Object.entries(r.conflicts.byCode).map(([k, v]) => `${k} ${v}`).join(', ') : '';
  return [
    `round '${r.label}' (#${r.roundIndex}): succ ${r.succeeded}, fail ${r.failed}`,
    `send rate ${fmt(r.sendRate)} tps, throughput ${fmt(r.throughput)} tps`,
    `latency ms min ${fmt(l.min, 2)} avg ${fmt(l.avg, 2)} p50 ${fmt(l.p50, 2)} p95 ${fmt(l.p95, 2)} p99 ${fmt(l.p99, 2)} max ${fmt(l.max, 2)}`,
    conflicts ? `conflicts: ${conflicts}` : '',
    r.aborted ? `aborted: ${r.aborted.reason}` : '',
  ]
    .filter(Boolean)
    .join('\n  ');
}

/** Wraps a check so it validates its input, records its verdict on the round, and explains failures. */
function matcher(name: string, check: (r: RoundResult, ...args: never[]) => { pass: boolean; expected: string; actual: string }) {
  return function (this: { isNot: boolean }, received: unknown, ...args: unknown[]): MatcherResult {
    if (!isRound(received)) {
      throw new TypeError(`${name}: expected the RoundResult that benchRound() returns, got ${describeValue(received)}`);
    }
    const checked = check(received, ...(args as never[]));
    // Figures of a round cut short (a crash, the network gone, an interrupt) cover only part of it:
    // no gate passes on them, whatever they say.
    const cutShort = received.aborted !== undefined && !this.isNot;
    const pass = checked.pass && !cutShort;
    const expected = checked.expected;
    const actual = cutShort ? `${checked.actual}, but the round was aborted (${received.aborted?.reason})` : checked.actual;
    received.expectations.push({ matcher: this.isNot ? `not.${name}` : name, expected, actual, pass: this.isNot ? !pass : pass });
    return {
      pass,
      message: () => `expected ${this.isNot ? 'not ' : ''}${expected}, measured ${actual}\n  ${measuredRow(received)}`,
      actual,
      expected,
    };
  };
}

/**
 * A latency limit in ms. A bad argument to a matcher is a programming error in the test rather than a
 * config mistake, so it becomes a TypeError naming the matcher instead of parseDuration's ConfigError.
 */
function limitMs(limit: LatencyLimit, name: string): number {
  const ms = durationOrNaN(limit);
  if (!(ms >= 0 && Number.isFinite(ms))) throw new TypeError(`${name}: limit must be milliseconds or a duration string such as '1.5s', got ${show(limit)}`);
  return ms;
}

/** JSON.stringify turns NaN and Infinity into null; show them as written. */
const show = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value));

/** Rejects a rate or ratio argument that would make the verdict meaningless (NaN, '190', 99 for 99%). */
function checkNumber(name: string, what: string, value: unknown, { min = 0, max = Number.POSITIVE_INFINITY, positive = false, hint = '' } = {}): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!positive || value > 0);
  if (ok) return;
  const range = max < Number.POSITIVE_INFINITY ? `between ${min} and ${max}${hint}` : positive ? 'a positive number' : 'a non-negative number';
  throw new TypeError(`${name}: ${what} must be ${range}, got ${show(value)}`);
}

function latencyVerdict(r: RoundResult, key: keyof LatencyStats, label: string, limit: LatencyLimit, name: string) {
  const ms = limitMs(limit, name);
  const value = r.latency[key];
  const measured = r.latency.count > 0;
  return { pass: measured && value < ms, expected: `${label} latency below ${fmt(ms, 2)} ms`, actual: measured ? `${fmt(value, 2)} ms` : 'no successful transactions' };
}

function latencyCheck(name: string, key: keyof LatencyStats, label: string) {
  return matcher(name, (r, limit: LatencyLimit) => latencyVerdict(r, key, label, limit, name));
}

/** The matchers, as passed to expect.extend(). */
export const ledgerbenchMatchers = {
  toHaveThroughputAbove: matcher('toHaveThroughputAbove', (r, tps: number) => {
    checkNumber('toHaveThroughputAbove', 'tps', tps);
    return { pass: r.throughput > tps, expected: `throughput above ${tps} tps`, actual: `${fmt(r.throughput)} tps` };
  }),
  toHaveSendRateNear: matcher('toHaveSendRateNear', (r, tps: number, tolerance = 0.05) => {
    checkNumber('toHaveSendRateNear', 'tps', tps, { positive: true });
    checkNumber('toHaveSendRateNear', 'tolerance', tolerance);
    const error = Math.abs(r.sendRate - tps) / tps;
    return { pass: error <= tolerance, expected: `send rate within ${fmt(tolerance * 100)}% of ${tps} tps`, actual: `${fmt(r.sendRate)} tps (${fmt(error * 100, 2)}% off)` };
  }),
  toHaveSuccessRateAbove: matcher('toHaveSuccessRateAbove', (r, ratio: number) => {
    checkNumber('toHaveSuccessRateAbove', 'ratio', ratio, { max: 1, hint: ' (0.99 for 99%)' });
    const total = r.succeeded + r.failed;
    const rate = total === 0 ? 0 : r.succeeded / total;
    return { pass: total > 0 && rate > ratio, expected: `success rate above ${fmt(ratio * 100, 2)}%`, actual: `${fmt(rate * 100, 2)}% (${r.succeeded}/${total})` };
  }),
  toHaveNoFailures: matcher('toHaveNoFailures', (r) => ({
    pass: r.failed === 0 && !r.aborted,
    expected: 'no failed transactions',
    actual: r.failed === 0 && !r.aborted ? 'none' : `${r.failed} failed (${Object.entries(r.failuresByReason).map(([k, v]) => `${k}: ${v}`).join('; ') || r.aborted?.reason})`,
  })),
  toHaveP95LatencyBelow: latencyCheck('toHaveP95LatencyBelow', 'p95', 'p95'),
  toHaveP99LatencyBelow: latencyCheck('toHaveP99LatencyBelow', 'p99', 'p99'),
  toHaveAvgLatencyBelow: latencyCheck('toHaveAvgLatencyBelow', 'avg', 'average'),
  toHaveLatencyPercentileBelow: matcher('toHaveLatencyPercentileBelow', (r, p: Percentile, limit: LatencyLimit) => {
    const key = PERCENTILE_KEYS[String(p)];
    if (!key) throw new TypeError(`toHaveLatencyPercentileBelow: percentile must be one of ${Object.keys(PERCENTILE_KEYS).join(', ')}, got ${p}`);
    return latencyVerdict(r, key, `p${p}`, limit, 'toHaveLatencyPercentileBelow');
  }),
  toHaveNoMvccConflicts: matcher('toHaveNoMvccConflicts', (r) => {
    const n = mvccConflicts(r);
    return { pass: n === 0, expected: 'no MVCC conflicts', actual: n === 0 ? 'none' : `${n} (${hotKeyList(r)})` };
  }),
  toHaveConflictRateBelow: matcher('toHaveConflictRateBelow', (r, ratio: number) => {
    checkNumber('toHaveConflictRateBelow', 'ratio', ratio, { max: 1, hint: ' (0.01 for 1%)' });
    const total = r.succeeded + r.failed;
    const rate = total === 0 ? 0 : mvccConflicts(r) / total;
    return { pass: rate < ratio, expected: `MVCC conflict rate below ${fmt(ratio * 100, 2)}%`, actual: `${fmt(rate * 100, 2)}% (${mvccConflicts(r)}/${total}${hotKeyList(r) ? `; ${hotKeyList(r)}` : ''})` };
  }),
};

/** MVCC_READ_CONFLICT and PHANTOM_READ_CONFLICT: the conflicts concurrent writers cause. */
function mvccConflicts(r: RoundResult): number {
  const c = r.conflicts?.byCode ?? {};
  return (c.MVCC_READ_CONFLICT ?? 0) + (c.PHANTOM_READ_CONFLICT ?? 0);
}

function hotKeyList(r: RoundResult): string {
  return (r.conflicts?.hotKeys ?? [])
    .slice(0, 3)
    .map((k) => `${k.key} x${k.count}`)
    .join(', ');
}

/** The matchers' types; `R` is what a matcher returns (`void`, or a Promise under `.resolves`). */
export interface LedgerbenchMatchers<R = unknown> extends BaselineMatchers<R> {
  /** Successful transactions per second above `tps`. */
  toHaveThroughputAbove(tps: number): R;
  /** Send rate within `tolerance` (a ratio, default 0.05) of `tps`. */
  toHaveSendRateNear(tps: number, tolerance?: number): R;
  /** Succeeded / (succeeded + failed) above `ratio` (0..1). */
  toHaveSuccessRateAbove(ratio: number): R;
  toHaveNoFailures(): R;
  toHaveP95LatencyBelow(limit: LatencyLimit): R;
  toHaveP99LatencyBelow(limit: LatencyLimit): R;
  toHaveAvgLatencyBelow(limit: LatencyLimit): R;
  toHaveLatencyPercentileBelow(percentile: Percentile, limit: LatencyLimit): R;
  /** No MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT transactions. */
  toHaveNoMvccConflicts(): R;
  /** MVCC conflicts / all transactions below `ratio` (0..1). */
  toHaveConflictRateBelow(ratio: number): R;
}

/*
 * Typed on Vitest's expect in Vitest 4 and 5 alike. Vitest's own `Matchers` interface cannot be
 * augmented for both: it is `Matchers<T>` in Vitest 4 and `Matchers<R, T>` in Vitest 5, and every
 * declaration of an interface must have the same type parameters (TS2428). Both versions build
 * `expect(x)`'s methods from Chai's Assertion interface, keeping its functions (and promisifying them
 * under `.resolves`), so the matchers are declared there.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Chai's types are a global namespace; this merges into it
  namespace Chai {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging: the members come from LedgerbenchMatchers
    interface Assertion extends LedgerbenchMatchers<void> {}
  }
}
