/**
 * Capacity search: the highest offered rate a network sustains while a service level holds. Rates
 * grow geometrically from a start until one fails, then the gap between the last rate that held and
 * the first that failed is bisected until it is narrower than the resolution. Each rate runs as an
 * open-model round (see the caller's `runAt`), `repeats` times; a rate holds when most repeats hold.
 * This replaces guessing a maximum-rate controller's settings: the answer is a number and a curve.
 */
import type { RoundResult } from '../stats/types.ts';

/** What a rate must hold to count as sustained. Latencies in ms. */
export interface ServiceLevel {
  /** Highest p95 latency of successful transactions. */
  p95Ms?: number;
  /** Highest p99 latency of successful transactions. */
  p99Ms?: number;
  /** Lowest succeeded / (succeeded + failed); default 0.99. */
  successRate?: number;
  /**
   * Lowest throughput / offered rate: a network that answers well but slower than asked is not
   * sustaining the rate (default 0.9: a round's throughput counts its last latency too, so a short
   * step that keeps up shows a few percent below the offer).
   */
  keepUp?: number;
}

/** How the search moves. */
export interface CapacitySearch {
  /** First offered rate, tps (default 10). */
  startTps?: number;
  /** Highest rate tried, tps (default 100,000). */
  maxTps?: number;
  /** Growth factor while rates hold (default 2). */
  growth?: number;
  /** Stop when (failed - held) / held is at most this (default 0.1). */
  resolution?: number;
  /** Runs per rate; the rate holds when more than half hold (default 1). */
  repeats?: number;
}

/** One offered rate as measured (median figures over its repeats). */
export interface CapacityPoint {
  offeredTps: number;
  throughput: number;
  p95Ms: number;
  p99Ms: number;
  successRate: number;
  holds: boolean;
  /** Why it did not hold (the first broken condition of the median run). */
  broken?: string;
  repeats: number;
}

/** The search's answer. */
export interface CapacityResult {
  /** Highest offered rate that held; 0 when even the start rate failed. */
  capacityTps: number;
  /** The first rate above it that failed, when one was found. */
  failedTps?: number;
  slo: Required<Pick<ServiceLevel, 'successRate' | 'keepUp'>> & Pick<ServiceLevel, 'p95Ms' | 'p99Ms'>;
  /** Every rate tried, in ascending order of offered rate. */
  points: CapacityPoint[];
}

/** Runs one round at `tps` and returns its result (attempt counts from 0 over the whole search). */
export type RunAtRate = (tps: number, attempt: number) => Promise<RoundResult>;

const successRateOf = (r: RoundResult) => (r.succeeded + r.failed > 0 ? r.succeeded / (r.succeeded + r.failed) : 0);

/** The first broken condition of a round at `offered`, or undefined when it held. */
export function brokenCondition(r: RoundResult, offered: number, slo: CapacityResult['slo']): string | undefined {
  if (r.aborted) return `aborted: ${r.aborted.reason}`;
  const success = successRateOf(r);
  if (success < slo.successRate) return `success ${(success * 100).toFixed(2)}% < ${(slo.successRate * 100).toFixed(2)}%`;
  if (r.throughput < slo.keepUp * offered) return `throughput ${r.throughput.toFixed(1)} < ${(slo.keepUp * 100).toFixed(0)}% of ${offered} tps`;
  if (slo.p95Ms !== undefined && r.latency.p95 > slo.p95Ms) return `p95 ${r.latency.p95.toFixed(1)} ms > ${slo.p95Ms} ms`;
  if (slo.p99Ms !== undefined && r.latency.p99 > slo.p99Ms) return `p99 ${r.latency.p99.toFixed(1)} ms > ${slo.p99Ms} ms`;
  return undefined;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Searches for the capacity; `onPoint` sees each rate once measured (for progress lines). */
export async function searchCapacity(slo: ServiceLevel, search: CapacitySearch, runAt: RunAtRate, onPoint?: (p: CapacityPoint) => void): Promise<CapacityResult> {
  const level: CapacityResult['slo'] = { successRate: slo.successRate ?? 0.99, keepUp: slo.keepUp ?? 0.9, p95Ms: slo.p95Ms, p99Ms: slo.p99Ms };
  const start = search.startTps ?? 10;
  const max = search.maxTps ?? 100_000;
  const growth = search.growth ?? 2;
  const resolution = search.resolution ?? 0.1;
  const repeats = search.repeats ?? 1;
  if (!(start > 0) || !(max >= start) || !(growth > 1) || !(resolution > 0) || !(Number.isInteger(repeats) && repeats >= 1)) {
    throw new RangeError(`capacity search: need 0 < startTps <= maxTps, growth > 1, resolution > 0 and a whole repeats >= 1 (got ${JSON.stringify(search)})`);
  }
  const points: CapacityPoint[] = [];
  let attempt = 0;
  const measure = async (tps: number): Promise<CapacityPoint> => {
    const rounds: RoundResult[] = [];
    for (let i = 0; i < repeats; i++) rounds.push(await runAt(tps, attempt++));
    const broken = rounds.map((r) => brokenCondition(r, tps, level));
    const held = broken.filter((b) => b === undefined).length;
    const point: CapacityPoint = {
      offeredTps: tps,
      throughput: median(rounds.map((r) => r.throughput)),
      p95Ms: median(rounds.map((r) => r.latency.p95)),
      p99Ms: median(rounds.map((r) => r.latency.p99)),
      successRate: median(rounds.map(successRateOf)),
      holds: held * 2 > repeats,
      repeats,
    };
    if (!point.holds) point.broken = broken.find((b) => b !== undefined);
    points.push(point);
    onPoint?.(point);
    return point;
  };

  let held = 0;
  let failed: number | undefined;
  for (let tps = start; ; tps = Math.min(max, Math.round(tps * growth))) {
    if ((await measure(tps)).holds) held = tps;
    else {
      failed = tps;
      break;
    }
    if (tps >= max) break;
  }
  while (failed !== undefined && held > 0 && (failed - held) / held > resolution) {
    const mid = Math.round((held + failed) / 2);
    if (mid === held || mid === failed) break;
    if ((await measure(mid)).holds) held = mid;
    else failed = mid;
  }
  points.sort((a, b) => a.offeredTps - b.offeredTps);
  const result: CapacityResult = { capacityTps: held, slo: level, points };
  if (failed !== undefined) result.failedTps = failed;
  return result;
}
