/**
 * fixed-rate `{ tps }`: a constant arrival rate for the whole round, split evenly over the workers.
 *
 * Worker w of W sends its transaction i at (i·W + w) · 1000 / tps ms: each worker runs at tps / W,
 * and the w/W phase shift interleaves the workers so the combined stream is evenly spaced. The time
 * is one product and one division of exact integers, so rounding never accumulates with i.
 */
import type { RateControllerDefinition } from './definition.ts';
import { checkKnownOptions, type OptionSite, readNumber } from './options.ts';
import type { RateContext, RateController, TxProgress } from './types.ts';

const OPTIONS = ['tps'] as const;

/** Reads and checks `tps` (transactions per second for the whole round). */
export function readTps(opts: Record<string, unknown>, site: OptionSite): number {
  return readNumber(opts, site, 'tps', { min: 'positive', meaning: 'transactions per second for the whole round, all workers together', example: 100 });
}

/** Open-model controller with a constant rate; exported for controllers that reuse its schedule. */
export class FixedRateController implements RateController {
  readonly model = 'open' as const;
  private readonly workerCount: number;
  private readonly workerIndex: number;
  private readonly tps: number;

  /** `tps` is the whole round's rate; this worker runs at tps / workerCount. */
  constructor(tps: number, workerIndex: number, workerCount: number) {
    this.tps = tps;
    this.workerIndex = workerIndex;
    this.workerCount = workerCount;
  }

  next(progress: TxProgress): number {
    return ((progress.sent * this.workerCount + this.workerIndex) * 1000) / this.tps;
  }
}

/** The fixed-rate controller type. */
export const fixedRate: RateControllerDefinition = {
  type: 'fixed-rate',
  options: OPTIONS,
  model: () => 'open',
  validate(opts, site) {
    checkKnownOptions(opts, site, OPTIONS);
    readTps(opts, site);
  },
  create(opts, ctx: RateContext, site) {
    checkKnownOptions(opts, site, OPTIONS);
    return new FixedRateController(readTps(opts, site), ctx.workerIndex, ctx.workerCount);
  },
};
