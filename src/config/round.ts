import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { RateControl } from '../rate/public-types.ts';
import { validateRateControl } from '../rate/registry.ts';
import { durationOrNaN } from '../stats/format.ts';
import { ConfigError } from './errors.ts';
import type { RateControlSpec, RoundSpec } from './types.ts';

/** Options of one benchmark round as a test file passes them to `benchRound()`. */
export interface BenchRoundOptions {
  /** Name of the round in tables and reports. */
  label: string;
  description?: string;
  /** Total transactions across all workers. Give this or txDuration. */
  txNumber?: number;
  /** Round length in seconds. Give this or txNumber. */
  txDuration?: number;
  /**
   * Rate controller; Caliper's default (fixed-rate, 1 tps) when omitted. Typed per controller, so a
   * misspelt `type` or option fails the type check.
   */
  rateControl?: RateControl;
  /** Worker processes (default 1). */
  workers?: number;
  /** Workload module path, resolved against the calling test file. */
  workload: string;
  /** Handed to the workload module unchanged. */
  arguments?: Record<string, unknown>;
  /** Caliper trim: transactions (txNumber rounds) or seconds (txDuration rounds) dropped at each end, per worker. */
  trim?: number;
  /** Per-transaction timeout: ms or a string such as '30s' (default 30 s). */
  txTimeout?: number | string;
  /**
   * How long the workers may take to get ready (connect, load the workload, run its init): ms or a
   * string such as '5m' (default 120 s). Raise it for workloads that preload assets in init.
   */
  readyTimeout?: number | string;
  /**
   * Most transactions in flight at once, all workers together (open-model rounds): a send due while
   * this many are open is skipped and counted as `dropped`. Default: from each worker's memory budget.
   */
  maxInFlight?: number;
  /**
   * Runs the round this many times (default 1) and returns the merged figures with `repeats`, the
   * figures of each run: what toBeWithinBaseline() compares (at least 3).
   */
  repeat?: number;
}

/** Default per-transaction timeout, as Fabric SDKs commonly use. */
export const DEFAULT_TX_TIMEOUT_MS = 30_000;

const ALLOWED_KEYS = new Set(['label', 'description', 'txNumber', 'txDuration', 'rateControl', 'workers', 'workload', 'arguments', 'trim', 'txTimeout', 'readyTimeout', 'maxInFlight', 'repeat']);

/** Where a round came from, for error messages and path resolution. */
export interface RoundOrigin {
  /** File named in errors (YAML file, or the calling test file). */
  source: string;
  /** Dotted path prefix of the round within that file, e.g. `test.rounds[2]`; '' for benchRound(). */
  field: string;
  /** Folder that relative workload paths resolve against. */
  baseDir: string;
  roundIndex: number;
  /** Full path of the rateControl entry when it is not `<field>.rateControl` (Caliper sub-rounds). */
  rateField?: string;
  /** Receives warnings about accepted options that change what runs; stderr when not given. */
  warn?: (message: string) => void;
}

/**
 * Validates `benchRound()` options and turns them into a RoundSpec. Everything a user can get wrong
 * without running anything is caught here; rate options are checked by the rate registry and the
 * workload module's shape by the engine, both before any worker starts.
 */
