/**
 * Loading Node chaincode into the network process, unmodified: a fabric-contract-api module
 * (`module.exports.contracts = [...]`, or a single Contract class) runs through fabric-shim's
 * ChaincodeFromContract; a low-level fabric-shim chaincode (an object or class with Init/Invoke)
 * runs as it is.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChaincodeResponse } from './stub.ts';

const require = createRequire(import.meta.url);

/** What the network calls: fabric-shim's chaincode interface. */
export interface ShimChaincode {
  Init(stub: unknown): Promise<ChaincodeResponse> | ChaincodeResponse;
  Invoke(stub: unknown): Promise<ChaincodeResponse> | ChaincodeResponse;
}

type ContractClass = new (...args: unknown[]) => unknown;

let tuned = false;

/**
 * Make fabric-shim cheap to run once per transaction in one process: its loggers format every call
 * whatever the level (silenced here), and ClientIdentity parses the creator's certificate on
 * every invocation although a network sees only a handful of identities. Parsed certificates are
 * immutable, so the parse is memoized by PEM text. A CORE_CHAINCODE_LOGGING_LEVEL set by the user wins.
 */
function tuneFabricShim(): void {
  if (tuned) return;
  tuned = true;
  const quiet = process.env.CORE_CHAINCODE_LOGGING_LEVEL === undefined;
  if (quiet) process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'ERROR';
  const shimRequire = createRequire(require.resolve('fabric-shim'));
  const { Certificate } = shimRequire('@fidm/x509') as { Certificate: { fromPEM(pem: Buffer | string): unknown } };
  const parse = Certificate.fromPEM.bind(Certificate);
  const parsed = new Map<string, unknown>();
  Certificate.fromPEM = (pem: Buffer | string) => {
    const key = pem.toString();
    let cert = parsed.get(key);
    if (!cert) {
      cert = parse(pem);
      if (parsed.size >= 1000) parsed.clear();
      parsed.set(key, cert);
    }
    return cert;
  };
  fastStringParameters(shimRequire);
  if (quiet) {
    // winston runs its formatters before any level filter; only a silent logger skips them. Wrap
    // getLogger before the shim's modules load so every logger they create at load time is silent.
    for (const [from, id] of [
      [shimRequire, './lib/logger.js'],
      [createRequire(require.resolve('fabric-contract-api')), './lib/logger.js'],
    ] as const) {
      const mod = from(id) as { getLogger(name?: string): { silent: boolean } };
      const getLogger = mod.getLogger;
      mod.getLogger = (name?: string) => {
        const l = getLogger(name);
        l.silent = true;
        return l;
      };
    }
  }
}

type ParamSpec = { schema?: Record<string, unknown> };
type Marshall = { serializer: unknown; handleParameters(fn: { parameters?: ParamSpec[] }, params: Buffer[], prefix: string): unknown[] };

/**
 * For plain string parameters (what every untyped JavaScript contract has), the contract API's
 * parameter handling reduces to buffer.toString(), yet it formats debug strings and runs a JSON
 * schema validator for each one, which is most of its cost per call. Take the short way exactly
 * then: JSON serializer, matching count, schemas that are `{ type: 'string' }` and nothing else.
 * Anything else (typed or constrained parameters, custom serializers, wrong counts) goes the
 * original way, errors included.
 */
function fastStringParameters(shimRequire: NodeJS.Require): void {
  const DataMarshall = shimRequire('./lib/contract-spi/datamarshall.js') as { prototype: Marshall };
  const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: new () => unknown };
  const original = DataMarshall.prototype.handleParameters;
  const plain = new WeakMap<object, boolean>();
  const allPlainStrings = (fn: { parameters?: ParamSpec[] }) => {
    let v = plain.get(fn);
    if (v === undefined) {
      v = (fn.parameters ?? []).every((p) => p.schema?.type === 'string' && Object.keys(p.schema).length === 1);
      plain.set(fn, v);
    }
    return v;
  };
  DataMarshall.prototype.handleParameters = function (this: Marshall, fn, params, prefix) {
    if (fn.parameters && fn.parameters.length === params.length && this.serializer instanceof JSONSerializer && allPlainStrings(fn)) {
      return params.map((p) => p.toString('utf8'));
    }
    return original.call(this, fn, params, prefix);
  };
}

/** Load a chaincode module (file, or folder with package.json `main` / index.js). Throws a plain Error. */
export async function loadChaincode(path: string): Promise<ShimChaincode> {
  tuneFabricShim();
  let file = path;
  let title = 'chaincode';
  let version = '1.0';
  if (statSync(path).isDirectory()) {
    file = require.resolve(path);
    try {
      const pkg = require(join(path, 'package.json')) as { name?: string; version?: string };
      title = pkg.name ?? title;
      version = pkg.version ?? version;
    } catch {
      // A folder without package.json is fine: index.js is used.
    }
  }
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const exp = pickExports(mod);

  if (isShimChaincode(exp)) return exp;
  if (typeof exp === 'function' && isShimChaincode((exp as ContractClass).prototype)) {
    return new (exp as ContractClass)() as ShimChaincode;
  }
  const contracts = Array.isArray((exp as { contracts?: unknown }).contracts)
    ? ((exp as { contracts: ContractClass[] }).contracts as ContractClass[])
    : typeof exp === 'function'
      ? [exp as ContractClass]
      : undefined;
  if (!contracts || contracts.length === 0 || contracts.some((c) => typeof c !== 'function')) {
    throw new Error('exports neither fabric-contract-api contracts (module.exports.contracts = [...]) nor a fabric-shim chaincode with Init/Invoke');
  }
  const { Contract, JSONSerializer } = require('fabric-contract-api') as { Contract: ContractClass; JSONSerializer: unknown };
  for (const c of contracts) {
    if (!(c.prototype instanceof Contract)) {
      throw new Error(`contract ${c.name} does not extend fabric-contract-api's Contract (or comes from another copy of fabric-contract-api)`);
    }
  }
  let serializers = (exp as { serializers?: { transaction: string; serializers: Record<string, unknown> } }).serializers;
  if (serializers) serializers.serializers = { jsonSerializer: JSONSerializer, ...serializers.serializers };
  else serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as new (
    contracts: ContractClass[],
    serializers: unknown,
    metadata: unknown,
    title: string,
    version: string,
  ) => ShimChaincode;
  // It appends its system contract to the array it is given: hand it a copy.
  return new ChaincodeFromContract([...contracts], serializers, {}, title, version);
}

function pickExports(mod: Record<string, unknown>): unknown {
  const def = mod.default as Record<string, unknown> | undefined;
  if (def && (typeof def === 'function' || Array.isArray(def.contracts) || isShimChaincode(def))) return def;
  return mod;
}

function isShimChaincode(v: unknown): v is ShimChaincode {
  return typeof v === 'object' && v !== null && typeof (v as ShimChaincode).Invoke === 'function';
}
