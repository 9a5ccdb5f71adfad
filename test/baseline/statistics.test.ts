/**
 * The gate's statistics: the exact Mann-Whitney distribution against values known from tables and
 * enumeration, the ratio interval's coverage on seeded simulated repeats, and the verdicts.
 */
import { describe, expect, test } from 'vitest';
import { compareMetric, parseMargins } from '../../src/baseline/compare.ts';
import { mannWhitneyCdf, median, ratioInterval } from '../../src/baseline/statistics.ts';

/** mulberry32: seeded, so every simulated repeat below is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` repeats around `mean` with multiplicative noise of `sd` (log-normal). */
function repeats(random: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => mean * Math.exp(sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
}

/** P(U <= u) by enumerating every arrangement of n first-sample and m second-sample ranks. */
function enumeratedCdf(n: number, m: number): number[] {
  const counts = new Array(n * m + 1).fill(0);
  let total = 0;
  for (let mask = 0; mask < 1 << (n + m); mask++) {
    let ones = 0;
    for (let b = 0; b < n + m; b++) if (mask & (1 << b)) ones++;
    if (ones !== n) continue;
    // U: pairs where a first-sample rank is above a second-sample rank.
    let u = 0;
    let below = 0;
    for (let b = 0; b < n + m; b++) {
      if (mask & (1 << b)) u += below;
      else below++;
    }
    counts[u]++;
    total++;
  }
  let run = 0;
  return counts.map((c) => (run += c) / total);
}

describe('Mann-Whitney null distribution', () => {
  test.each([
    [1, 1],
    [2, 3],
    [3, 3],
    [4, 5],
    [6, 4],
  ])('matches enumeration for sizes %i and %i', (n, m) => {
    const cdf = [...mannWhitneyCdf(n, m)];
    const expected = enumeratedCdf(n, m);
    expect(cdf).toHaveLength(expected.length);
    cdf.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 12));
  });

  test('matches the published critical value for 10 and 10 (one-sided 5%: U <= 27)', () => {
    const cdf = mannWhitneyCdf(10, 10);
    expect(cdf[27]).toBeLessThanOrEqual(0.05);
    expect(cdf[28]).toBeGreaterThan(0.05);
  });
});

