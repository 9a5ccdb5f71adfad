/**
 * Entry point of a worker process (forked by the round manager). It prepares its connector, workload
 * and rate controller, waits at the start barrier, sends, streams statistics about once a second and
 * reports when done. If the manager goes away, it exits at once: a worker never outlives its round.
 */
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../config/errors.ts';
import { createConnector } from '../connectors/registry.ts';
import type { Connector } from '../connectors/types.ts';
import { createRateController } from '../rate/registry.ts';
import type { RateController } from '../rate/types.ts';
import { TxRecorder } from '../stats/recorder.ts';
import { loadWorkloadModule, makeRunnable, type RunnableWorkload } from './dialects.ts';
import type { FromWorker, InitMessage, StartMessage, ToWorker } from './messages.ts';
import { workerMaxInFlight } from './in-flight.ts';
import { SendLoop } from './send-loop.ts';
import { routeLedgerbenchToWorkloadApi } from './workload-entry-alias.ts';
import { WorkloadInitError } from './workload-errors.ts';

const STATS_INTERVAL_MS = 1000;
/**
 * A transaction unsettled this long past its timeout is given up as unfinished; the slack lets the
 * connector's own deadline, with its more precise reason, win when it is the connector that waits.
 */
const SETTLE_GRACE_MS = 1000;
/** How long a stopped worker waits for its transactions in flight before counting them interrupted. */
const STOP_DRAIN_MS = 2000;
/** The workload's end() and the connector's close() get this long; a hang there must not hold the round. */
const CLEANUP_TIMEOUT_MS = 5000;

interface Prepared {
  init: InitMessage;
  connector: Connector;
  workload: RunnableWorkload;
  controller: RateController;
  recorder: TxRecorder;
  /** Round length in ms for txDuration rounds. */
  durationMs: number | undefined;
}

// Before any workload loads: `ledgerbench` in a workload means the workload API, not the test runner's.
routeLedgerbenchToWorkloadApi();

let prepared: Prepared | undefined;
let loop: SendLoop | undefined;
let stopReason: string | undefined;
/** A pooled worker's connector, kept from round to round while the network and identity stay the same. */
let kept: { key: string; connector: Connector } | undefined;

function send(msg: FromWorker): void {
  process.send?.(msg);
}

/** Sends a last message and leaves once it is on its way. */
function sendAndLeave(msg: FromWorker): void {
  process.send?.(msg, undefined, {}, () => process.disconnect?.());
}

async function prepare(init: InitMessage): Promise<Prepared> {
  const { round, workerIndex, txCount, runId } = init;
  const durationMs = round.txDuration !== undefined ? round.txDuration * 1000 : undefined;
  const connector = await connectorFor(init);
  const { dialect, mod } = await loadWorkloadModule(round.workload.module, round.source, 'workload');
  const workload = makeRunnable(dialect, mod, {
    workerIndex,
    workerCount: round.workers,
    roundIndex: round.roundIndex,
    roundLabel: round.label,
    runId,
    arguments: round.workload.arguments,
    connector,
    txTimeoutMs: round.txTimeoutMs,
    modulePath: round.workload.module,
  });
  await workload.init();
  const controller = await createRateController(round.rateControl, {
    workerIndex,
    workerCount: round.workers,
    roundIndex: round.roundIndex,
    roundLabel: round.label,
    txCount,
    durationMs,
    baseDir: process.cwd(),
  });
  const recorder = new TxRecorder({
    workerIndex,
    trim: round.trim,
    trimBy: round.txNumber !== undefined ? 'tx' : 'seconds',
    txCount,
    durationMs,
    openModel: controller.model === 'open',
  });
  return { init, connector, workload, controller, recorder, durationMs };
}