export function normalizeRound(opts: BenchRoundOptions, origin: RoundOrigin): RoundSpec {
  const at = (name: string) => (origin.field ? `${origin.field}.${name}` : name);
  const fail = (name: string, problem: string, fix: string): never => {
    throw new ConfigError(origin.source, at(name), problem, fix);
  };
  if (opts === null || typeof opts !== 'object') fail('(round)', 'is not an object', 'pass an object such as { label, txNumber, rateControl, workload }');
  for (const key of Object.keys(opts)) {
    if (!ALLOWED_KEYS.has(key)) fail(key, 'is not a round option', `use one of: ${[...ALLOWED_KEYS].join(', ')}`);
  }
  if (typeof opts.label !== 'string' || opts.label.trim() === '') fail('label', 'is missing', "give the round a name, e.g. label: 'transfer'");
  const hasNumber = opts.txNumber !== undefined;
  const hasDuration = opts.txDuration !== undefined;
  if (hasNumber === hasDuration) {
    fail(hasNumber ? 'txNumber' : 'txNumber/txDuration', hasNumber ? 'and txDuration are both set, so the round length is ambiguous' : 'neither txNumber nor txDuration is set', 'set exactly one: txNumber (transactions) or txDuration (seconds)');
  }
  if (hasNumber) positiveNumber(opts.txNumber, 'txNumber', true, fail);
  if (hasDuration) positiveNumber(opts.txDuration, 'txDuration', false, fail);
  const workers = opts.workers ?? 1;
  positiveNumber(workers, 'workers', true, fail);
  if (hasNumber && (opts.txNumber as number) < workers) fail('txNumber', `(${opts.txNumber}) is smaller than workers (${workers}), so some workers would send nothing`, 'lower workers or raise txNumber');
  const trim = opts.trim ?? 0;
  if (typeof trim !== 'number' || !Number.isFinite(trim) || trim < 0) fail('trim', `must be a number >= 0, got ${JSON.stringify(trim)}`, 'use 0 for no trim');
  // Caliper trims both ends of each worker's share; a trim that leaves nothing is a mistake.
  const span = hasNumber ? Math.floor((opts.txNumber as number) / workers) : (opts.txDuration as number);
  if (trim * 2 >= span) fail('trim', `(${trim}) trims both ends of ${hasNumber ? `each worker's ${span} transactions` : `the ${span} s round`}, leaving nothing to measure`, `use a trim below ${Math.ceil(span / 2)}`);
  const rateControl: RateControlSpec = opts.rateControl ?? { type: 'fixed-rate', opts: { tps: 1 } };
  if (rateControl === null || typeof rateControl !== 'object' || typeof rateControl.type !== 'string') {
    throw new ConfigError(origin.source, origin.rateField ?? at('rateControl'), 'must be an object with a string `type`', "write e.g. rateControl: { type: 'fixed-rate', opts: { tps: 100 } }");
  }
  validateRateControl(rateControl, origin.source, origin.rateField ?? at('rateControl'), { txNumber: opts.txNumber, txDuration: opts.txDuration, workers, warn: origin.warn ?? warnOnStderr });
  if (typeof opts.workload !== 'string' || opts.workload === '') fail('workload', 'is missing', "name the workload module, e.g. workload: './workloads/transfer.ts'");
  const module = isAbsolute(opts.workload) ? opts.workload : resolve(origin.baseDir, opts.workload);
  if (!existsSync(module)) fail('workload', `module ${module} does not exist`, `check the path (relative paths resolve against ${origin.baseDir})`);
  if (opts.maxInFlight !== undefined) positiveNumber(opts.maxInFlight, 'maxInFlight', true, fail);
  const args = opts.arguments ?? {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) fail('arguments', 'must be an object', 'write the arguments as key: value pairs');
  return {
    label: opts.label,
    description: opts.description,
    roundIndex: origin.roundIndex,
    txNumber: opts.txNumber,
    txDuration: opts.txDuration,
    rateControl,
    workers,
    workload: { module, arguments: args },
    trim,
    txTimeoutMs: parseTimeout(opts.txTimeout, at('txTimeout'), origin.source) ?? DEFAULT_TX_TIMEOUT_MS,
    readyTimeoutMs: parseTimeout(opts.readyTimeout, at('readyTimeout'), origin.source),
    maxInFlight: opts.maxInFlight,
    source: origin.source,
  };
}

function positiveNumber(value: unknown, name: string, integer: boolean, fail: (n: string, p: string, f: string) => never): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    fail(name, `must be a ${integer ? 'whole ' : ''}number above 0, got ${JSON.stringify(value)}`, `set ${name} to a ${integer ? 'whole ' : ''}number above 0`);
  }
}

/** A duration option in ms; undefined when not set (the caller's default applies). */
function parseTimeout(value: number | string | undefined, field: string, source: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = durationOrNaN(value);
  if (!(ms > 0) || !Number.isFinite(ms)) throw new ConfigError(source, field, `is not a duration above 0: ${JSON.stringify(value)}`, "use milliseconds (30000) or a string like '30s', '5m' or '500ms'");
  return ms;
}

/** The default receiver of configuration warnings, in the same form as the other run-time warnings. */
export function warnOnStderr(message: string): void {
  process.stderr.write(`[ledgerbench] warning: ${message}\n`);
}
