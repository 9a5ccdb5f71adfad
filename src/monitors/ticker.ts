/**
 * The sampling clock every monitor shares: runs a job every interval, never two at once.
 */

/** Runs `job` every `intervalMs` from start() to stop(); a tick that finds the job still running is skipped. */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  /**
   * @param intervalMs time between ticks
   * @param job one sample; it must not throw (monitors catch and warn), but a rejection is swallowed here
   *   too so that a bug in one monitor cannot crash the benchmark through an unhandled rejection
   */
  constructor(
    private readonly intervalMs: number,
    private readonly job: () => Promise<void>,
  ) {}

  /** Start ticking. The timer is unref'd: monitoring alone never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.runNow();
    }, this.intervalMs);
    this.timer.unref();
  }

  /**
   * Take a sample now, or join the one already running (a sample that overlaps is skipped, not queued,
   * so a slow daemon cannot pile up requests).
   */
  runNow(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.job()
        .catch(() => undefined)
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }

  /** Wait for the running sample, if any. */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  /** Stop ticking and wait for the sample in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  /** True between start() and stop(). */
  get running(): boolean {
    return this.timer !== undefined;
  }
}