async function runRound(p: Prepared, start: StartMessage): Promise<void> {
  // The shared start instant on this process's monotonic clock.
  const origin = performance.now() + (start.startEpochMs - Date.now());
  const now = () => performance.now() - origin;
  if (now() < 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(-now())));
  const { round } = p.init;
  loop = new SendLoop({
    controller: p.controller,
    recorder: p.recorder,
    run: (index) => p.workload.run(index),
    now,
    txCount: p.init.txCount,
    durationMs: p.durationMs,
    settleLimitMs: round.txTimeoutMs + SETTLE_GRACE_MS,
    // A closed-model controller bounds its own backlog; only the open model needs the cap.
    maxInFlight: p.controller.model === 'open' ? workerMaxInFlight(round.maxInFlight, round.workers, p.init.network.connector) : undefined,
  });
  if (stopReason) loop.stop();
  const cpuAtStart = process.cpuUsage();
  const wallAtStart = performance.now();
  const ticker = setInterval(() => send({ type: 'stats', snapshot: p.recorder.takeSnapshot() }), STATS_INTERVAL_MS);
  try {
    await loop.run();
    // Stopped (cancel, interrupt, another worker's crash): nobody waits for what is in flight, so it
    // is counted as interrupted, not as failed. Otherwise every transaction gets its full timeout.
    const abandoned = stopReason
      ? await loop.drain(Math.min(STOP_DRAIN_MS, round.txTimeoutMs), 'interrupted')
      : await loop.drain(round.txTimeoutMs + SETTLE_GRACE_MS, 'unfinished');
    clearInterval(ticker);
    const snapshot = p.recorder.takeSnapshot();
    const roundCpu = process.cpuUsage(cpuAtStart);
    const roundWallMs = performance.now() - wallAtStart;
    await bounded(p.workload.end());
    if (!p.init.keepAlive) await bounded(p.connector.close());
    const life = process.resourceUsage();
    const usage = {
      workerIndex: p.init.workerIndex,
      maxRssBytes: life.maxRSS * 1024,
      cpuUserMs: life.userCPUTime / 1000,
      cpuSystemMs: life.systemCPUTime / 1000,
      roundCpuPercent: roundWallMs > 0 ? ((roundCpu.user + roundCpu.system) / 1000 / roundWallMs) * 100 : 0,
      roundCpuMs: (roundCpu.user + roundCpu.system) / 1000,
    };
    const done: FromWorker = { type: 'done', snapshot, abandoned, usage };
    if (!p.init.keepAlive) return sendAndLeave(done);
    // Pooled: ready for the next round's init.
    prepared = undefined;
    loop = undefined;
    send(done);
  } finally {
    clearInterval(ticker);
  }
}

/** The connector of this round: the kept one when network, identity and timeout are the same. */
async function connectorFor(init: InitMessage): Promise<Connector> {
  const { round, workerIndex, network } = init;
  const key = JSON.stringify([network, workerIndex, round.workers, round.txTimeoutMs]);
  if (kept?.key === key) return kept.connector;
  if (kept) await bounded(kept.connector.close());
  kept = undefined;
  const connector = await createConnector({ workerIndex, workerCount: round.workers, network, txTimeoutMs: round.txTimeoutMs });
  if (init.keepAlive) kept = { key, connector };
  return connector;
}

/** Waits for a cleanup step, at most CLEANUP_TIMEOUT_MS; its failure or hang does not matter any more. */
function bounded(step: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLEANUP_TIMEOUT_MS);
  });
  return Promise.race([step.then(() => {}, () => {}), timeout]).finally(() => clearTimeout(timer));
}

function fatal(stage: 'setup' | 'run', err: unknown): void {
  const message = err instanceof WorkloadInitError ? err.describe() : err instanceof Error ? err.message : String(err);
  const config = err instanceof ConfigError ? { file: err.file, field: err.field, problem: err.problem, fix: err.fix } : undefined;
  process.exitCode = 1;
  sendAndLeave({ type: 'fatal', stage, message, config });
}

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    stopReason = undefined;
    prepare(msg).then(
      (p) => {
        prepared = p;
        send({ type: 'ready', dialect: p.workload.dialect });
      },
      (err) => fatal('setup', err),
    );
  } else if (msg.type === 'start') {
    if (!prepared) return fatal('run', new Error('start before init'));
    runRound(prepared, msg).catch((err) => fatal('run', err));
  } else if (msg.type === 'stop') {
    stopReason = msg.reason;
    loop?.stop();
  }
});

// Ctrl-C in a terminal reaches the whole process group. The manager decides how a round ends (it stops
// the workers and keeps their last figures); a worker dying on the spot would lose its last second.
process.on('SIGINT', () => {});

// The manager is gone (crashed, killed, test run interrupted): leave at once.
process.on('disconnect', () => process.exit(process.exitCode ?? 0));
