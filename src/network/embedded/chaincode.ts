/**
 * Loading Node chaincode into the network process, unmodified and as a Fabric peer starts it (see
 * chaincode-entry.ts for which file): a fabric-contract-api module (`module.exports.contracts =
 * [...]`, or a single Contract class) runs through the ChaincodeFromContract of the fabric-shim the
 * chaincode resolves; a low-level fabric-shim chaincode (an object or class with Init/Invoke, or
 * whatever its file hands to shim.start()) runs as it is. Loading and every Init/Invoke run in the
 * chaincode's scope, so its console output goes to its log.
 */
import { pathToFileURL } from 'node:url';
import { ChaincodeLoadError, chaincodeThrew, withLogTail } from './chaincode-error.ts';
import { type ChaincodeEntry, chaincodeEntry } from './chaincode-entry.ts';
import { type AnyClass, type FabricLibraries, fabricLibrariesFor } from './chaincode-libraries.ts';
import type { ChaincodeLog } from './chaincode-log.ts';
import { type ChaincodeScope, chaincodeScope } from './chaincode-scope.ts';
import type { ChaincodeResponse } from './stub.ts';

export { ChaincodeLoadError } from './chaincode-error.ts';

/** What the network calls: fabric-shim's chaincode interface. */
export interface ShimChaincode {
  Init(stub: unknown): Promise<ChaincodeResponse> | ChaincodeResponse;
  Invoke(stub: unknown): Promise<ChaincodeResponse> | ChaincodeResponse;
}

/** Options of {@link loadChaincode}. */
export interface LoadChaincodeOptions {
  /** Where the chaincode's console output goes (while it loads and in every Init/Invoke). */
  log?: ChaincodeLog;
}

const FIX_OWN_CODE = "fix the chaincode where the frame above points: it throws in the same place when a Fabric peer starts it";

/**
 * Load a chaincode (a folder, or a module file). Throws ChaincodeLoadError naming the folder, the
 * package.json field or the chaincode's own stack frame, and the fix.
 */
export async function loadChaincode(path: string, opts: LoadChaincodeOptions = {}): Promise<ShimChaincode> {
  try {
    const impl = await load(path, opts.log);
    return opts.log ? inScope(impl, { log: opts.log }) : impl;
  } catch (err) {
    throw err instanceof ChaincodeLoadError ? withLogTail(err, opts.log) : err;
  }
}

async function load(path: string, log: ChaincodeLog | undefined): Promise<ShimChaincode> {
  const entry = chaincodeEntry(path);
  const fabric = fabricLibrariesFor(entry.dir);
  const scope: ChaincodeScope = { log, started: [] };
  let mod: Record<string, unknown>;
  try {
    mod = await chaincodeScope.run(scope, async () => {
      const m = (await import(pathToFileURL(entry.file).href)) as Record<string, unknown>;
      // A start deferred by a promise at the top level (after an async setup) still counts.
      await new Promise((r) => setImmediate(r));
      return m;
    });
  } catch (err) {
    throw chaincodeThrew(`${entry.file} (${entry.via}) threw while loading`, err, entry.dir, FIX_OWN_CODE);
  }
  const started = scope.started!;
  scope.started = undefined;
  return started.length > 0 ? (started[0] as ShimChaincode) : fromExports(entry, pickExports(mod), fabric, scope);
}

