/**
 * ledgerbench: performance tests for Hyperledger Fabric inside Vitest.
 * @packageDocumentation
 */
export type { BenchRoundOptions } from './config/round.ts';
export type { RateControlSpec, RoundSpec } from './config/types.ts';
export type { RateControl } from './rate/public-types.ts';
export { ConfigError } from './config/errors.ts';
export type { Connector, TxOutcome, TxRequest } from './connectors/types.ts';
export { defineWorkload, WorkloadModuleBase } from './engine/workload-api.ts';
export type { TxInfo, Workload, WorkloadContext } from './engine/workload-api.ts';
export type { ConflictReport, LatencyStats, ResourceRow, RoundResult, SecondPoint } from './stats/types.ts';
export type { GatedRound } from './baseline/types.ts';
export type { CapacityPoint, CapacityResult, CapacitySearch } from './engine/capacity.ts';
export { benchCapacity, type BenchCapacityOptions, type BenchCapacityResult } from './vitest/bench-capacity.ts';
export { benchRound } from './vitest/bench-round.ts';
export { caliperBenchmark } from './vitest/caliper.ts';
export type { LatencyLimit, LedgerbenchMatchers } from './vitest/matchers.ts';
