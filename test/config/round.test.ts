import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { DEFAULT_TX_TIMEOUT_MS, normalizeRound } from '../../src/config/round.ts';

const origin = { source: 'perf/x.perf.ts', field: '', baseDir: resolve('fixtures/workloads'), roundIndex: 3 };
const base = { label: 'r', txNumber: 10, workload: './noop.ts' };

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('benchRound options', () => {
  test('defaults: one worker, Caliper default rate, 30 s timeout, no trim', () => {
    const spec = normalizeRound(base, origin);
    expect(spec).toMatchObject({ label: 'r', roundIndex: 3, workers: 1, trim: 0, txTimeoutMs: DEFAULT_TX_TIMEOUT_MS, rateControl: { type: 'fixed-rate', opts: { tps: 1 } } });
    expect(spec.workload.module).toBe(resolve('fixtures/workloads/noop.ts'));
  });

  test('timeouts take ms or duration strings', () => {
    expect(normalizeRound({ ...base, txTimeout: '1.5s' }, origin).txTimeoutMs).toBe(1500);
    expect(normalizeRound({ ...base, txTimeout: 250 }, origin).txTimeoutMs).toBe(250);
    expect(fieldOf(() => normalizeRound({ ...base, txTimeout: 'soon' }, origin))).toBe('txTimeout');
  });

  test('readyTimeout takes ms or a duration string, is left to the engine default when absent, and rejects garbage', () => {
    expect(normalizeRound(base, origin).readyTimeoutMs).toBeUndefined();
    expect(normalizeRound({ ...base, readyTimeout: '5m' }, origin).readyTimeoutMs).toBe(300_000);
    expect(normalizeRound({ ...base, readyTimeout: 90_000 }, origin).readyTimeoutMs).toBe(90_000);
    for (const bad of ['later', 0, -5, Number.POSITIVE_INFINITY]) {
      expect(fieldOf(() => normalizeRound({ ...base, readyTimeout: bad }, origin))).toBe('readyTimeout');
    }
  });

  test('maxInFlight is a whole number above 0, left to the engine default when absent', () => {
    expect(normalizeRound(base, origin).maxInFlight).toBeUndefined();
    expect(normalizeRound({ ...base, maxInFlight: 2000 }, origin).maxInFlight).toBe(2000);
    for (const bad of [0, 1.5, -1, '100']) {
      expect(fieldOf(() => normalizeRound({ ...base, maxInFlight: bad as number }, origin))).toBe('maxInFlight');
    }
  });

  test('a transactionLoad below the workers runs with a warning through origin.warn', () => {
    const warnings: string[] = [];
    const spec = normalizeRound({ ...base, workers: 4, txNumber: 40, rateControl: { type: 'fixed-load', opts: { transactionLoad: 2 } } }, { ...origin, warn: (m) => warnings.push(m) });
    expect(spec.workers).toBe(4);
    expect(warnings).toEqual([expect.stringContaining('perf/x.perf.ts: rateControl.opts.transactionLoad: is 2, less than the 4 workers; each worker keeps 1')]);
  });

  test('each mistake names its field', () => {
    expect(fieldOf(() => normalizeRound({ ...base, label: '' }, origin))).toBe('label');
    expect(fieldOf(() => normalizeRound({ ...base, txDuration: 5 }, origin))).toBe('txNumber');
    expect(fieldOf(() => normalizeRound({ label: 'r', workload: './noop.ts' }, origin))).toBe('txNumber/txDuration');
    expect(fieldOf(() => normalizeRound({ ...base, txNumber: 0 }, origin))).toBe('txNumber');
    expect(fieldOf(() => normalizeRound({ ...base, txNumber: 2.5 }, origin))).toBe('txNumber');
    expect(fieldOf(() => normalizeRound({ ...base, workers: 0 }, origin))).toBe('workers');
    expect(fieldOf(() => normalizeRound({ ...base, workers: 20 }, origin))).toBe('txNumber');
    expect(fieldOf(() => normalizeRound({ ...base, trim: -1 }, origin))).toBe('trim');
    expect(fieldOf(() => normalizeRound({ ...base, trim: 5 }, origin))).toBe('trim');
    expect(fieldOf(() => normalizeRound({ label: 'r', txDuration: 10, trim: 5, workload: './noop.ts' }, origin))).toBe('trim');
    expect(fieldOf(() => normalizeRound({ ...base, workload: './missing.ts' }, origin))).toBe('workload');
    expect(fieldOf(() => normalizeRound({ ...base, rateControl: { type: 'warp-speed' } as never }, origin))).toMatch(/^rateControl/);
    expect(fieldOf(() => normalizeRound({ ...base, rateControl: { type: 'fixed-rate', opts: { tps: -1 } } }, origin))).toMatch(/^rateControl/);
    expect(fieldOf(() => normalizeRound({ ...base, arguments: [] as unknown as Record<string, unknown> }, origin))).toBe('arguments');
    expect(fieldOf(() => normalizeRound({ ...base, txNumbr: 5 } as never, origin))).toBe('txNumbr');
  });
});
