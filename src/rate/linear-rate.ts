/**
 * linear-rate `{ startingTps, finishingTps }`: the rate moves linearly from the starting to the
 * finishing value over the round: over the round's duration for txDuration rounds, over the
 * worker's transactions for txNumber rounds. (Caliper interpolated the sleep time; here the *rate*
 * is linear, as the option names say.)
 *
 * Intended times come from inverting the cumulative count N(t) = ∫ rate, in closed form, so each
 * time is computed directly from the transaction index and rounding never accumulates. Each worker
 * runs at 1/W of the rates with a w/W phase shift (it sends when the cumulative count reaches
 * i + w/W), so the workers interleave evenly.
 */
import { ConfigError } from '../config/errors.ts';
import type { RateControllerDefinition } from './definition.ts';
import { checkKnownOptions, type OptionSite, readNumber } from './options.ts';
import type { RateContext, RateController, TxProgress } from './types.ts';

const OPTIONS = ['startingTps', 'finishingTps'] as const;

/** Rate linear in time over `durationMs`; constant at the finishing rate afterwards. */
class LinearOverTime implements RateController {
  readonly model = 'open' as const;
  private readonly a: number;
  private readonly b: number;
  private readonly k4: number;
  private readonly phase: number;
  private readonly durationMs: number;
  private readonly countAtEnd: number;

  /** Rates a and b are this worker's, in transactions per millisecond. */
  constructor(a: number, b: number, durationMs: number, phase: number) {
    this.a = a;
    this.b = b;
    this.durationMs = durationMs;
    this.phase = phase;
    // N(t) = a·t + (b − a)·t² / (2D); solving N(t) = x uses 4·(b − a)/(2D).
    this.k4 = (2 * (b - a)) / durationMs;
    this.countAtEnd = ((a + b) * durationMs) / 2;
  }

  next(progress: TxProgress): number {
    const x = progress.sent + this.phase;
    if (x >= this.countAtEnd) return this.durationMs + (x - this.countAtEnd) / this.b;
    // The root 2x / (a + √(a² + 4kx)) stays accurate when b ≈ a, where the textbook form cancels.
    return (2 * x) / (this.a + Math.sqrt(this.a * this.a + this.k4 * x));
  }
}

/** Rate linear in the transaction index over `txCount` transactions. */
class LinearOverCount implements RateController {
  readonly model = 'open' as const;
  private readonly a: number;
  private readonly b: number;
  private readonly phase: number;
  private readonly txCount: number;
  private readonly slope: number;
  private readonly timeAtEnd: number;

  /** Rates a and b are this worker's, in transactions per millisecond. */
  constructor(a: number, b: number, txCount: number, phase: number) {
    this.a = a;
    this.b = b;
    this.txCount = txCount;
    this.phase = phase;
    this.slope = (b - a) / (a * txCount);
    this.timeAtEnd = this.timeOf(txCount);
  }

  /** t(x) = ∫₀ˣ dj / rate(j) = (n / (b − a)) · ln(rate(x) / a), written to stay exact as b → a. */
  private timeOf(x: number): number {
    const u = this.slope * x;
    return u === 0 ? x / this.a : ((x / this.a) * Math.log1p(u)) / u;
  }

  next(progress: TxProgress): number {
    const x = progress.sent + this.phase;
    if (x > this.txCount) return this.timeAtEnd + (x - this.txCount) / this.b;
    return this.timeOf(x);
  }
}

function readRates(opts: Record<string, unknown>, site: OptionSite): { start: number; finish: number } {
  checkKnownOptions(opts, site, OPTIONS);
  const meaning = (which: string) => `transactions per second for the whole round at its ${which}`;
  return {
    start: readNumber(opts, site, 'startingTps', { min: 'positive', meaning: meaning('start'), example: 10 }),
    finish: readNumber(opts, site, 'finishingTps', { min: 'positive', meaning: meaning('end'), example: 100 }),
  };
}

/** Builds the controller for one worker from the whole round's starting and finishing rates. */
function createLinearRate(startTps: number, finishTps: number, ctx: RateContext, site: OptionSite): RateController {
  const a = startTps / ctx.workerCount / 1000;
  const b = finishTps / ctx.workerCount / 1000;
  const phase = ctx.workerIndex / ctx.workerCount;
  // A worker with no transactions (more workers than txNumber) is never asked; 1 keeps the maths finite.
  if (ctx.txCount !== undefined) return new LinearOverCount(a, b, Math.max(ctx.txCount, 1), phase);
  if (ctx.durationMs !== undefined && ctx.durationMs > 0) return new LinearOverTime(a, b, ctx.durationMs, phase);
  throw new ConfigError(site.file, `${site.field}.type`, 'linear-rate needs a round length (txNumber or txDuration) to spread the change over', 'give the round a txNumber or a txDuration');
}

/** The linear-rate controller type. */
export const linearRate: RateControllerDefinition = {
  type: 'linear-rate',
  options: OPTIONS,
  model: () => 'open',
  validate(opts, site) {
    readRates(opts, site);
  },
  create(opts, ctx, site) {
    const { start, finish } = readRates(opts, site);
    return createLinearRate(start, finish, ctx, site);
  },
};
