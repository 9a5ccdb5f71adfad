/**
 * composite-rate `{ weights, rateControllers, logChange }`: several controllers take turns within
 * one round, each for its weight's share of the round (of the worker's transactions in txNumber
 * rounds, of the duration in txDuration rounds). Zero weights switch an entry off.
 *
 * Each sub-controller sees its own round: transaction indices and time restart at its share, so an
 * open-model sub-controller keeps its absolute schedule. Where a share ends:
 * - txDuration rounds: exactly at the share boundary (weight · duration). An open-model
 *   sub-controller hands over as soon as its next intended time falls at or past the boundary, a
 *   closed-model one once the clock passes it.
 * - txNumber rounds: after its share of transactions. For an open-model part the share's length on
 *   its own schedule is t(n) − t(0) (when it would send its next transaction, minus its first
 *   answer, which is the worker's phase shift), so the next part's clock starts at the same instant
 *   in every worker and the combined stream stays interleaved across the switch. After a
 *   closed-model part the next clock starts at the current time.
 * The completed count is shifted together with the sent count so that backlog (sent − completed)
 * stays the worker's real backlog for closed-model sub-controllers.
 */
import type { RateControlSpec } from '../config/types.ts';
import { ConfigError } from '../config/errors.ts';
import type { NestedControllers, RateControllerDefinition } from './definition.ts';
import { checkKnownOptions, type OptionSite, optionError, type RoundShape, readBoolean, show } from './options.ts';
import { type RateContext, type RateController, type TxProgress, WAIT_FOR_COMPLETION } from './types.ts';

const OPTIONS = ['weights', 'rateControllers', 'logChange'] as const;

interface CompositeOptions {
  /** Weights normalized to sum 1 (zeros kept, so indices match rateControllers). */
  shares: number[];
  specs: RateControlSpec[];
  logChange: boolean;
}

function readOptions(opts: Record<string, unknown>, site: OptionSite): CompositeOptions {
  checkKnownOptions(opts, site, OPTIONS);
  const { weights, rateControllers } = opts;
  if (!Array.isArray(weights) || weights.length === 0) {
    throw optionError(site, 'weights', `must be a non-empty list of numbers, got ${show(weights)}`, 'write e.g. weights: [2, 1] (one weight per entry of rateControllers)');
  }
  if (!Array.isArray(rateControllers) || rateControllers.length === 0) {
    throw optionError(site, 'rateControllers', `must be a non-empty list of rate controllers, got ${show(rateControllers)}`, "write e.g. rateControllers: [{ type: 'fixed-rate', opts: { tps: 100 } }, { type: 'zero-rate' }]");
  }
  if (weights.length !== rateControllers.length) {
    throw optionError(site, 'weights', `has ${weights.length} entries but rateControllers has ${rateControllers.length}`, 'give exactly one weight per rate controller');
  }
  const values = weights.map((w, i) => {
    const v = typeof w === 'number' ? w : typeof w === 'string' && w.trim() !== '' ? Number(w) : Number.NaN;
    if (!Number.isFinite(v) || v < 0) {
      throw optionError(site, `weights[${i}]`, `must be a number of 0 or more, got ${show(w)}`, 'use a non-negative number (0 switches the entry off)');
    }
    return v;
  });
  const sum = values.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw optionError(site, 'weights', 'are all zero, so no controller would ever run', 'give at least one controller a weight above 0');
  return { shares: values.map((v) => v / sum), specs: rateControllers as RateControlSpec[], logChange: readBoolean(opts, site, 'logChange', false) };
}

/** The round a sub-controller sees: the same round cut to its share (or no length for weight 0). */
function subRound(round: RoundShape, share: number): RoundShape {
  if (share === 0) return { workers: round.workers, roundIndex: round.roundIndex, baseDir: round.baseDir };
  return {
    ...round,
    txNumber: round.txNumber === undefined ? undefined : round.txNumber * share,
    txDuration: round.txDuration === undefined ? undefined : round.txDuration * share,
  };
}

/** One scheduled sub-controller. */
interface Part {
  controller: RateController;
  /** End of its share: transaction index (txNumber) or ms since round start (txDuration). */
  end: number;
  type: string;
}

/** Hands `next()` to the active part, translating indices and time into its own round. */
class CompositeRateController implements RateController {
  readonly model: 'open' | 'closed';
  private readonly parts: Part[];
  private readonly byCount: boolean;
  private readonly logChange: boolean;
  private readonly workerIndex: number;
  private active = 0;
  private firstIndex = 0;
  private clockStart = 0;
  /** First answer of the active part on its own clock (its phase shift), once it has answered. */
  private firstAnswer = 0;
  private answered = false;
  /** Reused for every call to the active part, so `next()` allocates nothing. */
  private readonly sub: TxProgress = { now: 0, sent: 0, completed: 0, succeeded: 0, failed: 0 };

  constructor(parts: Part[], byCount: boolean, logChange: boolean, workerIndex: number) {
    this.parts = parts;
    this.byCount = byCount;
    this.logChange = logChange;
    this.workerIndex = workerIndex;
    this.model = parts.some((p) => p.controller.model === 'closed') ? 'closed' : 'open';
  }

