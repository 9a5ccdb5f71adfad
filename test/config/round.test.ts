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
    expect(fieldOf(() => normalizeRound({ ...base, rateControl: { type: 'warp-speed' } }, origin))).toMatch(/^rateControl/);
    expect(fieldOf(() => normalizeRound({ ...base, rateControl: { type: 'fixed-rate', opts: { tps: -1 } } }, origin))).toMatch(/^rateControl/);
    expect(fieldOf(() => normalizeRound({ ...base, arguments: [] as unknown as Record<string, unknown> }, origin))).toBe('arguments');
    expect(fieldOf(() => normalizeRound({ ...base, txNumbr: 5 } as never, origin))).toBe('txNumbr');
  });
});
