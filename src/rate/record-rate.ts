/**
 * record-rate `{ rateController, pathTemplate, outputFormat, logEnd }`: wraps another controller,
 * passes its answers through unchanged, and remembers when each transaction of this worker was due
 * to go out; at the end of the round it writes those times in one of Caliper's trace formats (see
 * trace-format.ts), so replay-rate (ours or Caliper's) can reproduce the load.
 *
 * The recorded time of transaction i is the later of the controller's answer and the time the
 * worker asked: the worker sends at that moment at the earliest, and the controller has no clock of
 * its own. Times are whole milliseconds (the format's unit) in a growable Uint32Array.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RateControlSpec } from '../config/types.ts';
import type { RateControllerDefinition } from './definition.ts';
import { checkKnownOptions, type OptionSite, optionError, readBoolean, readString, show } from './options.ts';
import { resolveTracePath, TRACE_FORMATS, type TraceFormat, traceFormatOf, writeTrace } from './trace-format.ts';
import type { RateController, TxProgress } from './types.ts';

const OPTIONS = ['rateController', 'pathTemplate', 'outputFormat', 'logEnd'] as const;

/** Largest time a uint32 trace can hold (about 49.7 days). */
const MAX_TIME = 0xffff_ffff;

/** Reads a TEXT / BIN_BE / BIN_LE option (TEXT when absent). */
export function readTraceFormat(opts: Record<string, unknown>, site: OptionSite, name: string): TraceFormat {
  const raw = opts[name];
  if (raw === undefined || raw === null) return 'TEXT';
  const format = traceFormatOf(raw);
  if (format === undefined) {
    throw optionError(site, name, `must be one of ${TRACE_FORMATS.join(', ')}, got ${show(raw)}`, `write ${name}: TEXT (one ms value per line) or BIN_BE / BIN_LE (uint32 count and times)`);
  }
  return format;
}

interface RecordOptions {
  inner: RateControlSpec;
  pathTemplate: string;
  format: TraceFormat;
  logEnd: boolean;
}

function readOptions(opts: Record<string, unknown>, site: OptionSite): RecordOptions {
  checkKnownOptions(opts, site, OPTIONS);
  const inner = opts.rateController;
  if (inner === undefined || inner === null) {
    throw optionError(site, 'rateController', 'record-rate needs opts.rateController (the controller whose send times it records), but it is missing', "add e.g. rateController: { type: 'fixed-rate', opts: { tps: 50 } }");
  }
  return {
    inner: inner as RateControlSpec,
    pathTemplate: readString(opts, site, 'pathTemplate', 'where to write the send times; <R> is the round index, <C> the worker index', "'records/rec-<R>-<C>.txt'"),
    format: readTraceFormat(opts, site, 'outputFormat'),
    logEnd: readBoolean(opts, site, 'logEnd', false),
  };
}

/** Pass-through controller that records intended send times of one worker. */
export class RecordRateController implements RateController {
  readonly model: 'open' | 'closed';
  private readonly inner: RateController;
  private times: Uint32Array;
  private count = 0;
  private readonly path: string;
  private readonly format: TraceFormat;
  private readonly logEnd: boolean;
  private readonly who: string;

  /** `who` names the worker and round in messages; `expected` pre-sizes the store (txCount). */
  constructor(inner: RateController, path: string, format: TraceFormat, logEnd: boolean, who: string, expected: number) {
    this.inner = inner;
    this.model = inner.model;
    this.path = path;
    this.format = format;
    this.logEnd = logEnd;
    this.who = who;
    this.times = new Uint32Array(Math.max(expected, 1024));
  }

  /** Number of transactions recorded so far. */
  get recorded(): number {
    return this.count;
  }

  next(progress: TxProgress): number {
    const t = this.inner.next(progress);
    if (t >= 0 && t !== Number.POSITIVE_INFINITY) {
      const i = progress.sent;
      if (i >= this.times.length) this.grow(i);
      const due = Math.max(t, progress.now);
      this.times[i] = due < MAX_TIME ? Math.round(due) : MAX_TIME;
      if (i >= this.count) this.count = i + 1;
    }
    return t;
  }

  private grow(index: number): void {
    let size = this.times.length * 2;
    while (size <= index) size *= 2;
    const bigger = new Uint32Array(size);
    bigger.set(this.times);
    this.times = bigger;
  }

  async end(): Promise<void> {
    await this.inner.end?.();
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeTrace(this.path, this.times, this.count, this.format);
    } catch (err) {
      throw new Error(`record-rate (${this.who}): could not write ${this.count} send times to ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    if (this.logEnd) console.info(`record-rate: ${this.who}: wrote ${this.count} send times to ${this.path} (${this.format})`);
  }
}

/** The record-rate controller type. */
export const recordRate: RateControllerDefinition = {
  type: 'record-rate',
  options: OPTIONS,
  model(opts, nested) {
    const inner = opts.rateController as RateControlSpec | undefined;
    return inner ? nested.model(inner) : 'open';
  },
  validate(opts, site, round, nested) {
    const o = readOptions(opts, site);
    nested.validate(o.inner, site.file, `${site.field}.opts.rateController`, round);
  },
  async create(opts, ctx, site, nested) {
    const o = readOptions(opts, site);
    const inner = await nested.create(o.inner, ctx, site.file, `${site.field}.opts.rateController`);
    const path = resolveTracePath(o.pathTemplate, ctx.roundIndex, ctx.workerIndex, ctx.baseDir);
    const who = `worker ${ctx.workerIndex}, round ${ctx.roundIndex} '${ctx.roundLabel}'`;
    return new RecordRateController(inner, path, o.format, o.logEnd, who, ctx.txCount ?? 0);
  },
};
