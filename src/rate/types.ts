/**
 * The contract between the worker's send loop and a rate controller.
 *
 * Time is milliseconds since the round's common start instant (all workers share it through the
 * start barrier). Open-model controllers answer with the *intended* send time of the next
 * transaction on that absolute clock, so a late send never shifts the rest of the schedule and
 * latency can be measured from the intended time (coordinated omission). Closed-model controllers
 * (fixed-load and friends) send when the backlog allows; they answer `WAIT_FOR_COMPLETION` while it
 * does not.
 */

/** Returned by closed-model controllers: ask again after the next transaction completes. */
export const WAIT_FOR_COMPLETION = -1;

/** What a controller knows about its worker and round when it is created. */
export interface RateContext {
  workerIndex: number;
  workerCount: number;
  roundIndex: number;
  roundLabel: string;
  /** This worker's share of txNumber, when the round is txNumber-based. */
  txCount?: number;
  /** Round length in milliseconds, when the round is txDuration-based. */
  durationMs?: number;
  /** Folder against which relative file paths in options (record/replay) are resolved. */
  baseDir: string;
}

/** The worker's progress, passed on every call. */
export interface TxProgress {
  /** Milliseconds since round start, now. */
  now: number;
  /** Transactions this worker has sent so far. */
  sent: number;
  /** Transactions this worker has seen complete (succeeded + failed). */
  completed: number;
  succeeded: number;
  failed: number;
}

export interface RateController {
  /** `open`: schedule on an absolute clock; `closed`: backlog-driven (latency is not CO-corrected). */
  readonly model: 'open' | 'closed';
  /**
   * Intended send time (ms since round start) of the next transaction, which is number
   * `progress.sent` of this worker; or WAIT_FOR_COMPLETION; or `Infinity` to send nothing more
   * (zero-rate, or a replay that ran out and says so).
   */
  next(progress: TxProgress): number;
  /** Called once the round's sending has finished (record-rate writes its file here). */
  end?(): Promise<void>;
}

/** Builds a controller from its `opts`. Throws a ConfigError-style Error for bad options. */
export type RateControllerFactory = (
  opts: Record<string, unknown>,
  ctx: RateContext,
) => RateController | Promise<RateController>;
