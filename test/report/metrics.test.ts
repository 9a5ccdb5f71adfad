import { describe, expect, test } from 'vitest';
import { metricMoved, metricValue, metricValues, shownMetrics } from '../../src/report/metrics.ts';
import { SAMPLE_MAX_CHARS, safeFailureSamples } from '../../src/report/samples.ts';
import type { MetricFigure } from '../../src/stats/types.ts';

const fig = (metric: string, kind: MetricFigure['kind'], value: MetricFigure['value'], labels: Record<string, string> = {}): MetricFigure => ({ source: 'prometheus', metric, labels, kind, value });

describe('metric values with units', () => {
  test('durations in ms below a second and s above, bytes in binary units, counts with separators', () => {
    expect(metricValue('endorser_proposal_duration', 'p95', 0.0245)).toBe('24.50 ms');
    expect(metricValue('ledger_block_processing_time', 'sum', 12.5)).toBe('12.50 s');
    expect(metricValue('process_cpu_seconds_total', 'increase', 0.25)).toBe('250.00 ms');
    // A histogram's count counts observations, whatever the metric's unit.
    expect(metricValue('endorser_proposal_duration', 'count', 12000)).toBe('12,000');
    expect(metricValue('process_resident_memory_bytes', 'max', 96 * 1024 * 1024)).toBe('96.0 MiB');
    expect(metricValue('ledger_transaction_count', 'increase', 1234567)).toBe('1,234,567');
    expect(metricValue('broadcast_queue', 'avg', 0.123456)).toBe('0.123');
    expect(metricValue('broadcast_queue', 'avg', 12.3456)).toBe('12.3');
    expect(metricValue('broadcast_queue', 'avg', null)).toBe('-');
    expect(metricValues(fig('endorser_proposal_duration', 'histogram', { count: 3, p50: 0.011, p99: null }))).toBe('count 3, p50 11.00 ms, p99 -');
  });
});

describe('which metric rows are shown', () => {
  test('a row is shown when something happened in the round: an increase, an observation, a gauge off zero', () => {
    expect(metricMoved(fig('endorser_proposals_received', 'counter', { increase: 0 }, { chaincode: 'marbles' }))).toBe(false);
    expect(metricMoved(fig('endorser_proposals_received', 'counter', { increase: null }))).toBe(false);
    expect(metricMoved(fig('endorser_proposals_received', 'counter', { increase: 5 }))).toBe(true);
    expect(metricMoved(fig('endorser_proposal_duration', 'histogram', { count: 0, sum: 0, p50: null }))).toBe(false);
    expect(metricMoved(fig('endorser_proposal_duration', 'histogram', { count: 2, sum: 0.01, p50: 0.005 }))).toBe(true);
    expect(metricMoved(fig('gossip_state_height', 'gauge', { max: 0, avg: 0, min: 0, last: 0 }))).toBe(false);
    // A gauge that stayed at a non-zero value still tells the reader something (e.g. the block height).
    expect(metricMoved(fig('ledger_blockchain_height', 'gauge', { max: 7, avg: 7, min: 7, last: 7 }))).toBe(true);
    const { shown, hidden } = shownMetrics([fig('a', 'counter', { increase: 0 }), fig('b', 'counter', { increase: 1 })]);
    expect([shown.map((m) => m.metric), hidden]).toEqual([['b'], 1]);
  });
});

describe('failure samples', () => {
  test('at most 3 per reason, each cut to 500 characters, key material and URL passwords removed, empty ones left out', () => {
    const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkey\n-----END EC PRIVATE KEY-----';
    const out = safeFailureSamples({
      'endorse: UNAVAILABLE': ['one', `two ${key}`, 'three', 'four'],
      'commit: timeout': [`${'y'.repeat(600)} grpcs://admin:adminpw@peer0:7051`],
      empty: [],
      odd: [42 as unknown as string, ''],
    });
    expect(out).toEqual({
      'endorse: UNAVAILABLE': ['one', 'two [REDACTED]', 'three'],
      'commit: timeout': [`${'y'.repeat(SAMPLE_MAX_CHARS - 1)}…`],
    });
    expect(safeFailureSamples({ 'x: y': [`at https://u:secret@ca:7054`] })).toEqual({ 'x: y': ['at https://u:[REDACTED]@ca:7054'] });
    expect(safeFailureSamples(undefined)).toBeUndefined();
    expect(safeFailureSamples({ empty: [] })).toBeUndefined();
  });
});
