/**
 * fixed-load `{ transactionLoad }` and its old name fixed-backlog `{ unfinished_per_client }`:
 * closed model. The worker keeps a fixed number of transactions in flight and sends the next one as
 * soon as one completes.
 *
 * transactionLoad is the whole round's load, split over the workers with the remainder going to the
 * first ones; a load below the worker count gives every worker one transaction in flight, as Caliper
 * did (its per-worker target was a fraction below 1), with a warning. unfinished_per_client is
 * already per worker. Caliper's pacing options that only mattered before the first completion
 * (startTps, sleep_time) are accepted and ignored: here a worker simply fills its backlog at once;
 * so is `startingTps`, which caliper-benchmarks' files write although Caliper never read it.
 */
import type { RateControllerDefinition } from './definition.ts';
import { checkKnownOptions, type OptionSite, type RoundShape, readNumber, workerShare } from './options.ts';
import { type RateController, type TxProgress, WAIT_FOR_COMPLETION } from './types.ts';

/** Caliper's default load when none is given. */
export const DEFAULT_LOAD = 10;

/** Sends at once while the backlog is below `load`, otherwise waits for a completion. */
export class FixedLoadController implements RateController {
  readonly model = 'closed' as const;
  private readonly load: number;

  /** `load` is this worker's number of transactions in flight. */
  constructor(load: number) {
    this.load = load;
  }

  next(progress: TxProgress): number {
    return progress.sent - progress.completed < this.load ? progress.now : WAIT_FOR_COMPLETION;
  }
}

/** Reads a whole-round `transactionLoad` (default 10). */
export function readTotalLoad(opts: Record<string, unknown>, site: OptionSite): number {
  return readNumber(opts, site, 'transactionLoad', {
    min: 'positive',
    integer: true,
    fallback: DEFAULT_LOAD,
    meaning: 'transactions in flight across all workers',
    example: 20,
  });
}

/** Reads a per-worker `unfinished_per_client` (default 10). */
export function readPerWorkerLoad(opts: Record<string, unknown>, site: OptionSite): number {
  return readNumber(opts, site, 'unfinished_per_client', {
    min: 'positive',
    integer: true,
    fallback: DEFAULT_LOAD,
    meaning: 'transactions in flight per worker',
    example: 10,
  });
}

/**
 * Warns (through `round.warn`) when a whole-round load is smaller than the number of workers: each
 * worker then keeps one transaction in flight, so the round runs with `workers` in flight, more than
 * asked. Caliper did the same without a word.
 */
export function warnIfLoadBelowWorkers(total: number, round: RoundShape, site: OptionSite): void {
  if (round.workers !== undefined && total < round.workers) {
    round.warn?.(
      `${site.file}: ${site.field}.opts.transactionLoad: is ${total}, less than the ${round.workers} workers; each worker keeps 1 transaction in flight (${round.workers} in all), as Caliper did`,
    );
  }
}

/** This worker's share of a whole-round load, at least 1 so that no worker is left without load. */
export function perWorkerLoad(total: number, workerIndex: number, workerCount: number): number {
  return Math.max(1, workerShare(total, workerIndex, workerCount));
}

const LOAD_OPTIONS = ['transactionLoad', 'startTps', 'startingTps'] as const;
const BACKLOG_OPTIONS = ['unfinished_per_client', 'sleep_time', 'startTps', 'startingTps'] as const;

/** Caliper's first-transactions pacing options, which have no effect here but must be well-formed. */
function readIgnoredPacing(opts: Record<string, unknown>, site: OptionSite): void {
  for (const name of ['startTps', 'startingTps']) {
    readNumber(opts, site, name, { min: 'positive', fallback: 1, meaning: 'ignored here; Caliper paced the first transactions with it', example: 5 });
  }
}

function validateLoad(opts: Record<string, unknown>, site: OptionSite, round: RoundShape): void {
  checkKnownOptions(opts, site, LOAD_OPTIONS);
  readIgnoredPacing(opts, site);
  warnIfLoadBelowWorkers(readTotalLoad(opts, site), round, site);
}

function validateBacklog(opts: Record<string, unknown>, site: OptionSite): void {
  checkKnownOptions(opts, site, BACKLOG_OPTIONS);
  readIgnoredPacing(opts, site);
  readNumber(opts, site, 'sleep_time', { min: 'nonNegative', fallback: 0, meaning: 'ignored here; Caliper slept this long before the first completion', example: 100 });
  readPerWorkerLoad(opts, site);
}

/** The fixed-load controller type (load for the whole round). */
export const fixedLoad: RateControllerDefinition = {
  type: 'fixed-load',
  options: LOAD_OPTIONS,
  model: () => 'closed',
  validate: validateLoad,
  create(opts, ctx, site) {
    validateLoad(opts, site, {});
    return new FixedLoadController(perWorkerLoad(readTotalLoad(opts, site), ctx.workerIndex, ctx.workerCount));
  },
};

/** The fixed-backlog controller type (Caliper's old name; load per worker). */
export const fixedBacklog: RateControllerDefinition = {
  type: 'fixed-backlog',
  options: BACKLOG_OPTIONS,
  model: () => 'closed',
  validate: (opts, site) => validateBacklog(opts, site),
  create(opts, _ctx, site) {
    validateBacklog(opts, site);
    return new FixedLoadController(readPerWorkerLoad(opts, site));
  },
};
