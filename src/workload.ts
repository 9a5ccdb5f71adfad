/**
 * The workload API alone, for CommonJS: what `require('ledgerbench')` returns. Workload modules run in
 * worker processes, where tsx turns a required ES module into CommonJS, and the full entry would then
 * require Vitest, whose CommonJS entry refuses to load. Test files import the full entry (src/index.ts),
 * since Vitest always loads them as ES modules.
 * @packageDocumentation
 */
export { ConfigError } from './config/errors.ts';
export { defineWorkload, WorkloadModuleBase } from './engine/workload-api.ts';
export type { TxInfo, Workload, WorkloadContext } from './engine/workload-api.ts';
export type { Connector, TxOutcome, TxRequest } from './connectors/types.ts';
