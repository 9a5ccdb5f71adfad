/**
 * maximum-rate `{ tps, step, sampleInterval, includeFailed }`: searches for the highest rate the
 * system under test sustains. Open model, Caliper's defaults (tps 5, step 5, sampleInterval 10 s,
 * includeFailed true).
 *
 * The worker starts at tps / W. Sampling starts at the first completion; at the end of every
 * sampleInterval it measures its own throughput over the window (completions, or successes when
 * includeFailed is false). While the throughput keeps rising it raises the rate by step / W; when it
 * stops rising it backs off by one step and halves the step (as Caliper does, so the search settles).
 * Two refinements over Caliper's any-increase rule, which on a simulated server either climbed far
 * past the capacity (a saturated throughput still creeps up by rounding) or, once backed off, kept
 * backing off forever (a steady throughput never "rises"):
 * - "rising" means by more than half a step;
 * - a worker whose throughput keeps up with its offered rate (within KEEP_UP) also raises, so after
 *   a back-off it probes upwards again with the smaller step and settles just around the capacity.
 * The schedule is piecewise: a rate change starts a new segment at the intended time of the next
 * transaction under the old rate, so the segments join without a jump and lateness never shifts it.
 */
import type { RateControllerDefinition } from './definition.ts';
import { checkKnownOptions, type OptionSite, readBoolean, readNumber } from './options.ts';
import type { RateController, TxProgress } from './types.ts';

const OPTIONS = ['tps', 'step', 'sampleInterval', 'includeFailed'] as const;

/** Below this per-worker step (tps) the step stops halving, as in Caliper. */
const MIN_HALVING_STEP = 0.2;

/** Throughput at or above this fraction of the offered rate counts as keeping up. */
const KEEP_UP = 0.98;

/** Normalized options of maximum-rate. */
export interface MaximumRateOptions {
  /** Starting rate for the whole round, tps. */
  tps: number;
  /** Rate change per sample for the whole round, tps. */
  step: number;
  /** Sample window, seconds. */
  sampleInterval: number;
  /** Count failed transactions as throughput. */
  includeFailed: boolean;
}

/** Reads maximum-rate options with Caliper's defaults. */
function readMaximumRateOptions(opts: Record<string, unknown>, site: OptionSite): MaximumRateOptions {
  checkKnownOptions(opts, site, OPTIONS);
  return {
    tps: readNumber(opts, site, 'tps', { min: 'positive', fallback: 5, meaning: 'starting transactions per second for the whole round', example: 50 }),
    step: readNumber(opts, site, 'step', { min: 'positive', fallback: 5, meaning: 'tps added per sample while throughput rises', example: 10 }),
    sampleInterval: readNumber(opts, site, 'sampleInterval', { min: 'positive', fallback: 10, meaning: 'seconds between throughput samples', example: 5 }),
    includeFailed: readBoolean(opts, site, 'includeFailed', true),
  };
}

/** The hill-climbing open-model controller for one worker. */
export class MaximumRateController implements RateController {
  readonly model = 'open' as const;
  private rate: number;
  private step: number;
  private interval: number;
  private base: number;
  private baseIndex = 0;
  private readonly sampleMs: number;
  private readonly includeFailed: boolean;
  private started = false;
  /** Completion count at the first call; sampling starts once it grows. */
  private baseline = Number.NaN;
  private nextSampleAt = 0;
  private sampleStart = 0;
  private sampleCount = 0;
  private lastThroughput = 0;

  constructor(o: MaximumRateOptions, workerIndex: number, workerCount: number) {
    this.rate = o.tps / workerCount;
    this.step = o.step / workerCount;
    this.interval = 1000 / this.rate;
    this.base = (workerIndex / workerCount) * this.interval;
    this.sampleMs = o.sampleInterval * 1000;
    this.includeFailed = o.includeFailed;
  }

  /** This worker's current target rate in tps. */
  get workerTps(): number {
    return this.rate;
  }

  next(progress: TxProgress): number {
    if (progress.now >= this.nextSampleAt) this.sample(progress);
    return this.base + (progress.sent - this.baseIndex) * this.interval;
  }

  private sample(progress: TxProgress): void {
    const count = this.includeFailed ? progress.completed : progress.succeeded;
    if (!this.started) {
      if (Number.isNaN(this.baseline)) this.baseline = count;
      // Until something completes there is nothing to observe; keep checking on every call.
      if (count <= this.baseline) return;
      this.started = true;
      this.openWindow(progress.now, count);
      return;
    }
    const elapsed = progress.now - this.sampleStart;
    if (elapsed <= 0) return;
    const throughput = ((count - this.sampleCount) * 1000) / elapsed;
    const rising = throughput > this.lastThroughput + this.step / 2 || throughput >= this.rate * KEEP_UP;
    const newRate = rising ? this.rate + this.step : this.backOff();
    this.lastThroughput = throughput;
    this.setRate(newRate, progress.sent);
    this.openWindow(progress.now, count);
  }

  private backOff(): number {
    const lower = this.rate - this.step > 0 ? this.rate - this.step : this.rate / 2;
    if (this.step > MIN_HALVING_STEP) this.step /= 2;
    return lower;
  }

  /** Starts a new schedule segment at the old-rate intended time of transaction `sent`. */
  private setRate(rate: number, sent: number): void {
    this.base += (sent - this.baseIndex) * this.interval;
    this.baseIndex = sent;
    this.rate = rate;
    this.interval = 1000 / rate;
  }

  private openWindow(now: number, count: number): void {
    this.sampleStart = now;
    this.sampleCount = count;
    this.nextSampleAt = now + this.sampleMs;
  }
}

/** The maximum-rate controller type. */
export const maximumRate: RateControllerDefinition = {
  type: 'maximum-rate',
  options: OPTIONS,
  model: () => 'open',
  validate(opts, site) {
    readMaximumRateOptions(opts, site);
  },
  create(opts, ctx, site) {
    return new MaximumRateController(readMaximumRateOptions(opts, site), ctx.workerIndex, ctx.workerCount);
  },
};
