/** `ledgerbench run`: a Caliper benchmark file against a network file, no test file needed. */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { loadCaliperBenchmark } from '../config/caliper-benchmark.ts';
import { readYamlFile } from '../config/yaml.ts';
import { runRound } from '../engine/manager.ts';
import { progressPrinter } from '../engine/progress.ts';
import { localLauncher } from '../engine/worker-channel.ts';
import { WorkerPool } from '../engine/worker-pool.ts';
import { zookeeperLauncher } from '../engine/zookeeper/launcher.ts';
import { sizeForAgents } from '../engine/zookeeper/sizing.ts';
import { createMonitors, MonitorSet } from '../monitors/index.ts';
import { openNetwork } from '../network/open.ts';
import type { NetworkHandle } from '../network/types.ts';
import { environmentInfo, redact, resourceTable, roundDetails, roundTable, writeReports, writtenReportLines } from '../report/index.ts';
import type { RoundResult } from '../stats/types.ts';
import { validateRateControl } from '../rate/registry.ts';
import { toolVersion } from '../version.ts';
import { helpText, parseCommandArgs, RUN_HELP, UsageError } from './usage.ts';

export interface RunOptions {
  config: string;
  network: string;
  resultsDir: string;
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  network: { type: 'string', short: 'n' },
  results: { type: 'string', default: 'ledgerbench-results' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `ledgerbench run ...` with the arguments after `run`; resolves with the exit code. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }, RUN_HELP);
  if (values.help) {
    process.stdout.write(helpText(RUN_HELP));
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`run takes no positional arguments, got ${positionals.join(' ')} (name the files with --config and --network)`, RUN_HELP);
  if (!values.config || !values.network) throw new UsageError('run needs --config <benchmark.yaml> and --network <network.yaml>', RUN_HELP);
  return runBenchmark({ config: values.config, network: values.network, resultsDir: values.results });
}

/**
 * Runs every round of the benchmark; resolves with the process exit code. An error before the first
 * round starts is thrown as it is; one while a later round starts (runRound throws only for bad input
 * found before sending) still writes the reports of the rounds that finished, then is thrown.
 */
export async function runBenchmark(o: RunOptions): Promise<number> {
  const log = (line: string) => process.stderr.write(`[ledgerbench] ${line}\n`);
  const warn = (m: string) => log(`warning: ${m}`);
  const benchmark = loadCaliperBenchmark(o.config, { warn });
  const runId = randomBytes(3).toString('hex');
  const workers = benchmark.workers;
  const launcher = workers.type === 'zookeeper' ? zookeeperLauncher({ server: workers.server, clientsPerHost: workers.clientsPerHost, runId }) : undefined;
  // Local workers live across the rounds, as Caliper's do: one connection and module load per run.
  const pool = launcher ? undefined : new WorkerPool(localLauncher);
  const startedAt = new Date();
  const controller = new AbortController();
  const onSignal = () => controller.abort('interrupted');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let network: NetworkHandle | undefined;
  let monitors: MonitorSet | undefined;
  const rounds: RoundResult[] = [];
  let failure: unknown;
  try {
    network = await openNetwork(o.network, { log });
    monitors = new MonitorSet(createMonitors(benchmark.monitor, { file: benchmark.source, warn, ownProcesses: network.pids, metricsUrls: network.metricsUrls }));
    await monitors.start();
    const color = Boolean(process.stdout.isTTY);
    for (const spec of benchmark.rounds) {
      if (controller.signal.aborted) break;
      let progress: ReturnType<typeof progressPrinter> | undefined;
      let result: RoundResult;
      try {
        const sized = launcher ? await sizeForAgents(spec, launcher) : spec;
        // ZooKeeper sizing may raise the worker count above what the file was checked against.
        if (sized.workers !== spec.workers) validateRateControl(sized.rateControl, sized.source, `(round ${sized.roundIndex} '${sized.label}') rateControl`, { ...sized, warn });
        log(`round ${sized.roundIndex} '${sized.label}': ${sized.txNumber !== undefined ? `${sized.txNumber} tx` : `${sized.txDuration} s`}, ${sized.rateControl.type}, ${sized.workers} worker(s)`);
        progress = progressPrinter();
        result = await runRound(sized, {
          network: network.ref,
          runId,
          monitors,
          onProgress: progress.update,
          signal: controller.signal,
          launcher,
          pool,
          networkProcesses: network.pids,
          origin: { file: benchmark.source },
        });
      } catch (err) {
        // Interrupted while the workers were still starting: nothing of this round was measured, so
        // say so plainly (not with a stack trace) and keep the rounds that did finish.
        if (controller.signal.aborted) {
          log(`interrupted before round ${spec.roundIndex} '${spec.label}' started`);
          break;
        }
        // Bad input found as this round started: the rounds before it ran and are written below.
        if (rounds.length === 0) throw err;
        log(`round ${spec.roundIndex} '${spec.label}' did not start; writing the ${rounds.length} round(s) that ran`);
        failure = err;
        break;
      } finally {
        progress?.done();
      }
      rounds.push(result);
      const parts = [roundTable([result], { color }), result.resources?.length ? resourceTable(result, { color }) : '', roundDetails(result, { color })];
      process.stdout.write(`${parts.filter(Boolean).join('\n')}\n`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await monitors?.stop();
    await pool?.close();
    await launcher?.close();
    await network?.stop();
  }
  if (rounds.length === 0) {
    log('no round finished; nothing written');
    return 1;
  }
  const finishedAt = new Date();
  const dir = join(resolve(o.resultsDir), finishedAt.toISOString().replace(/[:.]/g, '-'));
  const paths = await writeReports(
    {
      schemaVersion: 1,
      tool: 'ledgerbench',
      toolVersion: toolVersion(),
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      name: benchmark.name,
      rounds,
      ...(controller.signal.aborted ? { interrupted: { reason: 'interrupted' } } : {}),
      config: { benchmark: redact(readYamlFile(benchmark.source)), network: redact(readYamlFile(resolve(o.network))) },
      environment: environmentInfo(),
    },
    dir,
  );
  if (rounds.length > 1) process.stdout.write(`\nAll rounds\n${roundTable(rounds, { color: Boolean(process.stdout.isTTY) })}\n`);
  process.stdout.write(`${writtenReportLines(paths)}\n`);
  if (failure !== undefined) throw failure;
  return rounds.some((r) => r.aborted) || controller.signal.aborted ? 1 : 0;
}

