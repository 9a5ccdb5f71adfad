import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { formatMs, formatRate, parseDuration } from '../../src/stats/format.ts';

describe('parseDuration', () => {
  test.each([
    [250, 250],
    [0, 0],
    [1.5, 1.5],
    ['250', 250],
    ['250ms', 250],
    ['250 ms', 250],
    ['1.5s', 1500],
    ['1.5 S', 1500],
    ['.5s', 500],
    ['2m', 120_000],
    ['2min', 120_000],
    ['1h', 3_600_000],
    ['800us', 0.8],
    ['800µs', 0.8],
    [' 3s ', 3000],
  ] as const)('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBeCloseTo(ms, 12);
  });

  test.each(['', 'abc', 's', '1.5.2s', '-1s', '1 s 2', '1x', '1e3', '1,5s', 'Infinity', '2 m s'])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow(ConfigError);
  });

  test('rejects numbers that are not durations', () => {
    for (const n of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => parseDuration(n)).toThrow(ConfigError);
    expect(() => parseDuration(null as unknown as string)).toThrow(ConfigError);
  });

  test('the error names where the duration came from and how to write one', () => {
    try {
      parseDuration('fast', { file: 'perf/transfer.perf.ts', field: 'toHaveP95LatencyBelow' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.file).toBe('perf/transfer.perf.ts');
      expect(err.field).toBe('toHaveP95LatencyBelow');
      expect(err.message).toContain("'fast'");
      expect(err.fix).toContain('1.5s');
    }
  });
});

describe('formatMs', () => {
  test.each([
    [0, '0 ms'],
    [0.004, '4 µs'],
    [0.84, '0.84 ms'],
    [8.414, '8.41 ms'],
    [9.999, '10.0 ms'],
    [12.34, '12.3 ms'],
    [250, '250 ms'],
    [999.4, '999 ms'],
    [999.7, '1.00 s'],
    [1520, '1.52 s'],
    [95_000, '95.0 s'],
    [3_600_000, '3,600 s'],
    [-12.34, '-12.3 ms'],
    [Number.NaN, 'n/a'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});

describe('formatRate', () => {
  test.each([
    [1234.5, '1,234.5'],
    [0, '0.0'],
    [12.345, '12.3'],
    [1_000_000, '1,000,000.0'],
    [Number.POSITIVE_INFINITY, 'n/a'],
  ])('%d is %s', (tps, text) => {
    expect(formatRate(tps)).toBe(text);
  });
});
