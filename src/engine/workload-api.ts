/** The workload API that benchmark authors write against (our dialect). */
import type { Connector, TxOutcome, TxRequest } from '../connectors/types.ts';

/** What a workload sees of its worker, round and system under test. */
export interface WorkloadContext {
  readonly workerIndex: number;
  readonly workerCount: number;
  readonly roundIndex: number;
  readonly roundLabel: string;
  /** Short random id of this benchmark run, shared by all workers and rounds of it. */
  readonly runId: string;
  /** The round's `arguments`, as written. */
  readonly arguments: Record<string, unknown>;
  /** The connector, for its `type` and `bcType`. */
  readonly connector: Connector;
  /** Ordering transaction (Fabric: endorse, order, commit). */
  submit(req: TxRequest): Promise<TxOutcome>;
  /** Read-only query. */
  evaluate(req: TxRequest): Promise<TxOutcome>;
  /**
   * The key transaction `seq` of round `roundIndex` got from `uniqueKey(prefix)`: lets a query round
   * read exactly what an earlier round wrote.
   */
  keyFor(prefix: string, roundIndex: number, seq: number): string;
}

/** One transaction's identity. */
export interface TxInfo {
  /** Unique within the round across all workers: index * workerCount + workerIndex. */
  readonly seq: number;
  /** This worker's 0-based transaction number. */
  readonly index: number;
  /**
   * A key no other transaction of any worker or round of this run uses, so concurrent writers never
   * touch the same key (no MVCC conflicts by construction).
   */
  uniqueKey(prefix: string): string;
}

/** A workload in ledgerbench's own dialect. */
export interface Workload {
  /** Once per worker before the round starts (not timed). */
  init?(ctx: WorkloadContext): Promise<void> | void;
  /**
   * One transaction. Return the outcome of `ctx.submit` / `ctx.evaluate` so it is counted with its
   * phases and reason; any other value counts as success, a thrown error as a failure.
   */
  run(ctx: WorkloadContext, tx: TxInfo): Promise<unknown>;
  /** Once per worker after the round (not timed). */
  end?(ctx: WorkloadContext): Promise<void> | void;
}

const BRAND = Symbol.for('ledgerbench.workload');

/** Marks an object as a ledgerbench workload; export it as the module's default. */
export function defineWorkload(workload: Workload): Workload {
  if (typeof workload?.run !== 'function') throw new TypeError('defineWorkload: the workload needs a run(ctx, tx) function');
  return Object.assign(workload, { [BRAND]: true });
}

/** Whether a value came from defineWorkload(). */
export function isDefinedWorkload(value: unknown): value is Workload {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The key format behind uniqueKey and keyFor. */
export function workloadKey(prefix: string, runId: string, roundIndex: number, seq: number): string {
  return `${prefix}_${runId}_${roundIndex}_${seq}`;
}

/**
 * Base class for Caliper 0.4+ workload modules, so `class X extends WorkloadModuleBase` keeps working
 * after changing the import from '@hyperledger/caliper-core' to 'ledgerbench'.
 */
export class WorkloadModuleBase {
  protected workerIndex = -1;
  protected totalWorkers = -1;
  protected roundIndex = -1;
  protected roundArguments: Record<string, unknown> = {};
  protected sutAdapter: unknown;
  protected sutContext: unknown;

  async initializeWorkloadModule(workerIndex: number, totalWorkers: number, roundIndex: number, roundArguments: Record<string, unknown>, sutAdapter: unknown, sutContext: unknown): Promise<void> {
    this.workerIndex = workerIndex;
    this.totalWorkers = totalWorkers;
    this.roundIndex = roundIndex;
    this.roundArguments = roundArguments;
    this.sutAdapter = sutAdapter;
    this.sutContext = sutContext;
  }

  async submitTransaction(): Promise<unknown> {
    throw new Error('WorkloadModuleBase.submitTransaction: override it in your workload module');
  }

  async cleanupWorkloadModule(): Promise<void> {}
}
