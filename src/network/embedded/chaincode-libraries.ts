/**
 * The fabric-shim and fabric-contract-api a chaincode runs with: the copies its own folder resolves
 * (its node_modules, as on a Fabric peer, where `fabric-chaincode-node` is the chaincode's own
 * fabric-shim), ledgerbench's only when the chaincode has none. Each copy is prepared once per
 * process before any of its modules is used: class-transformer's old names, silent loggers, a
 * memoized certificate parse, fast string parameters, and shim.start()/shim.server() captured
 * instead of connecting to a peer.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chaincodeScope } from './chaincode-scope.ts';

const ownRequire = createRequire(import.meta.url);

/** A constructor, as the contract API's classes are handled here. */
export type AnyClass = new (...args: unknown[]) => unknown;

/** fabric-shim's ChaincodeFromContract. */
export type ChaincodeFromContractClass = new (contracts: AnyClass[], serializers: unknown, metadata: unknown, title: string, version: string) => unknown;

/** One copy of fabric-shim with the fabric-contract-api it uses. */
export interface FabricLibraries {
  /** fabric-shim's package folder. */
  shimDir: string;
  /** The fabric-contract-api package folder fabric-shim resolves (whose Contract it accepts). */
  contractApiDir: string;
  Contract: AnyClass;
  JSONSerializer: AnyClass;
  ChaincodeFromContract: ChaincodeFromContractClass;
  /** fabric-chaincode-node's reading of META-INF/metadata.json (or contract-metadata/), validated. */
  getMetadata(dir: string): Promise<unknown>;
}

const prepared = new Map<string, FabricLibraries>();
const preparedContractApis = new Set<string>();

/**
 * The libraries for a chaincode folder. Also prepares the fabric-contract-api the folder resolves
 * when it differs from fabric-shim's (the chaincode's contracts load it), so that its serializer
 * works whatever class-transformer it got.
 */
export function fabricLibrariesFor(chaincodeDir: string): FabricLibraries {
  const fromChaincode = createRequire(join(chaincodeDir, 'package.json'));
  const ownShim = packageDir(fromChaincode, 'fabric-shim');
  const shimDir = ownShim ?? packageDir(ownRequire, 'fabric-shim')!;
  const chaincodeApi = packageDir(fromChaincode, 'fabric-contract-api');
  if (chaincodeApi) prepareContractApi(chaincodeApi);
  let libs = prepared.get(shimDir);
  if (!libs) {
    libs = prepareShim(shimDir);
    prepared.set(shimDir, libs);
  }
  return libs;
}

