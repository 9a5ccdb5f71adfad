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
import { UnreachableWatch } from './unreachable.ts';
import { localLauncher, type WorkerChannel, type WorkerLauncher } from './worker-channel.ts';
import type { WorkerPool } from './worker-pool.ts';

/** Time between releasing the barrier and the round's start instant, so every worker gets the message first. */
const BARRIER_LEAD_MS = 50;
/** The same for workers behind an agent on another host: the message crosses ZooKeeper and a network. */
const REMOTE_BARRIER_LEAD_MS = 1000;
/** How long workers may take to prepare (connect, init the workload), unless the round says otherwise. */
export const DEFAULT_READY_TIMEOUT_MS = 120_000;
const STDERR_TAIL_BYTES = 4096;
/** How often the network's own processes are checked for life during a round. */
const NETWORK_CHECK_MS = 250;
/**
 * A round in which nothing was sent or completed for this long past the transaction timeout is stuck:
 * every transaction is given up at its timeout, so only a hang outside them gets here.
 */
const STALL_SLACK_MS = 30_000;

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
   * Workers kept across the rounds of a benchmark (instead of `launcher`): a round leases them, and
   * hands them back when it ends cleanly; a round that aborts ends its workers.
   */
  pool?: WorkerPool;
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

/**
 * Runs one round and returns its figures. Throws ConfigError for bad input, before any transaction. A
 * round that cannot start (a workload whose init throws, workers not ready in time) or that ends
 * early (a crash, the network going away, a cancel) resolves with `aborted` saying why, and with
 * whatever was measured, so the rounds before and after it are kept.
 */
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

  // Settles with undefined when every worker is ready, with the reason the round cannot start, or
  // rejects with a ConfigError (bad input: thrown to the caller like any other).
  let resolveReady!: (notStarted?: RoundAbort) => void;
  let rejectReady!: (e: Error) => void;
  const allReady = new Promise<RoundAbort | undefined>((res, rej) => {
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
  const unreachable = new UnreachableWatch();

  const channels = env.pool ? await env.pool.acquire(spec.workers) : await (env.launcher ?? localLauncher)(spec.workers);
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
        unreachable.add(msg.snapshot, Date.now());
        const gone = unreachable.check(Date.now());
        if (gone) abort({ reason: gone });
      } else if (msg.type === 'done') {
        aggregator.add(index, msg.snapshot);
        usage.push(msg.usage);
        w.done = true;
        checkDone();
      } else if (msg.type === 'fatal') {
        if (msg.config && !started) rejectReady(new ConfigError(msg.config.file, msg.config.field, msg.config.problem, msg.config.fix));
        else if (!started) resolveReady({ reason: `worker ${index} could not start: ${msg.message}`, workerIndex: index });
        else abort({ reason: `worker ${index} failed: ${msg.message}`, workerIndex: index });
      }
    });
    channel.onExit((code, signal) => {
      w.exited = true;
      if (!w.done) {
        const where = channel.where === 'local' ? '' : ` (${channel.where})`;
        // A remote worker's channel that ended without an exit code says why on its last stderr line
        // (ZooKeeper lost and for how long, its agent gone, ...).
        const lost = code === null && !signal ? lostReason(w.stderrTail) : undefined;
        const how = signal ? `exited with signal ${signal}` : code !== null ? `exited with code ${code}` : `was lost (${lost ?? 'no exit code: the connection to it ended'})`;
        const crash: RoundAbort = { reason: `worker ${index}${where} ${how} before finishing`, workerIndex: index, exitCode: code, signal, stderrTail: w.stderrTail.trim() };
        if (!started) resolveReady(crash);
        else abort(crash);
      }
      checkDone();
    });
    channel.send({ type: 'init', round: spec, workerIndex: index, txCount: shares?.[index], network: env.network, runId: env.runId, keepAlive: env.pool !== undefined } satisfies ToWorker);
  }

  const onAbort = () => {
    const reason = `round cancelled: ${String(env.signal?.reason ?? 'aborted')}`;
    if (started) abort({ reason });
    else resolveReady({ reason });
  };
  if (env.signal?.aborted) onAbort();
  env.signal?.addEventListener('abort', onAbort, { once: true });
  const stopWatchingNetwork = watchNetwork(env.networkProcesses, (lost) => {
    const reason = `the network went away: ${lost.name} (pid ${lost.pid}) exited`;
    if (started) abort({ reason });
    else resolveReady({ reason });
  });

  const readyTimeoutMs = spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const readyTimer = setTimeout(() => {
    const waiting = workers.filter((w) => !w.ready).map((w) => w.index);
    resolveReady({ reason: `worker(s) ${waiting.join(', ')} not ready within ${readyTimeoutMs / 1000}s (connecting and the workload's init); raise the round's readyTimeout if init needs longer` });
  }, readyTimeoutMs);
  let notStarted: RoundAbort | undefined;
  try {
    notStarted = await allReady;
  } catch (err) {
    env.signal?.removeEventListener('abort', onAbort);
    stopWatchingNetwork();
    await endWorkers(workers, channels, env.pool, false);
    throw err;
  } finally {
    clearTimeout(readyTimer);
  }
  if (notStarted) {
    env.signal?.removeEventListener('abort', onAbort);
    stopWatchingNetwork();
    await endWorkers(workers, channels, env.pool, false);
    return finish(aggregator.result({ aborted: notStarted }), env, usage);
  }

  // A pooled worker serves several rounds: it is named by its index alone.
  const workerName = (w: WorkerState) => (env.pool ? `worker ${w.index}` : `worker ${w.index} (${spec.label})`);
  env.monitors?.addProcesses(workers.flatMap((w) => (w.channel.pid ? [{ pid: w.channel.pid, name: workerName(w) }] : [])));
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
  const watchdog = spec.txDuration !== undefined ? setTimeout(() => abort({ reason: `round overran its ${spec.txDuration}s by more than the transaction timeout plus 30s` }), spec.txDuration * 1000 + spec.txTimeoutMs + STALL_SLACK_MS) : undefined;
  const stallWatch = watchStall(aggregator, spec.txTimeoutMs + STALL_SLACK_MS, (quietMs) => abort({ reason: `round stalled: nothing sent or completed for ${Math.round(quietMs / 1000)}s` }));
  try {
    await allDone;
  } finally {
    clearInterval(ticker);
    clearInterval(stallWatch);
    if (watchdog) clearTimeout(watchdog);
    env.signal?.removeEventListener('abort', onAbort);
    stopWatchingNetwork();
  }
  // The monitors' last sample is taken before stragglers are stopped, so the round's end is in it.
  const [monitored, conflicts] = await Promise.all([
    env.monitors?.roundEnd(),
    mark !== undefined && env.network.operationsUrl ? conflictsSince(env.network.operationsUrl, mark).catch(() => undefined) : undefined,
  ]);
  await endWorkers(workers, channels, env.pool, aborted === undefined);
  const result = aggregator.result({ aborted, resources: monitored?.rows, metrics: monitored?.metrics });
  result.conflicts = conflictReport(result.failuresByReason, conflicts);
  return finish(result, env, usage);
}

