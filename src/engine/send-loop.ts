/**
 * The worker's send loop: asks the rate controller when the next transaction is due, sends it then
 * (never early), and records intended time, send time and outcome. This is the hot path: at full speed
 * it runs hundreds of thousands of times a second, so it allocates one small record per transaction
 * (plus the continuation of the transaction's promise) and nothing else.
 */
import { setImmediate as immediate } from 'node:timers/promises';
import type { TxOutcome } from '../connectors/types.ts';
import { type RateController, type TxProgress, WAIT_FOR_COMPLETION } from '../rate/types.ts';
import type { TxRecorder } from '../stats/recorder.ts';

/** Sends in a row before the loop yields to the event loop, so IPC and timers keep running. */
const SENDS_PER_YIELD = 256;
/** Gaps shorter than this are waited out by yielding (setImmediate) rather than with a timer. */
const SPIN_LIMIT_MS = 0.05;
/** How often transactions in flight are checked against the settle limit. */
const SWEEP_INTERVAL_MS = 200;

/** A transaction in flight, kept in a linked list so the ones still open at the end can be closed. */
class PendingTx {
  prev: PendingTx | null = null;
  next: PendingTx | null = null;
  /** Given up (unfinished or interrupted): a late completion no longer counts. */
  given = false;
  constructor(
    readonly index: number,
    readonly intended: number,
    readonly sent: number,
  ) {}
}

/** What a send loop needs: when to send, what to send, and where outcomes go. */
export interface SendLoopOptions {
  /** Says when each transaction is due (or that the loop must wait for a completion). */
  controller: RateController;
  /** Receives every send and completion; its totals also feed the controller's progress. */
  recorder: TxRecorder;
  /** Runs transaction `index` of this worker; never rejects. */
  run: (index: number) => Promise<TxOutcome>;
  /** Milliseconds since the round's start instant. */
  now: () => number;
  /** Stop after this many transactions (txNumber rounds). */
  txCount?: number;
  /** Stop sending at this time (txDuration rounds). */
  durationMs?: number;
  /**
   * A transaction still unsettled this long after its send is given up as `unfinished` (a workload
   * promise that never settles must not hold a closed-model round, or the drain, forever). Unset: no
   * limit.
   */
  settleLimitMs?: number;
  /**
   * Most transactions in flight at once (open model): a transaction due while this many are open is
   * not sent, and is recorded as dropped. Unset: no limit.
   */
  maxInFlight?: number;
}

/** Drives one worker's sending; `stop()` may be called at any time. */
export class SendLoop {
  private readonly o: SendLoopOptions;
  private readonly progress: TxProgress = { now: 0, sent: 0, completed: 0, succeeded: 0, failed: 0 };
  private head: PendingTx | null = null;
  private tail: PendingTx | null = null;
  private waiter: (() => void) | null = null;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private stopped = false;

  constructor(o: SendLoopOptions) {
    this.o = o;
  }

  /** Transactions sent and not yet completed. */
  get inFlight(): number {
    return this.o.recorder.sent - this.o.recorder.completed;
  }

  /** Ends sending as soon as possible (a sleep in progress is cut short). */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** Sends until the round's count or duration is reached, or stop() is called. */
  async run(): Promise<void> {
    const sweeper = this.o.settleLimitMs === undefined ? undefined : setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    try {
      await this.sendAll();
    } finally {
      if (sweeper) clearInterval(sweeper);
    }
  }

  private async sendAll(): Promise<void> {
    const { controller, recorder, now, txCount, durationMs } = this.o;
    const p = this.progress;
    let index = 0;
    let sinceYield = 0;
    while (!this.stopped) {
      if (txCount !== undefined && index >= txCount) break;
      const t0 = now();
      if (durationMs !== undefined && t0 >= durationMs) break;
      p.now = t0;
      p.sent = index;
      p.completed = recorder.completed;
      p.succeeded = recorder.succeeded;
      p.failed = recorder.failed;
      const due = controller.next(p);
      if (due === WAIT_FOR_COMPLETION) {
        await new Promise<void>((resolve) => {
          this.waiter = resolve;
        });
        sinceYield = 0;
        continue;
      }
      if (durationMs !== undefined && due >= durationMs) {
        // Nothing more is due inside the round: hold the round to its length, then end.
        await this.sleepUntil(durationMs);
        break;
      }
      if (due === Number.POSITIVE_INFINITY) break;
      if (due > t0) {
        await this.sleepUntil(due);
        sinceYield = 0;
        if (this.stopped) break;
      }
      if (this.o.maxInFlight !== undefined && recorder.sent - recorder.completed >= this.o.maxInFlight) recorder.onDropped(index, due);
      else this.send(index, due);
      index++;
      if (++sinceYield >= SENDS_PER_YIELD) {
        sinceYield = 0;
        await immediate();
      }
    }
    await controller.end?.();
  }

