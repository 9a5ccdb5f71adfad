/**
 * Which chaincode is running right now. Chaincode runs in the network's process, and transactions of
 * different chaincodes interleave at every await, so "now" is an async context, not a variable: the
 * loader and every Init/Invoke run inside {@link chaincodeScope}, and code that acts for a chaincode
 * (its console output, its shim.start() call) asks the scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChaincodeLog } from './chaincode-log.ts';

/** What is known about the chaincode whose code is running. */
export interface ChaincodeScope {
  /** Where its console output goes; without one, output stays on the network's console. */
  log?: ChaincodeLog;
  /** Set while its module loads: what it handed to shim.start() / shim.server(). */
  started?: unknown[];
}

/** The async context of chaincode code. */
export const chaincodeScope = new AsyncLocalStorage<ChaincodeScope>();
