/**
 * The znode layout and payloads shared by the ZooKeeper launcher (manager side) and the agent.
 *
 * ```
 * /ledgerbench/agents/<agentId>            ephemeral: AgentInfo (JSON); gone = agent gone
 * /ledgerbench/inbox/<agentId>/job-<seq>   Job requests for that agent, deleted once read
 * /ledgerbench/runs/<runId>/<launchId>/
 *     owner                                 ephemeral of the launcher's session; gone = stop the workers
 *     workers/<workerId>/to/m-<seq>         ToEnvelope, manager -> worker, deleted once read
 *     workers/<workerId>/from/m-<seq>       FromEnvelope, worker -> manager, deleted once read
 * ```
 * Every payload is JSON. One launch is one round's set of workers; the launcher removes its subtree
 * when they are all gone.
 */
import type { FromWorker, ToWorker } from '../messages.ts';

/** Every znode of ledgerbench lives under this one, so a shared ensemble stays tidy. */
export const ROOT = '/ledgerbench';
/** Parent of the agents' ephemeral znodes. */
export const AGENTS = `${ROOT}/agents`;
/** Parent of each agent's job queue. */
export const INBOX = `${ROOT}/inbox`;
/** Parent of the runs' launches. */
export const RUNS = `${ROOT}/runs`;

/** What an agent publishes about itself in its ephemeral znode. */
export interface AgentInfo {
  id: string;
  host: string;
  pid: number;
  /** Most workers it runs at once; null when it has no limit. */
  capacity: number | null;
  /** Workers it runs now. */
  busy: number;
  startedAt: string;
}

/** A launcher's request to an agent: start these workers and relay their messages. */
export interface Job {
  /** The launch's znode (`/ledgerbench/runs/<runId>/<launchId>`). */
  launchPath: string;
  workers: Array<{ workerId: string; workerIndex: number }>;
  /** Who asked, for the agent's log. */
  requestedBy: string;
}

/** Manager -> worker: a worker message, or the request to end the worker. */
export type ToEnvelope = { kind: 'msg'; msg: ToWorker } | { kind: 'close'; graceMs: number };

/** Worker -> manager: the worker's messages, stderr and end, as the agent sees them. */
export type FromEnvelope =
  | { kind: 'spawned'; pid: number; host: string }
  | { kind: 'msg'; msg: FromWorker }
  | { kind: 'stderr'; text: string }
  | { kind: 'exit'; code: number | null; signal: string | null; reason?: string };

/** A run id as one znode name (ids may hold any character; `/` would make a path). */
export function runNodeName(runId: string): string {
  const name = encodeURIComponent(runId);
  return name === '' || name === '.' || name === '..' ? `_${name}` : name;
}

/** The znode of one launch (one round's set of workers) of a run. */
export const launchPath = (runId: string, launchId: string) => `${RUNS}/${runNodeName(runId)}/${launchId}`;
const workerPath = (launch: string, workerId: string) => `${launch}/workers/${workerId}`;
/** Queue of ToEnvelopes for one worker of a launch. */
export const toPath = (launch: string, workerId: string) => `${workerPath(launch, workerId)}/to`;
/** Queue of FromEnvelopes from one worker of a launch. */
export const fromPath = (launch: string, workerId: string) => `${workerPath(launch, workerId)}/from`;
/** The launcher's ephemeral znode; its disappearance tells agents to stop the launch's workers. */
export const ownerPath = (launch: string) => `${launch}/owner`;
