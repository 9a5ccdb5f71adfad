/** The IPC protocol between the round manager and its worker processes. */
import type { RoundSpec } from '../config/types.ts';
import type { NetworkRef } from '../connectors/types.ts';
import type { StatsSnapshot } from '../stats/recorder.ts';
import type { WorkerUsage } from '../stats/types.ts';

/** Manager -> worker: everything the worker needs to prepare, before the barrier. */
export interface InitMessage {
  type: 'init';
  round: RoundSpec;
  workerIndex: number;
  /** This worker's share of txNumber (txNumber rounds). */
  txCount?: number;
  network: NetworkRef;
  runId: string;
  /**
   * The worker belongs to a pool: after `done` it stays for the next round's `init`, keeping its
   * connector when the next round uses the same network.
   */
  keepAlive?: boolean;
}

/** Manager -> worker: the barrier opens; the round's clock starts at this wall-clock instant. */
export interface StartMessage {
  type: 'start';
  startEpochMs: number;
}

/** Manager -> worker: stop sending now (another worker crashed, the round was cancelled). */
export interface StopMessage {
  type: 'stop';
  reason: string;
}

export type ToWorker = InitMessage | StartMessage | StopMessage;

/** Worker -> manager: connector and workload are ready; waiting at the barrier. */
export interface ReadyMessage {
  type: 'ready';
  dialect: string;
}

/** Worker -> manager: figures since the previous snapshot, about once a second. */
export interface StatsMessage {
  type: 'stats';
  snapshot: StatsSnapshot;
}

/** Worker -> manager: the round is over for this worker; the last snapshot. */
export interface DoneMessage {
  type: 'done';
  snapshot: StatsSnapshot;
  /** Transactions still in flight when the worker stopped waiting (see TxRecorder.onUnsettled). */
  abandoned: number;
  usage: WorkerUsage;
}

/** Worker -> manager: the worker cannot go on (connector or workload init failed). */
export interface FatalMessage {
  type: 'fatal';
  message: string;
  /**
   * `setup`: the connector or the workload could not be prepared (the round never starts and is
   * reported as aborted); `run`: something broke while sending.
   */
  stage: 'setup' | 'run';
  /** ConfigError details when the cause was bad input. */
  config?: { file: string; field: string; problem: string; fix: string };
}

export type FromWorker = ReadyMessage | StatsMessage | DoneMessage | FatalMessage;
