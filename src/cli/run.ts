/** `ledgerbench run`: a Caliper benchmark file against a network file, no test file needed. */
import { randomBytes } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { loadCaliperBenchmark } from '../config/caliper-benchmark.ts';
import { readYamlFile } from '../config/yaml.ts';
import { runRound } from '../engine/manager.ts';
import { progressPrinter } from '../engine/progress.ts';
import { zookeeperLauncher } from '../engine/zookeeper/launcher.ts';
import { sizeForAgents } from '../engine/zookeeper/sizing.ts';
import { createMonitors, MonitorSet } from '../monitors/index.ts';
import { openNetwork } from '../network/open.ts';
import type { NetworkHandle } from '../network/types.ts';
import { environmentInfo, redact, resourceTable, roundDetails, roundTable, writeReports } from '../report/index.ts';
import type { RoundResult } from '../stats/types.ts';
import { toolVersion } from '../version.ts';

export interface RunOptions {
  config: string;
  network: string;
  resultsDir: string;
}

/** Runs every round of the benchmark; resolves with the process exit code. */
export async function runBenchmark(o: RunOptions): Promise<number> {
  const benchmark = loadCaliperBenchmark(o.config);
  const runId = randomBytes(3).toString('hex');
  const workers = benchmark.workers;
  const launcher = workers.type === 'zookeeper' ? zookeeperLauncher({ server: workers.server, clientsPerHost: workers.clientsPerHost, runId }) : undefined;
  const log = (line: string) => process.stderr.write(`[ledgerbench] ${line}\n`);
  const startedAt = new Date();
  const controller = new AbortController();
  const onSignal = () => controller.abort('interrupted');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let network: NetworkHandle | undefined;
  let monitors: MonitorSet | undefined;
  const rounds: RoundResult[] = [];
  try {
    network = await openNetwork(o.network, { log });
    const warn = (m: string) => log(`warning: ${m}`);
    monitors = new MonitorSet(createMonitors(benchmark.monitor, { file: benchmark.source, warn, ownProcesses: network.pids, metricsUrls: network.metricsUrls }));
    await monitors.start();
    const color = Boolean(process.stdout.isTTY);
    for (const spec of benchmark.rounds) {
      if (controller.signal.aborted) break;
      log(`round ${spec.roundIndex} '${spec.label}': ${spec.txNumber !== undefined ? `${spec.txNumber} tx` : `${spec.txDuration} s`}, ${spec.rateControl.type}, ${spec.workers} worker(s)`);
      const progress = progressPrinter();
      let result: RoundResult;
      try {
        const sized = launcher ? await sizeForAgents(spec, launcher) : spec;
        result = await runRound(sized, { network: network.ref, runId, monitors, onProgress: progress.update, signal: controller.signal, launcher });
      } catch (err) {
        // Interrupted while the workers were still starting: nothing of this round was measured, so
        // say so plainly (not with a stack trace) and keep the rounds that did finish.
        if (!controller.signal.aborted) throw err;
        log(`interrupted before round ${spec.roundIndex} '${spec.label}' started`);
        break;
      } finally {
        progress.done();
      }
      rounds.push(result);
      const parts = [roundTable([result], { color }), result.resources?.length ? resourceTable(result, { color }) : '', roundDetails(result, { color })];
      process.stdout.write(`${parts.filter(Boolean).join('\n')}\n`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await monitors?.stop();
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
      config: { benchmark: redact(readYamlFile(benchmark.source)), network: redact(readYamlFile(resolve(o.network))) },
      environment: environmentInfo(),
    },
    dir,
  );
  if (rounds.length > 1) process.stdout.write(`\nAll rounds\n${roundTable(rounds, { color: Boolean(process.stdout.isTTY) })}\n`);
  process.stdout.write(`results ${relative(process.cwd(), paths.json)}\nreport  ${relative(process.cwd(), paths.html)}\n`);
  return rounds.some((r) => r.aborted) || controller.signal.aborted ? 1 : 0;
}

