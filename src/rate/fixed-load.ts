/**
 * fixed-load `{ transactionLoad }` and its old name fixed-backlog `{ unfinished_per_client }`:
 * closed model. The worker keeps a fixed number of transactions in flight and sends the next one as
 * soon as one completes.
 *
 * transactionLoad is the whole round's load, split over the workers with the remainder going to the
 * first ones; unfinished_per_client is already per worker. Caliper's pacing options that only
 * mattered before the first completion (startTps, sleep_time) are accepted and ignored: here a
 * worker simply fills its backlog at once.
 */
import { ConfigError } from '../config/errors.ts';
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
 * Rejects a whole-round load smaller than the number of workers: some workers would get a load of 0
 * and never send (a txNumber round would then never finish).
 */
export function checkLoadCoversWorkers(total: number, workers: number | undefined, site: OptionSite): void {
  if (workers !== undefined && total < workers) {
    throw new ConfigError(
      site.file,
      `${site.field}.opts.transactionLoad`,
      `is ${total}, less than the ${workers} workers; it is split among them, so some would have nothing in flight and never send`,
      `set transactionLoad to at least ${workers}, or use fewer workers`,
    );
  }
}

/** This worker's share of a whole-round load; throws when the share is empty. */
export function perWorkerLoad(total: number, workerIndex: number, workerCount: number, site: OptionSite): number {
  checkLoadCoversWorkers(total, workerCount, site);
  return workerShare(total, workerIndex, workerCount);
}

const LOAD_OPTIONS = ['transactionLoad', 'startTps'] as const;
const BACKLOG_OPTIONS = ['unfinished_per_client', 'sleep_time'] as const;

function validateLoad(opts: Record<string, unknown>, site: OptionSite, round: RoundShape): void {
  checkKnownOptions(opts, site, LOAD_OPTIONS);
  readNumber(opts, site, 'startTps', { min: 'positive', fallback: 1, meaning: 'ignored here; Caliper paced the first transactions with it', example: 5 });
  checkLoadCoversWorkers(readTotalLoad(opts, site), round.workers, site);
}

function validateBacklog(opts: Record<string, unknown>, site: OptionSite): void {
  checkKnownOptions(opts, site, BACKLOG_OPTIONS);
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
    return new FixedLoadController(perWorkerLoad(readTotalLoad(opts, site), ctx.workerIndex, ctx.workerCount, site));
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