/** The chaincode a module's exports describe (run inside its scope: constructors run here). */
async function fromExports(entry: ChaincodeEntry, exp: unknown, fabric: FabricLibraries, scope: ChaincodeScope): Promise<ShimChaincode> {
  if (isShimChaincode(exp)) return exp;
  if (typeof exp === 'function' && isShimChaincode((exp as AnyClass).prototype)) {
    try {
      return chaincodeScope.run(scope, () => new (exp as AnyClass)() as ShimChaincode);
    } catch (err) {
      throw chaincodeThrew(`the constructor of ${(exp as AnyClass).name || 'the exported chaincode class'} threw`, err, entry.dir, FIX_OWN_CODE);
    }
  }
  const contracts = Array.isArray((exp as { contracts?: unknown }).contracts)
    ? ((exp as { contracts: AnyClass[] }).contracts as AnyClass[])
    : typeof exp === 'function'
      ? [exp as AnyClass]
      : undefined;
  if (!contracts || contracts.length === 0 || contracts.some((c) => typeof c !== 'function')) throw nothingToRun(entry);
  for (const c of contracts) {
    if (!(c.prototype instanceof fabric.Contract) && !extendsSomeContract(c)) {
      throw new ChaincodeLoadError(
        `contract ${c.name || '(anonymous class)'} exported by ${entry.file} does not extend fabric-contract-api's Contract`,
        "write `class MyContract extends Contract` with `const { Contract } = require('fabric-contract-api')`",
      );
    }
  }
  let serializers = (exp as { serializers?: { transaction?: string; serializers?: Record<string, unknown> } }).serializers;
  if (serializers && !serializers.transaction) {
    throw new ChaincodeLoadError(`${entry.file} exports serializers without a 'transaction' property`, "name the serializer for transactions: module.exports.serializers = { transaction: 'name', serializers: { name: Class } }");
  }
  if (serializers) serializers.serializers = { ...serializers.serializers, jsonSerializer: fabric.JSONSerializer };
  else serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: fabric.JSONSerializer } };
  let metadata: unknown;
  try {
    metadata = await chaincodeScope.run(scope, () => fabric.getMetadata(entry.dir));
  } catch (err) {
    throw new ChaincodeLoadError(`the contract metadata of ${entry.dir} (META-INF/metadata.json or contract-metadata/metadata.json) does not load: ${(err as Error).message}`, 'fix the metadata file, or remove it to have the contract API introspect the contracts');
  }
  try {
    // It appends its system contract to the array it is given: hand it a copy.
    return chaincodeScope.run(scope, () => new fabric.ChaincodeFromContract([...contracts], serializers, metadata, entry.pkg.name ?? 'chaincode', entry.pkg.version ?? '1.0') as ShimChaincode);
  } catch (err) {
    throw chaincodeThrew(`contract ${contracts.map((c) => c.name).join(', ')} did not start (a constructor threw or the contract API refused it)`, err, entry.dir, FIX_OWN_CODE);
  }
}

function nothingToRun(entry: ChaincodeEntry): ChaincodeLoadError {
  if (entry.kind === 'program') {
    return new ChaincodeLoadError(
      `${entry.file} (${entry.via}) neither called shim.start(chaincode) while loading nor exports fabric-contract-api contracts or a fabric-shim chaincode with Init/Invoke`,
      `make ${entry.file} call require('fabric-shim').start(new Chaincode()) at load, as a peer would start it`,
    );
  }
  return new ChaincodeLoadError(
    `exports neither fabric-contract-api contracts (module.exports.contracts = [...]) nor a fabric-shim chaincode with Init/Invoke: ${entry.file} (${entry.via})`,
    entry.kind === 'contracts'
      ? 'export the contract classes from "main": module.exports.contracts = [MyContract]'
      : 'export the contracts (module.exports.contracts = [...]) or an Init/Invoke chaincode, or give package.json a scripts.start "node <file>" for a file that calls shim.start(new Chaincode())',
  );
}

/** The chaincode with each Init/Invoke run in its scope (its console output goes to its log). */
function inScope(impl: ShimChaincode, scope: ChaincodeScope): ShimChaincode {
  return {
    Init: (stub) => chaincodeScope.run(scope, () => impl.Init(stub)),
    Invoke: (stub) => chaincodeScope.run(scope, () => impl.Invoke(stub)),
  };
}

/**
 * Whether a class extends a Contract of any copy of fabric-contract-api: fabric-shim accepts
 * contracts of another copy too (it checks `instanceof` or the `__isContract` mark every Contract
 * sets), so a chaincode whose fabric-contract-api is not the one its fabric-shim resolves still runs.
 */
function extendsSomeContract(c: AnyClass): boolean {
  for (let p: unknown = Object.getPrototypeOf(c); typeof p === 'function' && p !== Function.prototype; p = Object.getPrototypeOf(p)) {
    if (typeof (p as { _isContract?: unknown })._isContract === 'function') return true;
  }
  return false;
}

function pickExports(mod: Record<string, unknown>): unknown {
  const def = mod.default as Record<string, unknown> | undefined;
  if (def && (typeof def === 'function' || Array.isArray(def.contracts) || isShimChaincode(def))) return def;
  return mod;
}

function isShimChaincode(v: unknown): v is ShimChaincode {
  return typeof v === 'object' && v !== null && typeof (v as ShimChaincode).Invoke === 'function';
}
