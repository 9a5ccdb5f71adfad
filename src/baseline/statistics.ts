/**
 * The gate's statistics: a rank-based (Mann-Whitney / Hodges-Lehmann) interval on the ratio of two
 * sets of repeats.
 *
 * Why rank-based rather than a bootstrap: CI runs afford 3 to 10 repeats a side, and at such sizes a
 * percentile bootstrap of medians is known to be too narrow (its distribution has only a handful of
 * distinct values), which is exactly the false alarm a gate must not raise. The Mann-Whitney interval
 * is exact for any sample size (its coverage holds by construction, under the assumption that a change
 * scales every repeat alike), needs no resampling and so no seed, and says plainly when there are too
 * few repeats to reach the confidence asked for. It works on logarithms, so a shift is a ratio.
 */

/**
 * P(U <= u) for u = 0..n*m, the exact null distribution of the Mann-Whitney U statistic for samples of
 * sizes n and m without ties, by the recursion p(n, m) = n/(n+m) p(n-1, m) shifted by m + m/(n+m) p(n, m-1).
 */
export function mannWhitneyCdf(n: number, m: number): Float64Array {
  // prev[j]: distribution for (i-1, j); cur[j]: for (i, j). p(0, j) = p(i, 0) = [1].
  let prev: Float64Array[] = Array.from({ length: m + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= n; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= m; j++) {
      const d = new Float64Array(i * j + 1);
      // U counts pairs where the first sample is larger. The largest of all i + j values is from the
      // first sample with probability i/(i+j), and then beats all j of the second: U grows by j.
      const a = prev[j]; // (i-1, j)
      const b = cur[j - 1]; // (i, j-1)
      const wa = i / (i + j);
      const wb = j / (i + j);
      for (let u = 0; u < a.length; u++) d[u + j] += wa * a[u];
      for (let u = 0; u < b.length; u++) d[u] += wb * b[u];
      cur.push(d);
    }
    prev = cur;
  }
  const density = prev[m];
  const cdf = new Float64Array(density.length);
  let sum = 0;
  for (let u = 0; u < density.length; u++) {
    sum += density[u];
    cdf[u] = Math.min(sum, 1);
  }
  return cdf;
}

/** The median of a list of numbers (mean of the middle two for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A ratio candidate / baseline with its confidence interval. */
export interface RatioEstimate {
  /** Hodges-Lehmann estimate: exp of the median of all pairwise log-ratios. */
  ratio: number;
  /** [lower, upper]: each a one-sided bound at `1 - alpha`; null when the sample sizes cannot reach it. */
  interval: [number, number] | null;
}

/** Values at or below zero (a round with no success) are held at this floor so their logarithm exists. */
const FLOOR = 1e-9;

/**
 * Estimates candidate / baseline from repeats, with the Mann-Whitney interval for the shift of the
 * log values: [D(k), D(nm+1-k)] of the sorted pairwise differences D, k the largest with
 * P(U <= k-1) <= alpha. With alpha 0.05 each end is a one-sided 95% bound (a 90% interval overall);
 * 3 repeats a side is the least that reaches it.
 */
export function ratioInterval(baseline: readonly number[], candidate: readonly number[], alpha = 0.05): RatioEstimate {
  if (baseline.length === 0 || candidate.length === 0) throw new RangeError('ratioInterval: both samples need at least one value');
  const log = (v: number) => Math.log(Math.max(v, FLOOR));
  const x = baseline.map(log);
  const y = candidate.map(log);
  const d: number[] = [];
  for (const yj of y) for (const xi of x) d.push(yj - xi);
  d.sort((a, b) => a - b);
  const ratio = Math.exp(median(d));
  const cdf = mannWhitneyCdf(x.length, y.length);
  let k = 0;
  // Tolerance: the recursion's rounding must not push an exact 0.05 (3 vs 3 repeats) past alpha.
  while (k < cdf.length && cdf[k] <= alpha + 1e-12) k++;
  // Now cdf[k-1] <= alpha < cdf[k]: the k-th smallest difference is the lower bound.
  if (k === 0) return { ratio, interval: null };
  return { ratio, interval: [Math.exp(d[k - 1]), Math.exp(d[d.length - k])] };
}
