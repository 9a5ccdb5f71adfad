/**
 * How many transactions a worker lets be in flight at once in an open-model round. Under overload an
 * open-model worker keeps sending on schedule while answers lag, so its backlog (and memory) grows
 * without bound; past the limit a due transaction is not sent but counted as dropped. The default
 * comes from memory, not from throughput: what one transaction in flight costs the worker (measured
 * per connector with `npm run bench -- overload`) against a fixed budget for the backlog.
 */

/** Memory a worker may spend on transactions in flight. */
export const BACKLOG_BUDGET_BYTES = 32 * 1024 * 1024;

/**
 * Bytes a transaction in flight costs a worker, by connector (its call state, request and promise
 * chain). fabric-gateway: measured against the embedded network held at overload; others: their
 * promise and timer only.
 */
const BYTES_PER_IN_FLIGHT: Record<string, number> = {
  // `npm run bench -- overload` on a quiet machine: (RSS at 2,500 in flight - RSS at 500) / 2,000.
  'fabric-gateway': 120 * 1024,
};
const DEFAULT_BYTES_PER_IN_FLIGHT = 1024;

/**
 * This worker's limit: the round's `maxInFlight` split over its workers (rounded up), or the budget
 * divided by the connector's cost.
 */
export function workerMaxInFlight(roundMax: number | undefined, workers: number, connector: string): number {
  if (roundMax !== undefined) return Math.max(1, Math.ceil(roundMax / workers));
  return Math.floor(BACKLOG_BUDGET_BYTES / (BYTES_PER_IN_FLIGHT[connector] ?? DEFAULT_BYTES_PER_IN_FLIGHT));
}
