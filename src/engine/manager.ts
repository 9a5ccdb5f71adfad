/**
 * Runs one round: forks the workers, opens the start barrier, merges their statistics as they stream
 * in, shows progress, and ends the round cleanly whatever happens (a worker crash stops the others and
 * keeps what was measured). No worker outlives the round.
 */
import { ConfigError } from '../config/errors.ts';
import type { RoundSpec } from '../config/types.ts';
import { validateNetworkRef } from '../connectors/registry.ts';
import type { NetworkRef } from '../connectors/types.ts';
import type { MonitorSet } from '../monitors/index.ts';
import { conflictMark, conflictsSince } from '../network/conflicts.ts';
import { rateModel } from '../rate/registry.ts';
import { RoundAggregator } from '../stats/aggregate.ts';
import type { ConflictReport, RoundAbort, RoundResult, WorkerUsage } from '../stats/types.ts';
import { loadWorkloadModule } from './dialects.ts';
import type { FromWorker, ToWorker } from './messages.ts';
import type { RoundProgress } from './progress.ts';
import { splitCount } from './split.ts';
import { localLauncher, type WorkerChannel, type WorkerLauncher } from './worker-channel.ts';

/** Time between releasing the barrier and the round's start instant, so every worker gets the message first. */
const BARRIER_LEAD_MS = 50;
/** The same for workers behind an agent on another host: the message crosses ZooKeeper and a network. */
const REMOTE_BARRIER_LEAD_MS = 1000;
/** How long workers may take to prepare (connect, init the workload). */
const READY_TIMEOUT_MS = 120_000;
const STDERR_TAIL_BYTES = 4096;

/** What a round runs against and reports to. */
export interface RoundEnvironment {
  network: NetworkRef;
  /** Shared by all rounds of a run; part of every uniqueKey. */
  runId: string;
  monitors?: MonitorSet;
  onProgress?: (p: RoundProgress) => void;
  /** Aborts the round (e.g. test run interrupted); what was measured is kept. */
  signal?: AbortSignal;
  /** Where workers run (default: child processes of this one). */
  launcher?: WorkerLauncher;
  /**
   * The network's own processes, when they run on this host (the embedded network, a native Fabric
   * network): if one dies mid-round, the round ends with `aborted` naming it.
   */
  networkProcesses?: Array<{ pid: number; name: string }>;
  /** Where the round came from (test file and test, or benchmark file), copied into the result. */
  origin?: { file: string; test?: string };
}

interface WorkerState {
  index: number;
  channel: WorkerChannel;
  ready: boolean;
  done: boolean;
  exited: boolean;
  stderrTail: string;
}

