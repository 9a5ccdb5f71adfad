/** Duration parsing and number formatting shared by matchers and every report. */
import { ConfigError } from '../config/errors.ts';

/** Where a duration came from, for the error message when it cannot be read. */
export interface DurationSource {
  file: string;
  field: string;
}

const MS_PER_UNIT: Record<string, number> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-zµ]*)$/;

/**
 * A duration in ms. Numbers are ms; strings are a non-negative decimal with an optional unit
 * (`us`/`µs`, `ms`, `s`/`sec`, `m`/`min`, `h`; ms when absent), e.g. `250`, `'250ms'`, `'1.5s'`, `'2m'`.
 * @throws ConfigError naming `source` (default: `benchRound()` / `duration`) for anything else.
 */
export function parseDuration(limit: number | string, source?: DurationSource): number {
  const file = source?.file ?? 'benchRound()';
  const field = source?.field ?? 'duration';
  const fix = "write a non-negative number of ms (250) or a number with a unit: '250ms', '1.5s', '2m'";
  if (typeof limit === 'number') {
    if (Number.isFinite(limit) && limit >= 0) return limit;
    throw new ConfigError(file, field, `${limit} is not a duration`, fix);
  }
  if (typeof limit !== 'string') {
    throw new ConfigError(file, field, `expected a duration, got ${typeof limit}`, fix);
  }
  const match = DURATION.exec(limit.trim().toLowerCase());
  const perUnit = match === null ? undefined : MS_PER_UNIT[match[2] === '' ? 'ms' : match[2]];
  if (match === null || perUnit === undefined) {
    throw new ConfigError(file, field, `'${limit}' is not a duration`, fix);
  }
  return Number(match[1]) * perUnit;
}

/**
 * {@link parseDuration} for callers that report a bad value in their own words (a config field with
 * its own range, a matcher argument): NaN instead of a ConfigError, so one range check catches both.
 */
export function durationOrNaN(value: number | string): number {
  try {
    return parseDuration(value);
  } catch {
    return Number.NaN;
  }
}

/**
 * A latency for tables: about three significant digits, in µs below 0.01 ms, ms below one second,
 * seconds above: '4 µs', '0.84 ms', '12.3 ms', '250 ms', '1.52 s', '95.0 s', '3,600 s'.
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 0) return `-${formatMs(-ms)}`;
  if (ms === 0) return '0 ms';
  if (ms < 0.01) return `${Math.round(ms * 1000)} µs`;
  if (ms < 999.5) return `${threeDigits(ms)} ms`;
  return `${threeDigits(ms / 1000)} s`;
}

/** Three significant digits, at most two decimals, never fewer digits than the integer part. */
function threeDigits(x: number): string {
  // Round first so that 9.996 becomes '10.0' rather than '10.00'.
  const decimals = x < 9.995 ? 2 : x < 99.95 ? 1 : 0;
  return x.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A rate for tables: one decimal with thousands separators, e.g. '1,234.5'; 'n/a' when not finite. */
export function formatRate(tps: number): string {
  if (!Number.isFinite(tps)) return 'n/a';
  return tps.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}
