/**
 * Reading and checking rate-controller options. Every check throws a ConfigError that names the
 * file, the exact option path and what to write instead, because the reader is usually looking at a
 * CI log. The same readers run in validation (manager, before any worker) and at creation (worker),
 * so a controller never sees an option the validation did not accept.
 */
import { ConfigError } from '../config/errors.ts';

/** Where a rateControl entry sits: the file it came from and its dotted path. */
export interface OptionSite {
  /** File the spec came from (YAML path, or the calling test for code). */
  file: string;
  /** Path of the rateControl entry, e.g. `test.rounds[0].rateControl[1]`. */
  field: string;
  /** The `type` the user wrote, for messages (old names such as fixed-backlog stay visible). */
  type: string;
}

/**
 * What validation knows about the round. Only txNumber / txDuration are needed; the other fields,
 * when the caller has them (a RoundSpec has workers and roundIndex), allow checks that depend on the
 * worker split or on files (replay traces) to fail before any worker starts.
 */
export interface RoundShape {
  /** Total transactions of the round (all workers). */
  txNumber?: number;
  /** Round length in seconds. */
  txDuration?: number;
  /** Number of workers. */
  workers?: number;
  /** Round index used in `<R>` of path templates. */
  roundIndex?: number;
  /** Folder against which relative trace paths are resolved. */
  baseDir?: string;
  /**
   * Receives one line per option that is accepted but changes what runs (a transactionLoad below
   * the worker count); validation that has no such receiver stays silent.
   */
  warn?: (message: string) => void;
}

/** Short, safe rendering of a user value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}

/** The ConfigError for option `name` of the entry at `site`. */
export function optionError(site: OptionSite, name: string, problem: string, fix: string): ConfigError {
  return new ConfigError(site.file, `${site.field}.opts.${name}`, problem, fix);
}

/**
 * Rejects option names the controller does not know, so that a typo (`tsp: 100`) is an error
 * instead of a silent default.
 */
export function checkKnownOptions(opts: Record<string, unknown>, site: OptionSite, known: readonly string[]): void {
  for (const name of Object.keys(opts)) {
    if (!known.includes(name)) {
      const list = known.length === 0 ? 'it takes no options' : `it accepts ${known.join(', ')}`;
      throw optionError(site, name, `is not an option of ${site.type} (${list})`, known.length === 0 ? 'remove the option' : `remove it or use one of: ${known.join(', ')}`);
    }
  }
}

/**
 * Finds which of several alias names is set (e.g. `transactionLoad` / old `unfinished_per_client`).
 * Setting two aliases at once is ambiguous and an error.
 */
export function pickAlias(opts: Record<string, unknown>, site: OptionSite, names: readonly string[]): string | undefined {
  const present = names.filter((n) => opts[n] !== undefined && opts[n] !== null);
  if (present.length > 1) {
    throw optionError(site, present[1], `conflicts with opts.${present[0]} (both set the same thing)`, `keep only one of: ${present.join(', ')}`);
  }
  return present[0];
}

/** A number, or a string holding one (quoted YAML values); anything else is NaN. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/** Rules for {@link readNumber}. */
export interface NumberRule {
  /** `positive`: > 0; `nonNegative`: >= 0. */
  min: 'positive' | 'nonNegative';
  /** Must be a whole number. */
  integer?: boolean;
  /** Used when the option is absent; absent and no fallback means the option is required. */
  fallback?: number;
  /** What the number means, for messages ("transactions per second for the whole round"). */
  meaning: string;
  /** An example value for the fix line. */
  example: number;
}

/**
 * Reads a numeric option. Numbers and numeric strings are accepted (Caliper coerced with Number());
 * NaN, infinities, values below the minimum and fractions where a count is meant are errors.
 */
export function readNumber(opts: Record<string, unknown>, site: OptionSite, name: string, rule: NumberRule): number {
  const raw = opts[name];
  if (raw === undefined || raw === null) {
    if (rule.fallback !== undefined) return rule.fallback;
    throw optionError(site, name, `${site.type} needs opts.${name} (${rule.meaning}), but it is missing`, `add ${name}: ${rule.example} to the opts of this ${site.type} entry`);
  }
  const value = toNumber(raw);
  const bound = rule.min === 'positive' ? 'above 0' : '0 or more';
  if (!Number.isFinite(value)) {
    throw optionError(site, name, `must be a finite number (${rule.meaning}), got ${show(raw)}`, `write a plain number ${bound}, e.g. ${name}: ${rule.example}`);
  }
  if (rule.min === 'positive' ? value <= 0 : value < 0) {
    throw optionError(site, name, `must be ${bound} (${rule.meaning}), got ${show(raw)}`, `write a number ${bound}, e.g. ${name}: ${rule.example}`);
  }
  if (rule.integer && !Number.isInteger(value)) {
    throw optionError(site, name, `must be a whole number (${rule.meaning}), got ${show(raw)}`, `write a whole number ${bound}, e.g. ${name}: ${rule.example}`);
  }
  return value;
}

/** Reads a boolean option; `true`/`false` and the strings 'true'/'false' are accepted. */
export function readBoolean(opts: Record<string, unknown>, site: OptionSite, name: string, fallback: boolean): boolean {
  const raw = opts[name];
  if (raw === undefined || raw === null) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw optionError(site, name, `must be true or false, got ${show(raw)}`, `write ${name}: true or ${name}: false`);
}

/** Reads a non-empty string option (required). */
export function readString(opts: Record<string, unknown>, site: OptionSite, name: string, meaning: string, example: string): string {
  const raw = opts[name];
  if (raw === undefined || raw === null) {
    throw optionError(site, name, `${site.type} needs opts.${name} (${meaning}), but it is missing`, `add ${name}: ${example}`);
  }
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw optionError(site, name, `must be a non-empty string (${meaning}), got ${show(raw)}`, `write e.g. ${name}: ${example}`);
  }
  return raw;
}

/**
 * This worker's part of a whole-round integer total (a transaction load): an even split with the
 * remainder going to the first workers, so the parts add up to the total exactly.
 */
export function workerShare(total: number, workerIndex: number, workerCount: number): number {
  const base = Math.floor(total / workerCount);
  return base + (workerIndex < total % workerCount ? 1 : 0);
}
