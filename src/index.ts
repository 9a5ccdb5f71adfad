// Public API of ledgerbench. Filled in as rooms land.
export type { RoundResult, LatencyStats } from './stats/types.ts';