/** Runs one round and returns its figures. Throws ConfigError for bad input, before any transaction. */
export async function runRound(spec: RoundSpec, env: RoundEnvironment): Promise<RoundResult> {
  validateNetworkRef(env.network, spec.source, 'network');
  await loadWorkloadModule(spec.workload.module, spec.source, 'workload');
  const shares = spec.txNumber !== undefined ? splitCount(spec.txNumber, spec.workers) : undefined;
  const workers: WorkerState[] = [];
  const usage: WorkerUsage[] = [];
  let aborted: RoundAbort | undefined;
  const aggregator = new RoundAggregator({
    label: spec.label,
    description: spec.description,
    roundIndex: spec.roundIndex,
    workers: spec.workers,
    rateControl: spec.rateControl,
    model: rateModel(spec.rateControl),
    txNumber: spec.txNumber,
    txDuration: spec.txDuration,
    trim: spec.trim,
    startedAt: new Date().toISOString(),
  });

  const stopAll = (reason: string) => {
    for (const w of workers) if (!w.exited) w.channel.send({ type: 'stop', reason } satisfies ToWorker);
  };
  const abort = (a: RoundAbort) => {
    if (aborted) return;
    aborted = a;
    stopAll(a.reason);
  };

  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const allReady = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  let resolveDone!: () => void;
  const allDone = new Promise<void>((res) => {
    resolveDone = res;
  });
  const checkDone = () => {
    if (workers.every((w) => w.done || w.exited)) resolveDone();
  };
  let started = false;

  const channels = await (env.launcher ?? localLauncher)(spec.workers);
  for (const [index, channel] of channels.entries()) {
    const w: WorkerState = { index, channel, ready: false, done: false, exited: false, stderrTail: '' };
    workers.push(w);
    channel.onStderr((text) => {
      process.stderr.write(text);
      w.stderrTail = (w.stderrTail + text).slice(-STDERR_TAIL_BYTES);
    });
    channel.onMessage((msg: FromWorker) => {
      if (msg.type === 'ready') {
        w.ready = true;
        if (workers.length === spec.workers && workers.every((x) => x.ready)) resolveReady();
      } else if (msg.type === 'stats') {
        aggregator.add(index, msg.snapshot);
      } else if (msg.type === 'done') {
        aggregator.add(index, msg.snapshot);
        usage.push(msg.usage);
        w.done = true;
        checkDone();
      } else if (msg.type === 'fatal') {
        const err = msg.config ? new ConfigError(msg.config.file, msg.config.field, msg.message, msg.config.fix) : new Error(`worker ${index}: ${msg.message}`);
        if (!started) rejectReady(err);
        else abort({ reason: `worker ${index} failed: ${msg.message}`, workerIndex: index });
      }
    });
    channel.onExit((code, signal) => {
      w.exited = true;
      if (!w.done) {
        const how = signal ? `signal ${signal}` : code === null ? 'no exit code (connection to it lost)' : `code ${code}`;
        const where = channel.where === 'local' ? '' : ` (${channel.where})`;
        const crash: RoundAbort = { reason: `worker ${index}${where} exited with ${how} before finishing`, workerIndex: index, exitCode: code, signal, stderrTail: w.stderrTail.trim() };
        if (!started) rejectReady(Object.assign(new Error(`${crash.reason}\n${crash.stderrTail}`), { abort: crash }));
        else abort(crash);
      }
      checkDone();
    });
    channel.send({ type: 'init', round: spec, workerIndex: index, txCount: shares?.[index], network: env.network, runId: env.runId } satisfies ToWorker);
  }

  const onAbort = () => {
    const reason = `round cancelled: ${String(env.signal?.reason ?? 'aborted')}`;
    if (started) abort({ reason });
    else rejectReady(new Error(reason));
  };
  if (env.signal?.aborted) onAbort();
  env.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    await withTimeout(allReady, READY_TIMEOUT_MS, `workers were not ready within ${READY_TIMEOUT_MS / 1000}s`);
  } catch (err) {
    env.signal?.removeEventListener('abort', onAbort);
    await killAll(workers);
    throw err;
  }

  env.monitors?.addProcesses(workers.flatMap((w) => (w.channel.pid ? [{ pid: w.channel.pid, name: `worker ${w.index} (${spec.label})` }] : [])));
  await env.monitors?.roundStart();
  const mark = env.network.operationsUrl ? await conflictMark(env.network.operationsUrl).catch(() => undefined) : undefined;

  started = true;
  const remote = workers.some((w) => w.channel.pid === undefined);
  const startEpochMs = Date.now() + (remote ? REMOTE_BARRIER_LEAD_MS : BARRIER_LEAD_MS);
  for (const w of workers) w.channel.send({ type: 'start', startEpochMs } satisfies ToWorker);

  const expectedSec = expectedRoundSeconds(spec);
  const ticker = setInterval(() => {
    const p = aggregator.progress();
    env.onProgress?.({ label: spec.label, ...p, elapsedSec: (Date.now() - startEpochMs) / 1000, expectedSec, total: spec.txNumber });
  }, 1000);
  // A txDuration round has a known end; one that overruns it by far is stuck, not slow.
  const watchdog = spec.txDuration !== undefined ? setTimeout(() => abort({ reason: `round overran its ${spec.txDuration}s by more than the transaction timeout plus 30s` }), spec.txDuration * 1000 + spec.txTimeoutMs + 30_000) : undefined;
  try {
    await allDone;
  } finally {
    clearInterval(ticker);
    if (watchdog) clearTimeout(watchdog);
    env.signal?.removeEventListener('abort', onAbort);
  }
  // The monitors' last sample is taken before stragglers are stopped, so the round's end is in it.
  const [monitored, conflicts] = await Promise.all([
    env.monitors?.roundEnd(),
    mark !== undefined && env.network.operationsUrl ? conflictsSince(env.network.operationsUrl, mark).catch(() => undefined) : undefined,
  ]);
  await killAll(workers);
  const result = aggregator.result({ aborted, resources: monitored?.rows, metrics: monitored?.metrics });
  result.conflicts = conflictReport(result.failuresByReason, conflicts);
  result.workerUsage = usage.sort((a, b) => a.workerIndex - b.workerIndex);
  return result;
}

/** Fabric validation codes among the failure reasons, plus the network's key detail when it has some. */
function conflictReport(failures: Record<string, number>, fromNetwork: ConflictReport | undefined): ConflictReport | undefined {
  const byCode: Record<string, number> = {};
  for (const [reason, count] of Object.entries(failures)) if (/^[A-Z][A-Z_]+$/.test(reason)) byCode[reason] = count;
  if (Object.keys(byCode).length === 0 && !fromNetwork?.hotKeys.length) return undefined;
  return { byCode, hotKeys: fromNetwork?.hotKeys ?? [], source: fromNetwork?.source };
}

/**
 * How long a round should take, when that can be known: a txDuration round's length, or count / tps
 * for a txNumber round at a fixed rate (other controllers set their own pace). Used for the progress
 * line and for test timeouts.
 */
export function expectedRoundSeconds(spec: RoundSpec): number | undefined {
  if (spec.txDuration !== undefined) return spec.txDuration;
  const tps = spec.rateControl.type === 'fixed-rate' ? Number(spec.rateControl.opts?.tps) : Number.NaN;
  return spec.txNumber !== undefined && tps > 0 ? spec.txNumber / tps : undefined;
}

/** Ends every worker process: politely first, then by force for any that do not go. */
async function killAll(workers: WorkerState[]): Promise<void> {
  await Promise.all(workers.filter((w) => !w.exited).map((w) => w.channel.close(3000)));
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
