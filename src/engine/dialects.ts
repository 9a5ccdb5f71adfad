/**
 * The three workload dialects behind one shape: ledgerbench's defineWorkload(), Caliper 0.4+ workload
 * modules (createWorkloadModule / initializeWorkloadModule / submitTransaction / cleanupWorkloadModule)
 * and Caliper 0.1 callback modules (init(blockchain, context, args) / run() / end()).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/errors.ts';
import type { Connector, TxOutcome, TxRequest } from '../connectors/types.ts';
import { installCaliperCoreAlias } from './caliper-core-alias.ts';
import { WorkloadInitError } from './workload-errors.ts';
import { isDefinedWorkload, type TxInfo, type Workload, type WorkloadContext, workloadKey } from './workload-api.ts';

export type Dialect = 'ledgerbench' | 'caliper' | 'caliper-v0.1';

/** A workload ready to run in a worker, whatever dialect it was written in. */
export interface RunnableWorkload {
  dialect: Dialect;
  init(): Promise<void>;
  /** Runs transaction `index` of this worker; never rejects. */
  run(index: number): Promise<TxOutcome>;
  end(): Promise<void>;
}

type ModuleNamespace = Record<string, unknown>;

/** Imports a workload module and tells its dialect; ConfigError when it has nothing to run. */
export async function loadWorkloadModule(path: string, source: string, field: string): Promise<{ dialect: Dialect; mod: ModuleNamespace }> {
  installCaliperCoreAlias();
  let mod: ModuleNamespace;
  try {
    mod = (await import(pathToFileURL(path).href)) as ModuleNamespace;
    // tsx compiles TypeScript in a CommonJS package ("type": "commonjs", as `npm init` makes it) to
    // CommonJS: import() then hands back the compiled module's exports one level down, as `default`.
    const cjs = mod.default as ModuleNamespace | undefined;
    if (cjs && typeof cjs === 'object' && cjs.__esModule === true) mod = cjs;
  } catch (err) {
    throw new ConfigError(source, field, `workload module ${path} failed to load: ${(err as Error).message}`, 'fix the error in the module (run it with `npx tsx <module>` to see it alone)');
  }
  return { dialect: detectDialect(mod, path, source, field), mod };
}

function detectDialect(mod: ModuleNamespace, path: string, source: string, field: string): Dialect {
  const def = mod.default as ModuleNamespace | undefined;
  if (isDefinedWorkload(def) || isDefinedWorkload(mod)) return 'ledgerbench';
  if (typeof mod.createWorkloadModule === 'function' || typeof def?.createWorkloadModule === 'function') return 'caliper';
  if (typeof mod.run === 'function' || typeof def?.run === 'function') return 'caliper-v0.1';
  throw new ConfigError(source, field, `workload module ${path} has no run function`, 'export default defineWorkload({ run }) (ledgerbench), export createWorkloadModule() (Caliper 0.4+), or export init/run/end (Caliper 0.1)');
}

/** What a worker knows when it builds its workload. */
export interface WorkloadSetup {
  workerIndex: number;
  workerCount: number;
  roundIndex: number;
  roundLabel: string;
  runId: string;
  arguments: Record<string, unknown>;
  connector: Connector;
  txTimeoutMs: number;
  /** The workload module's path, named when its init fails. */
  modulePath?: string;
}

/** Builds the runnable form of an imported module. */
export function makeRunnable(dialect: Dialect, mod: ModuleNamespace, setup: WorkloadSetup): RunnableWorkload {
  if (dialect === 'ledgerbench') return fromLedgerbench((isDefinedWorkload(mod.default) ? mod.default : mod) as Workload, setup);
  if (dialect === 'caliper') return fromCaliper(mod, setup);
  return fromCaliperV01((typeof mod.run === 'function' ? mod : mod.default) as ModuleNamespace, setup);
}

class Tx implements TxInfo {
  constructor(
    readonly seq: number,
    readonly index: number,
    private readonly runId: string,
    private readonly roundIndex: number,
  ) {}
  uniqueKey(prefix: string): string {
    return workloadKey(prefix, this.runId, this.roundIndex, this.seq);
  }
}

function fromLedgerbench(w: Workload, s: WorkloadSetup): RunnableWorkload {
  const ctx: WorkloadContext = {
    workerIndex: s.workerIndex,
    workerCount: s.workerCount,
    roundIndex: s.roundIndex,
    roundLabel: s.roundLabel,
    runId: s.runId,
    arguments: s.arguments,
    connector: s.connector,
    submit: (req) => s.connector.submit(req),
    evaluate: (req) => s.connector.evaluate(req),
    keyFor: (prefix, roundIndex, seq) => workloadKey(prefix, s.runId, roundIndex, seq),
  };
  return {
    dialect: 'ledgerbench',
    init: () => initStep(s, 'init()', () => w.init?.(ctx)),
    run: (index) => settle(() => w.run(ctx, new Tx(index * s.workerCount + s.workerIndex, index, s.runId, s.roundIndex))),
    end: async () => {
      await w.end?.(ctx);
    },
  };
}

