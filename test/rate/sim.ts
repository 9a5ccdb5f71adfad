/** Drives rate controllers with simulated progress: no sleeping, no real clock. */
import type { RateContext, RateController, TxProgress } from '../../src/rate/types.ts';

/** A worker context with defaults for tests. */
export function ctx(overrides: Partial<RateContext> = {}): RateContext {
  return { workerIndex: 0, workerCount: 1, roundIndex: 0, roundLabel: 'test', baseDir: '/nonexistent', ...overrides };
}

/** A fresh progress record at time 0. */
export function progress(): TxProgress {
  return { now: 0, sent: 0, completed: 0, succeeded: 0, failed: 0 };
}

/**
 * Intended times of the first `count` transactions of an open-model controller, for a worker that
 * is always exactly on time and whose transactions complete instantly (now = previous intended
 * time when it asks). Stops early at Infinity.
 */
export function schedule(controller: RateController, count: number): number[] {
  const p = progress();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    p.sent = i;
    p.completed = i;
    p.succeeded = i;
    const t = controller.next(p);
    if (t === Number.POSITIVE_INFINITY) break;
    times.push(t);
    p.now = Math.max(p.now, t);
  }
  return times;
}

/** Times an on-time worker sends before `untilMs` (the worker stops at its duration). */
export function scheduleUntil(controller: RateController, untilMs: number, limit = 10_000_000): number[] {
  const p = progress();
  const times: number[] = [];
  for (let i = 0; i < limit; i++) {
    p.sent = i;
    p.completed = i;
    p.succeeded = i;
    const t = controller.next(p);
    if (t >= untilMs) break;
    times.push(t);
    p.now = Math.max(p.now, t);
  }
  return times;
}