  next(progress: TxProgress): number {
    for (;;) {
      const last = this.active === this.parts.length - 1;
      const end = this.parts[this.active].end;
      if (!last && (this.byCount ? progress.sent >= end : progress.now >= end)) {
        this.switchAt(progress, end);
        continue;
      }
      const t = this.ask(progress);
      if (!this.answered && t >= 0 && t !== Number.POSITIVE_INFINITY) {
        this.answered = true;
        this.firstAnswer = t - this.clockStart;
      }
      // Infinity (e.g. zero-rate) is at or past any boundary, so a silent share ends on time too.
      if (!last && !this.byCount && t !== WAIT_FOR_COMPLETION && t >= end) {
        this.switchAt(progress, end);
        continue;
      }
      return t;
    }
  }

  /** Asks the active part, in its own coordinates, and maps the answer back to the round clock. */
  private ask(progress: TxProgress): number {
    const sub = this.sub;
    sub.now = progress.now - this.clockStart;
    sub.sent = progress.sent - this.firstIndex;
    sub.completed = progress.completed - this.firstIndex;
    sub.succeeded = progress.succeeded;
    sub.failed = progress.failed;
    const t = this.parts[this.active].controller.next(sub);
    return t === WAIT_FOR_COMPLETION || t === Number.POSITIVE_INFINITY ? t : t + this.clockStart;
  }

  private switchAt(progress: TxProgress, end: number): void {
    if (this.byCount) {
      const part = this.parts[this.active].controller;
      // Where the finished part would have sent next, less its phase: the end of its share.
      const t = part.model === 'open' ? this.ask(progress) : WAIT_FOR_COMPLETION;
      this.clockStart = t >= 0 && t !== Number.POSITIVE_INFINITY ? t - this.firstAnswer : progress.now;
      this.firstIndex = end;
    } else {
      this.clockStart = end;
      this.firstIndex = progress.sent;
    }
    this.active++;
    this.firstAnswer = 0;
    this.answered = false;
    if (this.logChange) {
      console.info(`composite-rate: worker ${this.workerIndex} switched to ${this.parts[this.active].type} (#${this.active}) at tx ${progress.sent}, ${Math.round(this.clockStart)} ms`);
    }
  }

  async end(): Promise<void> {
    for (const p of this.parts) await p.controller.end?.();
  }
}

async function create(opts: Record<string, unknown>, ctx: RateContext, site: OptionSite, nested: NestedControllers): Promise<RateController> {
  const o = readOptions(opts, site);
  const byCount = ctx.txCount !== undefined;
  const total = byCount ? ctx.txCount! : ctx.durationMs;
  if (total === undefined) {
    throw new ConfigError(site.file, `${site.field}.type`, 'composite-rate needs a round length (txNumber or txDuration) to share out by weight', 'give the round a txNumber or a txDuration');
  }
  // Boundaries from cumulative weights; in txNumber rounds whole transactions, the last part takes the rest.
  const lastUsed = o.shares.findLastIndex((s) => s > 0);
  const layout: { index: number; start: number; end: number }[] = [];
  let cumulative = 0;
  let start = 0;
  o.shares.forEach((share, index) => {
    if (share === 0) return;
    cumulative += share;
    const end = index === lastUsed ? total : byCount ? Math.floor(total * cumulative) : total * cumulative;
    layout.push({ index, start, end });
    start = end;
  });
  // A share too small to hold one transaction would only get in the way of the switch logic.
  const kept = byCount ? layout.filter((l, i) => l.end > l.start || i === layout.length - 1) : layout;
  const parts: Part[] = [];
  for (const l of kept) {
    const spec = o.specs[l.index];
    const subCtx: RateContext = byCount ? { ...ctx, txCount: l.end - l.start, durationMs: undefined } : { ...ctx, txCount: undefined, durationMs: l.end - l.start };
    const controller = await nested.create(spec, subCtx, site.file, `${site.field}.opts.rateControllers[${l.index}]`);
    parts.push({ controller, end: l.end, type: spec.type });
  }
  return new CompositeRateController(parts, byCount, o.logChange, ctx.workerIndex);
}

/** The composite-rate controller type. */
export const compositeRate: RateControllerDefinition = {
  type: 'composite-rate',
  options: OPTIONS,
  model(opts, nested) {
    const specs = Array.isArray(opts.rateControllers) ? (opts.rateControllers as RateControlSpec[]) : [];
    const weights = Array.isArray(opts.weights) ? opts.weights : [];
    return specs.some((s, i) => Number(weights[i]) > 0 && nested.model(s) === 'closed') ? 'closed' : 'open';
  },
  validate(opts, site, round, nested) {
    const o = readOptions(opts, site);
    o.specs.forEach((spec, i) => {
      nested.validate(spec, site.file, `${site.field}.opts.rateControllers[${i}]`, subRound(round, o.shares[i]));
    });
  },
  create,
};