/** Caliper's Fabric request settings, as its workload modules pass them to sendRequests. */
interface CaliperRequest {
  contractId: string;
  contractFunction: string;
  contractArguments?: unknown[];
  readOnly?: boolean;
  transientMap?: Record<string, string | Uint8Array>;
  channel?: string;
  targetOrganizations?: string[];
  timeout?: number;
}

const OUTCOME = Symbol('ledgerbench.outcome');

/**
 * Requests a Caliper workload sent while one of its transactions ran. In Caliper the connector counts
 * every request itself, whatever submitTransaction() returns (most workloads return nothing), so the
 * outcome of a Caliper transaction is the outcome of the requests it sent.
 */
interface RequestLog {
  sent: Array<Promise<TxOutcome>>;
}
const requests = new AsyncLocalStorage<RequestLog>();

/** Sends one request and, inside a transaction, records it for that transaction's outcome. */
function tracked(call: Promise<TxOutcome>): Promise<TxOutcome> {
  requests.getStore()?.sent.push(call);
  return call;
}

/**
 * Runs one Caliper transaction: its outcome is that of the requests it sent (the first failure, else
 * the first success), waited for even when the workload did not await them; a workload that sent
 * nothing is judged by what it returned or threw. Each transaction counts once, however many requests.
 */
function runTracked(run: () => unknown): Promise<TxOutcome> {
  const log: RequestLog = { sent: [] };
  return requests.run(log, () => settle(run)).then((own) => {
    if (log.sent.length === 0) return own;
    return Promise.all(log.sent).then((outcomes) => outcomes.find((o) => !o.ok) ?? (own.ok ? outcomes[0] : own));
  });
}

/** The parts of Caliper's TxStatus that workload modules call, carrying our outcome. */
function caliperStatus(outcome: TxOutcome): Record<string | symbol, unknown> {
  return {
    [OUTCOME]: outcome,
    GetID: () => outcome.txId,
    GetStatus: () => (outcome.ok ? 'success' : 'failed'),
    IsCommitted: () => outcome.ok,
    IsVerified: () => true,
    GetResult: () => outcome.payload,
    GetErrMsg: () => outcome.message ?? outcome.reason,
  };
}

function toRequest(r: CaliperRequest): TxRequest {
  return {
    contract: r.contractId,
    fn: r.contractFunction,
    args: (r.contractArguments ?? []).map(String),
    transient: r.transientMap,
    channel: r.channel,
    endorsingOrgs: r.targetOrganizations,
    timeoutMs: r.timeout !== undefined ? r.timeout * 1000 : undefined,
  };
}

function fromCaliper(mod: ModuleNamespace, s: WorkloadSetup): RunnableWorkload {
  const create = (mod.createWorkloadModule ?? (mod.default as ModuleNamespace).createWorkloadModule) as () => Record<string, (...a: unknown[]) => unknown>;
  const instance = create();
  // Made once, not per transaction: run() is on the hot path.
  const submit = () => instance.submitTransaction() as Promise<unknown>;
  const send = async (r: CaliperRequest) => {
    const req = toRequest(r);
    return caliperStatus(await tracked(r.readOnly ? s.connector.evaluate(req) : s.connector.submit(req)));
  };
  const sutAdapter = {
    // Caliper 0.4+'s Fabric connector answers `fabric` (v0.1's adapter answered `fabric-ccp`).
    getType: () => (s.connector.bcType === 'fabric-ccp' ? 'fabric' : s.connector.bcType),
    sendRequests: (requests: CaliperRequest | CaliperRequest[]) => (Array.isArray(requests) ? Promise.all(requests.map(send)) : send(requests)),
  };
  return {
    dialect: 'caliper',
    init: () => initStep(s, 'initializeWorkloadModule()', () => instance.initializeWorkloadModule?.(s.workerIndex, s.workerCount, s.roundIndex, s.arguments, sutAdapter, {})),
    run: () => runTracked(submit),
    end: async () => {
      await instance.cleanupWorkloadModule?.();
    },
  };
}

/**
 * Caliper 0.1 request objects: fabric-ccp `{ chaincodeFunction, chaincodeArguments }`, or the fabric
 * adapter's `{ transaction_type | verb, ...args }` (without either key, the first value is the function).
 */
function v01Request(contract: string, item: Record<string, unknown>, timeoutSec: unknown, channel: string | undefined): TxRequest {
  const timeoutMs = typeof timeoutSec === 'number' ? timeoutSec * 1000 : undefined;
  if (typeof item.chaincodeFunction === 'string') {
    return { contract, fn: item.chaincodeFunction, args: ((item.chaincodeArguments as unknown[]) ?? []).map(String), transient: item.transientMap as TxRequest['transient'], timeoutMs, channel };
  }
  const key = 'transaction_type' in item ? 'transaction_type' : 'verb' in item ? 'verb' : Object.keys(item)[0];
  const { [key]: fn, ...rest } = item;
  return { contract, fn: String(fn), args: Object.values(rest).map(String), timeoutMs, channel };
}

