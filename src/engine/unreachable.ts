/**
 * Tells a network that went away from one that is slow. For a network whose processes are not ours to
 * watch (a real Fabric network elsewhere), the sign is that for a while every transaction that ended
 * failed because nothing answered (gRPC UNAVAILABLE, refused connections) and none succeeded.
 */
import type { StatsSnapshot } from '../stats/snapshot.ts';

/** Seconds of nothing but "nobody answered" failures after which a network counts as gone. */
export const UNREACHABLE_AFTER_SEC = 10;

/** Failure reasons that mean no endpoint answered, as the connectors word them. */
const NOBODY_ANSWERED = /UNAVAILABLE|ECONNREFUSED|ECONNRESET|connection refused|no endorsing peers \(unavailable\)/;

/** Follows the snapshots of a round; `check()` says when the network has been unreachable long enough. */
export class UnreachableWatch {
  /** Start of the current run of "nobody answered" failures with no success, or undefined. */
  private since: number | undefined;
  private reason = '';

  constructor(private readonly afterMs = UNREACHABLE_AFTER_SEC * 1000) {}

  /** Takes one worker's snapshot as it arrives; `now` in ms (Date.now()). */
  add(snapshot: StatsSnapshot, now: number): void {
    let unreachable = 0;
    let other = 0;
    for (const reason in snapshot.failures) {
      if (NOBODY_ANSWERED.test(reason)) {
        unreachable += snapshot.failures[reason];
        this.reason = reason;
      } else other += snapshot.failures[reason];
    }
    if (snapshot.succeeded > 0 || other > 0) this.since = undefined;
    else if (unreachable > 0) this.since ??= now;
  }

  /** The abort reason once every ending transaction has failed unanswered for the whole window. */
  check(now: number): string | undefined {
    if (this.since === undefined || now - this.since < this.afterMs) return undefined;
    return `the network is unreachable: every transaction for ${Math.round((now - this.since) / 1000)}s failed with ${this.reason} and none succeeded`;
  }
}