  /**
   * Waits for transactions in flight, at most `timeoutMs` (each still bound by the settle limit); those
   * still open then are given up as `how` says (see TxRecorder.onUnsettled) and no later completion
   * counts. Returns how many there were.
   */
  async drain(timeoutMs: number, how: 'unfinished' | 'interrupted'): Promise<number> {
    const deadline = this.o.now() + timeoutMs;
    while (this.head && this.o.now() < deadline) {
      this.sweep();
      if (!this.head) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, Math.min(250, deadline - this.o.now())));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    let abandoned = 0;
    const end = this.o.now();
    for (let tx = this.head; tx; tx = tx.next) {
      abandoned++;
      tx.given = true;
      this.o.recorder.onUnsettled(tx.index, tx.sent, end, how);
    }
    this.head = this.tail = null;
    return abandoned;
  }

  /** Gives up the transactions past the settle limit; the list is in send order, so they lead it. */
  private sweep(): void {
    const limit = this.o.settleLimitMs;
    if (limit === undefined) return;
    const t = this.o.now();
    let released = false;
    while (this.head && t - this.head.sent >= limit) {
      const tx = this.head;
      tx.given = true;
      this.unlink(tx);
      this.o.recorder.onUnsettled(tx.index, tx.sent, t, 'unfinished');
      released = true;
    }
    if (released) this.releaseWaiter();
  }

  private send(index: number, intended: number): void {
    const sent = this.o.now();
    const tx = new PendingTx(index, intended, sent);
    this.link(tx);
    this.o.recorder.onSend(index, intended, sent);
    this.o.run(index).then((outcome) => this.complete(tx, outcome));
  }

  private complete(tx: PendingTx, outcome: TxOutcome): void {
    if (tx.given) return;
    this.unlink(tx);
    this.o.recorder.onDone(tx.index, tx.intended, tx.sent, this.o.now(), outcome);
    this.releaseWaiter();
  }

  /**
   * Never early, and no busy waiting beyond a few microseconds. setTimeout counts whole milliseconds
   * from libuv's cached loop time, so it can fire up to a millisecond before `due`: sleep the whole
   * milliseconds first, then another millisecond timer while more than SPIN_LIMIT_MS is left, and only
   * the last few microseconds by yielding with setImmediate. Spinning for whole sub-millisecond gaps
   * would burn a core at 1,000 tps, a core the system under test needs.
   */
  private async sleepUntil(due: number): Promise<void> {
    const { now } = this.o;
    let left = due - now();
    while (left > SPIN_LIMIT_MS && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.sleeper = { timer: setTimeout(resolve, Math.max(1, Math.floor(left))), resolve };
      });
      this.sleeper = null;
      left = due - now();
    }
    while (left > 0 && !this.stopped) {
      await immediate();
      left = due - now();
    }
  }

  private wake(): void {
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
      this.sleeper = null;
    }
    this.releaseWaiter();
  }

  /** Resumes a run() waiting for a completion or a drain() waiting for the in-flight set to shrink. */
  private releaseWaiter(): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w();
    }
  }

  private link(tx: PendingTx): void {
    if (this.tail) {
      this.tail.next = tx;
      tx.prev = this.tail;
    } else {
      this.head = tx;
    }
    this.tail = tx;
  }

  private unlink(tx: PendingTx): void {
    if (tx.prev) tx.prev.next = tx.next;
    else this.head = tx.next;
    if (tx.next) tx.next.prev = tx.prev;
    else this.tail = tx.prev;
  }
}