describe('ratioInterval', () => {
  test('the Hodges-Lehmann ratio of samples that differ by a constant factor is that factor', () => {
    const base = [100, 104, 97, 101, 99];
    const r = ratioInterval(base, base.map((v) => v * 0.9));
    expect(r.ratio).toBeCloseTo(0.9, 10);
    expect(r.interval?.[0]).toBeLessThanOrEqual(0.9);
    expect(r.interval?.[1]).toBeGreaterThanOrEqual(0.9);
  });

  test('2 repeats a side cannot reach 95% confidence; 3 a side is the least that can', () => {
    expect(ratioInterval([1, 2], [1, 2]).interval).toBeNull();
    const three = ratioInterval([10, 11, 12], [20, 21, 22]);
    // With 3 against 3 the bound is the extreme pairwise ratio: all nine must agree.
    expect(three.interval?.[0]).toBeCloseTo(20 / 12, 12);
    expect(three.interval?.[1]).toBeCloseTo(22 / 10, 12);
  });

  test('each end misses the true ratio at its exact level on seeded log-normal repeats', () => {
    const random = seeded(42);
    const trials = 4000;
    let belowLower = 0;
    let aboveUpper = 0;
    for (let t = 0; t < trials; t++) {
      const { interval } = ratioInterval(repeats(random, 5, 100, 0.05), repeats(random, 5, 90, 0.05));
      if (!interval) throw new Error('5 a side must give an interval');
      if (interval[0] > 0.9) belowLower++;
      if (interval[1] < 0.9) aboveUpper++;
    }
    // Exact level for 5 vs 5: P(U <= 4) = 12/252 = 0.0476 per end; 3 binomial standard errors around it.
    const level = 12 / 252;
    const spread = 3 * Math.sqrt((level * (1 - level)) / trials);
    for (const misses of [belowLower, aboveUpper]) expect(Math.abs(misses / trials - level)).toBeLessThan(spread);
  });

  test('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('verdicts', () => {
  const [throughput] = parseMargins({ throughput: '-5%' });
  const [p95] = parseMargins({ p95: '+10%' });
  const base = [1000, 1010, 990, 1005, 995];

  test('a confident loss beyond the margin is a regression', () => {
    const c = compareMetric(throughput, base, base.map((v) => v * 0.85));
    expect(c.verdict).toBe('regression');
    expect(c.ratio).toBeCloseTo(0.85, 6);
  });

  test('a loss inside the margin passes (within margin), noise is "no change", a gain is an improvement', () => {
    expect(compareMetric(throughput, base, [980, 978, 982, 979, 981]).verdict).toBe('within margin');
    expect(compareMetric(throughput, base, [1002, 998, 1001, 1003, 997]).verdict).toBe('no change');
    expect(compareMetric(throughput, base, base.map((v) => v * 1.3)).verdict).toBe('improvement');
  });

  test('for latencies a rise is worse: +20% fails a +10% margin, -20% is an improvement', () => {
    const lat = [50, 51, 49, 50.5, 49.5];
    expect(compareMetric(p95, lat, lat.map((v) => v * 1.2)).verdict).toBe('regression');
    expect(compareMetric(p95, lat, lat.map((v) => v * 0.8)).verdict).toBe('improvement');
  });

  test('an overlap with the margin is not a regression: the gate fails only with confidence', () => {
    // Median 6% down, but the repeats spread across the -5% line.
    const noisy = [900, 1000, 920, 990, 940];
    const c = compareMetric(throughput, base, noisy);
    expect(c.ratio).toBeLessThan(0.95);
    expect(c.verdict).not.toBe('regression');
  });

  test('seeded power: 5 repeats a side find a 10% loss behind a -5% margin at 2% noise, never alarm on noise', () => {
    // The statistics' power where the noise is known, so a change to them that loses power or level
    // fails here; bench/gate.bench.ts measures the gate against the real embedded network.
    const random = seeded(7);
    const rate = (sd: number, ratio: number) => {
      let hits = 0;
      for (let i = 0; i < 1000; i++) if (compareMetric(throughput, repeats(random, 5, 100, sd), repeats(random, 5, 100 * ratio, sd)).verdict === 'regression') hits++;
      return hits / 1000;
    };
    expect(rate(0.02, 0.9)).toBeGreaterThanOrEqual(0.95);
    expect(rate(0.05, 0.9)).toBeLessThan(0.95);
    for (const sd of [0.02, 0.05, 0.15]) expect(rate(sd, 1)).toBeLessThanOrEqual(0.05);
  });

  test('too few repeats is its own verdict', () => {
    expect(compareMetric(throughput, [1, 2], [1, 2]).verdict).toBe('too few repeats');
  });

  test('margins are checked: sign, unit, figure', () => {
    expect(() => parseMargins({ throughput: '+5%' })).toThrow(/throughput: "\+5%" is not a margin; write how much it may fall as '-5%'/);
    expect(() => parseMargins({ p95: '-10%' })).toThrow(/write how much it may rise as '\+5%'/);
    expect(() => parseMargins({ p95: '10' })).toThrow(/is not a margin/);
    expect(() => parseMargins({ thruput: '-5%' })).toThrow(/thruput is not a gated figure; use one of: throughput, successRate/);
    expect(() => parseMargins({})).toThrow(/give the margins to allow/);
    expect(() => parseMargins({ throughput: '-100%' })).toThrow(/is not a margin/);
    expect(parseMargins({ throughput: '-5%', p99: '+12.5%' })).toEqual([
      { metric: 'throughput', written: '-5%', limit: 0.95, higherIsBetter: true },
      { metric: 'p99', written: '+12.5%', limit: 1.125, higherIsBetter: false },
    ]);
  });
});
