/** Hand-built RoundResults with realistic figures, for the matcher tests. */
import type { LatencyStats, RoundResult } from '../../src/stats/types.ts';

const latency = (o: Partial<LatencyStats> = {}): LatencyStats => ({
  count: 5930,
  min: 3.12,
  max: 412.5,
  avg: 41.37,
  p50: 35.2,
  p75: 52.8,
  p90: 88.4,
  p95: 121.6,
  p99: 238.9,
  p999: 390.1,
  ...o,
});

/**
 * A 30 s fixed-rate round at 200 tps against a Fabric-like network: 5930 succeeded, 70 failed
 * (endorsement and MVCC), 199.8 tps sent, 197.1 tps through, p95 121.6 ms.
 */
export function transferRound(o: Partial<RoundResult> = {}): RoundResult {
  return {
    schemaVersion: 1,
    label: 'transfer',
    roundIndex: 2,
    workers: 2,
    rateControl: { type: 'fixed-rate', opts: { tps: 200 } },
    model: 'open',
    txDuration: 30,
    trim: 0,
    startedAt: '2026-11-22T10:00:00.000Z',
    elapsedSec: 30.44,
    succeeded: 5930,
    failed: 70,
    failuresByReason: { ENDORSEMENT_POLICY_FAILURE: 12, MVCC_READ_CONFLICT: 58 },
    sendRate: 199.8,
    throughput: 197.1,
    caliperThroughput: 199.4,
    latency: latency(),
    phases: {},
    series: [],
    conflicts: {
      byCode: { MVCC_READ_CONFLICT: 58 },
      hotKeys: [
        { key: 'account_17', count: 31, readers: ['transfer'], writers: ['transfer'] },
        { key: 'account_4', count: 27, readers: ['transfer'], writers: ['transfer'] },
      ],
      source: 'embedded-validator',
    },
    expectations: [],
    ...o,
  };
}

/** A round in which nothing succeeded (the network refused every transaction). */
export function deadRound(o: Partial<RoundResult> = {}): RoundResult {
  return transferRound({
    label: 'dead',
    succeeded: 0,
    failed: 400,
    failuresByReason: { 'connection refused': 400 },
    throughput: 0,
    caliperThroughput: 40.1,
    sendRate: 40,
    latency: { count: 0, min: 0, max: 0, avg: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0 },
    conflicts: undefined,
    ...o,
  });
}