/** The package folder `name` resolves to from `req`, or undefined when it does not resolve. */
export function packageDir(req: NodeJS.Require, name: string): string | undefined {
  try {
    return dirname(req.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

let quietLogging: boolean | undefined;

/**
 * Whether the shim's and contract API's loggers are silenced: unless the user set
 * CORE_CHAINCODE_LOGGING_LEVEL (decided on first use, which then sets it to ERROR).
 */
function quiet(): boolean {
  if (quietLogging === undefined) {
    quietLogging = process.env.CORE_CHAINCODE_LOGGING_LEVEL === undefined;
    if (quietLogging) process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'ERROR';
  }
  return quietLogging;
}

function prepareShim(shimDir: string): FabricLibraries {
  const shimRequire = createRequire(join(shimDir, 'package.json'));
  const contractApiDir = packageDir(shimRequire, 'fabric-contract-api');
  if (!contractApiDir) throw new Error(`fabric-shim at ${shimDir} cannot resolve fabric-contract-api; reinstall the chaincode's dependencies (npm install)`);
  prepareContractApi(contractApiDir);
  // Loggers first: the shim's modules create theirs when they load.
  prepareLogger(shimRequire('./lib/logger.js'), quiet());
  memoizeCertificateParse(shimRequire('@fidm/x509') as { Certificate: X509Certificate });
  captureStart(shimRequire('./lib/chaincode.js') as ShimClass);
  const { Contract, JSONSerializer } = createRequire(join(contractApiDir, 'package.json'))(contractApiDir) as { Contract: AnyClass; JSONSerializer: AnyClass };
  fastStringParameters(shimRequire('./lib/contract-spi/datamarshall.js') as { prototype: Marshall }, JSONSerializer);
  const ChaincodeFromContract = shimRequire('./lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContractClass;
  const bootstrap = shimRequire('./lib/contract-spi/bootstrap.js') as { getMetadata?(dir: string): Promise<unknown> };
  return {
    shimDir,
    contractApiDir,
    Contract,
    JSONSerializer,
    ChaincodeFromContract,
    getMetadata: (dir) => (typeof bootstrap.getMetadata === 'function' ? bootstrap.getMetadata(dir) : Promise.resolve({})),
  };
}

/** Everything a fabric-contract-api copy needs before its index loads. */
function prepareContractApi(dir: string): void {
  if (preparedContractApis.has(dir)) return;
  preparedContractApis.add(dir);
  const apiRequire = createRequire(join(dir, 'package.json'));
  giveClassTransformerOldNames(apiRequire('class-transformer') as Record<string, unknown>);
  prepareLogger(apiRequire('./lib/logger.js'), quiet());
}

/**
 * class-transformer renamed classToPlain/plainToClass/classToClass to instanceToPlain/
 * plainToInstance/instanceToInstance (0.4.1 on the registry here, 0.5 upstream), and
 * fabric-contract-api 2.x destructures the old names when its serializer loads, which makes every
 * object or Buffer a contract returns fail with "classToPlain is not a function". The functions are
 * the same under either name, so a copy that only has the new names gets the old ones as well.
 */
export function giveClassTransformerOldNames(ct: Record<string, unknown>): void {
  for (const [old, renamed] of [
    ['classToPlain', 'instanceToPlain'],
    ['plainToClass', 'plainToInstance'],
    ['classToClass', 'instanceToInstance'],
  ] as const) {
    if (typeof ct[old] !== 'function' && typeof ct[renamed] === 'function') ct[old] = ct[renamed];
  }
}

type LoggerModule = { getLogger(name?: string): LoggerLike };
type LoggerLike = { silent: boolean; transports?: ConsoleTransport[] };
type ConsoleTransport = { forceConsole?: boolean; _consoleLog?: unknown; _consoleWarn?: unknown; _consoleError?: unknown };
const preparedLoggers = new WeakSet<object>();

/**
 * Quiet (no CORE_CHAINCODE_LOGGING_LEVEL from the user): every logger silent, since winston runs its
 * formatters before any level filter and only a silent logger skips them. Loud: winston's console
 * transport writes to process.stdout directly; make it write through the console, so that what the
 * shim logs for a chaincode lands in that chaincode's log like its console output.
 */
function prepareLogger(mod: LoggerModule, quiet: boolean): void {
  if (preparedLoggers.has(mod)) return;
  preparedLoggers.add(mod);
  const getLogger = mod.getLogger;
  mod.getLogger = (name?: string) => {
    const l = getLogger(name);
    if (quiet) l.silent = true;
    else {
      for (const t of l.transports ?? []) {
        if (!('forceConsole' in t) || t.forceConsole) continue;
        t.forceConsole = true;
        t._consoleLog = (...a: unknown[]) => console.log(...a);
        t._consoleWarn = (...a: unknown[]) => console.warn(...a);
        t._consoleError = (...a: unknown[]) => console.error(...a);
      }
    }
    return l;
  };
}

type X509Certificate = { fromPEM(pem: Buffer | string): unknown };
const memoized = new WeakSet<object>();

/**
 * ClientIdentity parses the creator's certificate on every invocation although a network sees a
 * handful of identities. Parsed certificates are immutable, so the parse is memoized by PEM text.
 */
function memoizeCertificateParse({ Certificate }: { Certificate: X509Certificate }): void {
  if (memoized.has(Certificate)) return;
  memoized.add(Certificate);
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
}

type ShimClass = { start(chaincode: unknown): unknown; server(chaincode: unknown, opts?: unknown): unknown };

/**
 * A chaincode run as Fabric starts it calls shim.start(new Chaincode()) (or, as a service,
 * shim.server(...).start()) when its file loads. Here that hands the chaincode to the loader instead
 * of connecting to a peer; called outside a load, it says why it cannot do anything.
 */
function captureStart(Shim: ShimClass): void {
  const capture = (chaincode: unknown, call: string) => {
    const started = chaincodeScope.getStore()?.started;
    if (!started) {
      // A throw here would land in whatever timer made the late call and end the network.
      console.warn(`${call} was called after the chaincode loaded and is ignored: on the embedded network it must be called while the chaincode's file loads`);
      return false;
    }
    const cc = chaincode as { Init?: unknown; Invoke?: unknown } | null;
    if (typeof cc !== 'object' || cc === null) throw new Error('Missing required argument: chaincode');
    if (typeof cc.Init !== 'function') throw new Error('The "chaincode" argument must implement the "Init()" method');
    if (typeof cc.Invoke !== 'function') throw new Error('The "chaincode" argument must implement the "Invoke()" method');
    started.push(chaincode);
    return true;
  };
  Shim.start = (chaincode: unknown) => {
    capture(chaincode, 'shim.start()');
  };
  Shim.server = (chaincode: unknown) => {
    capture(chaincode, 'shim.server()');
    return { start: () => Promise.resolve() };
  };
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
function fastStringParameters(DataMarshall: { prototype: Marshall }, JSONSerializer: AnyClass): void {
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
