/**
 * fixed-feedback-rate `{ tps, transactionLoad }` (old per-worker name: `unfinished_per_client`):
 * fixed-rate sending that pauses while the backlog is full.
 *
 * The worker follows the fixed-rate schedule while fewer than `load` of its transactions are in
 * flight; at the load it answers WAIT_FOR_COMPLETION. When sending resumes after such a pause and
 * the schedule has fallen behind, the schedule restarts from the current time instead of bursting
 * to catch up (which would immediately refill the backlog). Because the SUT's slowness thus
 * stretches the schedule, this is a closed-model controller. Caliper's `sleep_time` / `sleepTime`
 * (its back-off step) are accepted and ignored: waiting for a completion replaces the back-off.
 */
import type { RateControllerDefinition } from './definition.ts';
import { perWorkerLoad, readPerWorkerLoad, readTotalLoad, warnIfLoadBelowWorkers } from './fixed-load.ts';
import { readTps } from './fixed-rate.ts';
import { checkKnownOptions, type OptionSite, pickAlias, type RoundShape, readNumber } from './options.ts';
import { type RateController, type TxProgress, WAIT_FOR_COMPLETION } from './types.ts';

const OPTIONS = ['tps', 'transactionLoad', 'unfinished_per_client', 'sleep_time', 'sleepTime'] as const;

/** Fixed-rate schedule with a backlog cap and schedule restart after a pause. */
export class FixedFeedbackRateController implements RateController {
  readonly model = 'closed' as const;
  private readonly interval: number;
  private readonly load: number;
  /** Time and transaction index the current schedule segment starts from. */
  private base: number;
  private baseIndex = 0;
  private paused = false;

  /**
   * @param tps whole-round rate; this worker runs at tps / workerCount, phase-shifted by its index
   * @param load this worker's maximum number of transactions in flight
   */
  constructor(tps: number, load: number, workerIndex: number, workerCount: number) {
    this.interval = (workerCount * 1000) / tps;
    this.base = (workerIndex * 1000) / tps;
    this.load = load;
  }

  next(progress: TxProgress): number {
    if (progress.sent - progress.completed >= this.load) {
      this.paused = true;
      return WAIT_FOR_COMPLETION;
    }
    let t = this.base + (progress.sent - this.baseIndex) * this.interval;
    if (this.paused) {
      this.paused = false;
      if (t < progress.now) {
        this.base = progress.now;
        this.baseIndex = progress.sent;
        t = progress.now;
      }
    }
    return t;
  }
}

function readOptions(opts: Record<string, unknown>, site: OptionSite): { tps: number; total?: number; perWorker?: number } {
  checkKnownOptions(opts, site, OPTIONS);
  const tps = readTps(opts, site);
  for (const name of ['sleep_time', 'sleepTime']) {
    readNumber(opts, site, name, { min: 'nonNegative', fallback: 0, meaning: "ignored here; Caliper's back-off step in ms", example: 100 });
  }
  const loadName = pickAlias(opts, site, ['transactionLoad', 'unfinished_per_client']);
  if (loadName === 'unfinished_per_client') return { tps, perWorker: readPerWorkerLoad(opts, site) };
  return { tps, total: readTotalLoad(opts, site) };
}

/** The fixed-feedback-rate controller type. */
export const fixedFeedbackRate: RateControllerDefinition = {
  type: 'fixed-feedback-rate',
  options: OPTIONS,
  model: () => 'closed',
  validate(opts, site, round: RoundShape) {
    const o = readOptions(opts, site);
    if (o.total !== undefined) warnIfLoadBelowWorkers(o.total, round, site);
  },
  create(opts, ctx, site) {
    const o = readOptions(opts, site);
    const load = o.perWorker ?? perWorkerLoad(o.total!, ctx.workerIndex, ctx.workerCount);
    return new FixedFeedbackRateController(o.tps, load, ctx.workerIndex, ctx.workerCount);
  },
};