/** What every result gets, whether the round ran or not. */
function finish(result: RoundResult, env: RoundEnvironment, usage: WorkerUsage[]): RoundResult {
  if (result.conflicts === undefined) delete result.conflicts;
  result.workerUsage = usage.sort((a, b) => a.workerIndex - b.workerIndex);
  if (env.origin) result.origin = env.origin;
  return result;
}

/** The reason a remote channel gave for ending (`[ledgerbench] worker N on <where>: <reason>`), if any. */
function lostReason(stderrTail: string): string | undefined {
  const lines = stderrTail.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^\[ledgerbench\] worker \d+ on .*?\): (.+)$/.exec(lines[i]);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Checks the network's local processes for life; calls `onLost` once for the first one gone.
 * Returns the function that stops watching.
 */
function watchNetwork(processes: RoundEnvironment['networkProcesses'], onLost: (p: { pid: number; name: string }) => void): () => void {
  if (!processes?.length) return () => {};
  const timer = setInterval(() => {
    const lost = processes.find((p) => !isAlive(p.pid));
    if (lost) {
      clearInterval(timer);
      onLost(lost);
    }
  }, NETWORK_CHECK_MS);
  return () => clearInterval(timer);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Calls `onStall` when the round's sent and completed counts have not moved for `limitMs`. */
function watchStall(aggregator: RoundAggregator, limitMs: number, onStall: (quietMs: number) => void): NodeJS.Timeout {
  let last = '';
  let since = Date.now();
  let fired = false;
  return setInterval(() => {
    const p = aggregator.progress();
    const now = `${p.sent}/${p.completed}`;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (!fired && Date.now() - since >= limitMs) {
      fired = true;
      onStall(Date.now() - since);
    }
  }, 1000);
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

/**
 * Ends the round's workers: politely first, then by force for any that do not go. Pooled workers of a
 * round that ended cleanly go back to the pool instead, all but those that never said they were done.
 */
async function endWorkers(workers: WorkerState[], channels: WorkerChannel[], pool: WorkerPool | undefined, clean: boolean): Promise<void> {
  const keep = (w: WorkerState) => pool !== undefined && clean && w.done;
  await Promise.all(workers.filter((w) => !w.exited && !keep(w)).map((w) => w.channel.close(3000)));
  pool?.release(channels);
}