/**
 * The context a Caliper 0.1 callback's init() receives and hands back to every invokeSmartContract /
 * querySmartContract / queryState call. As Caliper 0.1's getContext(label) did, it carries the channel
 * the network file's `context:` maps the round label to; undefined means the default channel.
 */
export interface CaliperV01Context {
  workerIndex: number;
  roundIndex: number;
  roundLabel: string;
  channel: string | undefined;
}

/** The channel of the context a v0.1 call was given (any object with a `channel` works, as in Caliper). */
function contextChannel(ctx: unknown): string | undefined {
  const channel = (ctx as { channel?: unknown } | null | undefined)?.channel;
  return typeof channel === 'string' ? channel : undefined;
}

function fromCaliperV01(mod: ModuleNamespace, s: WorkloadSetup): RunnableWorkload {
  const many = async (ctx: unknown, contract: string, args: unknown, timeout: unknown, call: (r: TxRequest) => Promise<TxOutcome>) => {
    const items = (Array.isArray(args) ? args : [args]) as Record<string, unknown>[];
    const channel = contextChannel(ctx);
    return Promise.all(items.map(async (item) => caliperStatus(await tracked(call(v01Request(contract, item, timeout, channel))))));
  };
  const blockchain = {
    bcType: s.connector.bcType,
    invokeSmartContract: (ctx: unknown, contract: string, _version: string, args: unknown, timeout: unknown) => many(ctx, contract, args, timeout, (r) => s.connector.submit(r)),
    querySmartContract: (ctx: unknown, contract: string, _version: string, args: unknown, timeout: unknown) => many(ctx, contract, args, timeout, (r) => s.connector.evaluate(r)),
    /** v0.1's queryState(context, contractId, version, key, fcn = 'query'). */
    queryState: async (ctx: unknown, contract: string, _version: string, key: string, fcn = 'query') =>
      caliperStatus(await tracked(s.connector.evaluate({ contract, fn: fcn, args: [key], channel: contextChannel(ctx) }))),
  };
  const fn = (name: string) => mod[name] as ((...a: unknown[]) => unknown) | undefined;
  // Looked up once, not per transaction (detectDialect made sure it is a function); called without
  // a receiver as before, as Caliper 0.1 called it.
  const run = fn('run')!;
  return {
    dialect: 'caliper-v0.1',
    init: async () => {
      // Outside initStep: a label the network file does not map is the file's problem (a ConfigError
      // naming it), not the module's.
      const context: CaliperV01Context = { workerIndex: s.workerIndex, roundIndex: s.roundIndex, roundLabel: s.roundLabel, channel: s.connector.channelForLabel?.(s.roundLabel) };
      await initStep(s, 'init()', () => fn('init')?.(blockchain, context, s.arguments));
    },
    run: () => runTracked(run),
    end: async () => {
      await fn('end')?.();
    },
  };
}

/** Runs a workload's init step; a throw becomes a WorkloadInitError naming the module and the step. */
async function initStep(s: WorkloadSetup, step: string, call: () => unknown): Promise<void> {
  try {
    await call();
  } catch (err) {
    throw new WorkloadInitError(s.modulePath ?? 'workload module', step, err);
  }
}

const OK: TxOutcome = Object.freeze({ ok: true });

/**
 * Turns whatever a workload's run returned (or threw) into one outcome. Written with then() rather than
 * async/await: this runs once per transaction and every saved promise counts at 500k tx/s.
 */
function settle(run: () => unknown): Promise<TxOutcome> {
  try {
    const value = run();
    if (value && typeof (value as Promise<unknown>).then === 'function') return (value as Promise<unknown>).then(toOutcome, toFailure);
    return Promise.resolve(toOutcome(value));
  } catch (err) {
    return Promise.resolve(toFailure(err));
  }
}

function toFailure(err: unknown): TxOutcome {
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, stage: 'workload', reason: `workload error: ${message.split('\n')[0].slice(0, 120)}`, message };
}

function toOutcome(value: unknown): TxOutcome {
  if (Array.isArray(value)) {
    if (value.length === 0) return OK;
    const outcomes = value.map(toOutcome);
    return outcomes.find((o) => !o.ok) ?? outcomes[0];
  }
  if (value && typeof value === 'object') {
    const carried = (value as Record<symbol, unknown>)[OUTCOME];
    if (carried) return carried as TxOutcome;
    if (typeof (value as TxOutcome).ok === 'boolean') return value as TxOutcome;
  }
  return OK;
}
