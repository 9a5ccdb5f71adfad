/**
 * replay-rate `{ pathTemplate, inputFormat, logWarnings, defaultSleepTime }`: sends this worker's
 * transactions at the times recorded in a trace (record-rate's or Caliper's; see trace-format.ts).
 * The file is read when the controller is created, so a missing or garbled trace fails before the
 * round starts. When the trace runs out, sending continues every defaultSleepTime ms (Caliper's
 * default: 100) after the last recorded time, on an absolute schedule; logWarnings says so once.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.ts';
import type { RateControllerDefinition } from './definition.ts';
import { checkKnownOptions, type OptionSite, readBoolean, readNumber, readString } from './options.ts';
import { readTraceFormat } from './record-rate.ts';
import { parseTrace, resolveTracePath, type TraceFormat } from './trace-format.ts';
import type { RateController, TxProgress } from './types.ts';

const OPTIONS = ['pathTemplate', 'inputFormat', 'logWarnings', 'defaultSleepTime'] as const;

/** Caliper's default gap between transactions once the trace has run out. */
const DEFAULT_SLEEP_MS = 100;

interface ReplayOptions {
  pathTemplate: string;
  format: TraceFormat;
  logWarnings: boolean;
  defaultSleepTime: number;
}

function readOptions(opts: Record<string, unknown>, site: OptionSite): ReplayOptions {
  checkKnownOptions(opts, site, OPTIONS);
  return {
    pathTemplate: readString(opts, site, 'pathTemplate', 'the recorded trace to replay; <R> is the round index, <C> the worker index', "'records/rec-<R>-<C>.txt'"),
    format: readTraceFormat(opts, site, 'inputFormat'),
    logWarnings: readBoolean(opts, site, 'logWarnings', false),
    defaultSleepTime: readNumber(opts, site, 'defaultSleepTime', { min: 'positive', fallback: DEFAULT_SLEEP_MS, meaning: 'ms between transactions after the trace runs out', example: 100 }),
  };
}

function missingTrace(site: OptionSite, path: string, who: string, reason: string): ConfigError {
  return new ConfigError(site.file, `${site.field}.opts.pathTemplate`, `the trace for ${who} (${path}) cannot be read: ${reason}`, 'record it first with record-rate using the same pathTemplate, or fix the path (relative paths are resolved against the benchmark file\'s folder)');
}

/** Replays recorded times, then continues at a fixed gap. */
export class ReplayRateController implements RateController {
  readonly model = 'open' as const;
  private readonly times: Float64Array;
  private readonly count: number;
  private readonly tail: number;
  private readonly gap: number;
  private readonly logWarnings: boolean;
  private readonly who: string;
  private warned = false;

  /** `times` are this worker's recorded send times; `gap` applies after the last one. */
  constructor(times: Float64Array, gap: number, logWarnings: boolean, who: string) {
    this.times = times;
    this.count = times.length;
    this.tail = this.count > 0 ? times[this.count - 1] : 0;
    this.gap = gap;
    this.logWarnings = logWarnings;
    this.who = who;
  }

  next(progress: TxProgress): number {
    const i = progress.sent;
    if (i < this.count) return this.times[i];
    if (this.logWarnings && !this.warned) {
      this.warned = true;
      console.warn(`replay-rate: ${this.who}: trace of ${this.count} times ran out; sending every ${this.gap} ms from now on`);
    }
    return this.tail + (i - this.count + 1) * this.gap;
  }
}

/** The replay-rate controller type. */
export const replayRate: RateControllerDefinition = {
  type: 'replay-rate',
  options: OPTIONS,
  model: () => 'open',
  validate(opts, site, round) {
    const o = readOptions(opts, site);
    // With the worker split and the folder known, every worker's trace can be checked now.
    if (round.workers === undefined || round.roundIndex === undefined || round.baseDir === undefined) return;
    for (let w = 0; w < round.workers; w++) {
      const path = resolveTracePath(o.pathTemplate, round.roundIndex, w, round.baseDir);
      let ok: boolean;
      try {
        ok = statSync(path).isFile();
      } catch {
        ok = false;
      }
      if (!ok) throw missingTrace(site, path, `worker ${w}, round ${round.roundIndex}`, 'no such file');
    }
  },
  async create(opts, ctx, site) {
    const o = readOptions(opts, site);
    const path = resolveTracePath(o.pathTemplate, ctx.roundIndex, ctx.workerIndex, ctx.baseDir);
    const who = `worker ${ctx.workerIndex}, round ${ctx.roundIndex} '${ctx.roundLabel}'`;
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw missingTrace(site, path, who, e.code === 'ENOENT' ? 'no such file' : (e.code ?? e.message));
    }
    const times = parseTrace(data, o.format, (problem) => new ConfigError(site.file, `${site.field}.opts.inputFormat`, `the ${o.format} trace for ${who} (${path}) is garbled: it ${problem}`, 'check that inputFormat matches the outputFormat it was recorded with, or record the trace again'));
    return new ReplayRateController(times, o.defaultSleepTime, o.logWarnings, who);
  },
};
