/**
 * Splits a round's transaction count over its workers: equal shares, the remainder one each to the
 * first workers, so the shares add up exactly to the total.
 */
export function splitCount(total: number, workers: number): number[] {
  const base = Math.floor(total / workers);
  const extra = total - base * workers;
  return Array.from({ length: workers }, (_, i) => base + (i < extra ? 1 : 0));
}
