/**
 * `ledgerbench` as users run it: `node bin/ledgerbench.js ...` in a real child process, against the
 * noop network, with real worker processes.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AgentProcess, startAgentProcess, stopAgentProcess } from '../zookeeper/agents.ts';
import { startZooKeeper } from '../zookeeper/server.ts';
import { descendants, killAllChildren, killPids, ledgerbenchCli, REPO, stillRunning } from './child.ts';

const SEEDS = join(REPO, 'fixtures/seed-configs');
const NOOP = 'networks/noop.yaml';
/** A stack frame of our own sources: what a user must never see for bad input. */
const OUR_STACK = /^\s+at .*[\\/](src|bin)[\\/].*\.(ts|js):\d+/m;

let tmp: string;
const leftovers: number[] = [];

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledgerbench-cli-'));
});

afterAll(() => {
  killAllChildren();
  killPids(leftovers);
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a benchmark file into the test's folder and returns its path. */
function benchmarkFile(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

/** A seed config with its `callback:` paths made absolute, so it loads from a temporary folder. */
function seedWithAbsoluteCallbacks(seed: string, edit: (text: string) => string = (t) => t): string {
  const text = readFileSync(join(SEEDS, seed), 'utf8').replace(/callback: benchmark\//g, `callback: ${SEEDS}/benchmark/`);
  return edit(text);
}

/** The single results folder under `dir` (one per run, named by time). */
function runFolder(dir: string): string {
  const entries = readdirSync(dir);
  expect(entries).toHaveLength(1);
  return join(dir, entries[0]);
}

/** A one-round benchmark that would run 30 s at 50 tps with two workers unless interrupted. */
function longBenchmark(name: string, workload = `${SEEDS}/benchmark/simple/query.js`): string {
  return benchmarkFile(
    name,
    `test:
  name: long
  clients: { type: local, number: 2 }
  rounds:
    - label: long
      txDuration: [30]
      rateControl:
        - type: fixed-rate
          opts: { tps: 50 }
      workload:
        module: ${workload}
`,
  );
}

describe('ledgerbench run', () => {
  test('runs the seed\'s simple benchmark on the noop network and writes the reports', async () => {
    const results = join(tmp, 'simple-results');
    const run = await ledgerbenchCli(['run', '--config', 'fixtures/seed-configs/simple-config.yaml', '--network', NOOP, '--results', results]).finished;
    expect(run.stderr).not.toMatch(OUR_STACK);
    expect(run.code).toBe(0);
    // Both rounds, each in its own table as it ends and again in the closing table.
    expect(run.stdout).toMatch(/\|\s+1 \| open\s+\|\s+100 \|\s+0 \|/);
    expect(run.stdout).toMatch(/\|\s+2 \| query \|\s+100 \|\s+0 \|/);
    expect(run.stdout).toMatch(/All rounds\n[\s\S]*\| open [\s\S]*\| query /);
    expect(run.stdout).toMatch(/Send Rate \(TPS\) \| Max Latency \(ms\) \| Min Latency \(ms\) \| Avg Latency \(ms\) \| Throughput \(TPS\)/);
    // The paths it prints are the files it wrote.
    const folder = runFolder(results);
    const printed = (name: string) => run.stdout.match(new RegExp(`^${name}\\s+(\\S+)$`, 'm'))?.[1];
    expect(resolve(REPO, printed('results') ?? '')).toBe(join(folder, 'results.json'));
    expect(resolve(REPO, printed('report') ?? '')).toBe(join(folder, 'report.html'));
    for (const file of ['results.json', 'report.html', 'summary.md']) expect(statSync(join(folder, file)).size).toBeGreaterThan(0);
    const json = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8'));
    expect(json).toMatchObject({ schemaVersion: 1, tool: 'ledgerbench', name: 'simple' });
    expect(json.rounds.map((r: { label: string; succeeded: number; failed: number }) => [r.label, r.succeeded, r.failed])).toEqual([
      ['open', 100, 0],
      ['query', 100, 0],
    ]);
    expect(json.config.benchmark.test.name).toBe('simple');
    expect(readFileSync(join(folder, 'report.html'), 'utf8')).toMatch(/query/);
  });

});

// Each of these is a short-lived CLI start: run them side by side to keep the suite quick.
describe.concurrent('ledgerbench with bad input', () => {
  test('a YAML syntax error exits 2 naming the file and the position', async () => {
    const file = benchmarkFile('syntax.yaml', 'test:\n  name: broken\n  rounds:\n    - label: a\n     txNumber: [10]\n');
    const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', join(tmp, 'never')]).finished;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/configuration error/);
    expect(run.stderr).toContain(`${file}: line 5, column 6: YAML syntax error`);
    expect(run.stderr).toMatch(/fix: /);
    expect(run.stderr).not.toMatch(OUR_STACK);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });

  test('an unknown rate controller exits 2 naming the file, the field and the known ones', async () => {
    const file = benchmarkFile('rate.yaml', seedWithAbsoluteCallbacks('simple-config.yaml', (t) => t.replace('type: fixed-rate', 'type: fixed-rat')));
    const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', join(tmp, 'never')]).finished;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}: test.rounds[0].rateControl[0].type: unknown rate controller "fixed-rat"`);
    expect(run.stderr).toMatch(/fix: use one of: .*fixed-rate/);
    expect(run.stderr).not.toMatch(OUR_STACK);
  });

  test('a missing network file exits 2 naming it', async () => {
    const run = await ledgerbenchCli(['run', '--config', 'fixtures/seed-configs/simple-config.yaml', '--network', 'networks/missing.yaml', '--results', join(tmp, 'never')]).finished;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(REPO, 'networks/missing.yaml')}: (file): cannot be read (ENOENT)`);
    expect(run.stderr).not.toMatch(OUR_STACK);
  });

  test('missing --config exits 2 with the usage', async () => {
    const run = await ledgerbenchCli(['run', '--network', NOOP]).finished;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/run needs --config <benchmark\.yaml> and --network <network\.yaml>/);
    expect(run.stderr).toMatch(/Usage:\n\s+ledgerbench run --config/);
  });

  test('an unknown option exits 2 with the usage, not a stack trace', async () => {
    const run = await ledgerbenchCli(['run', '--bogus']).finished;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--bogus'/);
    expect(run.stderr).toMatch(/Usage:/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  test('--help prints the usage and exits 0', async () => {
    const run = await ledgerbenchCli(['--help']).finished;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage:\n\s+ledgerbench run --config <benchmark\.yaml> --network <network\.yaml>/);
    expect(run.stdout).toMatch(/ledgerbench network up/);
  });

  test("the seed's ZooKeeper benchmark (addresses rewritten to 127.0.0.1) runs on an agent through a real ZooKeeper", async () => {
    const zk = await startZooKeeper();
    let agent: AgentProcess | undefined;
    try {
      const file = benchmarkFile(
        'zookeeper.yaml',
        seedWithAbsoluteCallbacks('zookeeper-benchmark.yaml', (t) => t.replace(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:2181\b/g, zk.server).replace(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g, '127.0.0.1')),
      );
      expect(readFileSync(file, 'utf8')).not.toMatch(/10\.80\./);
      agent = await startAgentProcess(zk.server, ['--clients', '5']);
      const results = join(tmp, 'zk');
      const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', results], { timeoutMs: 90_000 }).finished;
      expect(run.stderr).not.toMatch(OUR_STACK);
      expect(run.code).toBe(0);
      const report = JSON.parse(readFileSync(join(results, readdirSync(results)[0], 'results.json'), 'utf8'));
      // One agent with clientsPerHost 5: five remote workers shared the round's 100 transactions.
      expect(report.rounds[0]).toMatchObject({ label: 'mytest', workers: 5, succeeded: 100, failed: 0 });
    } finally {
      await stopAgentProcess(agent);
      await zk.stop();
    }
  });
});

describe('ledgerbench run keeps what ran and says what it did', () => {
  test('a round that cannot start after one that finished: the finished round is written, the error printed once, exit non-zero', async () => {
    const results = join(tmp, 'later-failure');
    const file = benchmarkFile(
      'later-failure.yaml',
      `test:
  name: later-failure
  rounds:
    - label: first
      txNumber: 20
      rateControl: { type: fixed-rate, opts: { tps: 100 } }
      workload: { module: ${SEEDS}/benchmark/simple/query.js }
    - label: second
      txNumber: 20
      rateControl: { type: fixed-rate, opts: { tps: 100 } }
      workload: { module: ${join(REPO, 'fixtures/workloads/no-run.ts')} }
`,
    );
    const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', results]).finished;
    expect(run.code).not.toBe(0);
    expect(run.stderr).not.toMatch(OUR_STACK);
    expect(run.stderr).toMatch(/round 1 'second' did not start; writing the 1 round\(s\) that ran/);
    // The cause, once, naming the workload file.
    expect(run.stderr.match(/no-run\.ts/g)).toHaveLength(1);
    const json = JSON.parse(readFileSync(join(runFolder(results), 'results.json'), 'utf8'));
    expect(json.rounds.map((r: { label: string; succeeded: number }) => [r.label, r.succeeded])).toEqual([['first', 20]]);
    expect(run.stdout).toMatch(/^results \S+results\.json$/m);
  });

  test('unknown fields stop the run before anything starts; Caliper 0.4 fields without effect are one warning line each', async () => {
    const typo = benchmarkFile('typo.yaml', seedWithAbsoluteCallbacks('simple-config.yaml', (t) => t.replace('  description: This', '  descriptoin: This')));
    const refused = await ledgerbenchCli(['run', '--config', typo, '--network', NOOP, '--results', join(tmp, 'never')]).finished;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${typo}: test.descriptoin: is not a field of test (line 5)`);
    expect(refused.stderr).toMatch(/fix: rename it to `description`/);
    expect(existsSync(join(tmp, 'never'))).toBe(false);

    const results = join(tmp, 'caliper-04');
    const file = benchmarkFile(
      'caliper-04.yaml',
      `args: &args
  money: 10
test:
  name: v04
  workers: { type: local, number: 2 }
  rounds:
    - label: open
      chaincodeID: simple
      txNumber: 20
      rateControl: { type: fixed-load, opts: { transactionLoad: 1 } }
      workload:
        module: ${SEEDS}/benchmark/simple/open.js
        arguments:
          <<: *args
observer: { type: local, interval: 1 }
monitors:
  transaction: [{ module: logging }]
  resource:
    - module: process
      options: { interval: 1, processes: [{ command: node, arguments: worker-main, multiOutput: avg }] }
`,
    );
    const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', results]).finished;
    expect(run.stderr).not.toMatch(OUR_STACK);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((l) => l.startsWith('[ledgerbench] warning: '));
    expect(warnings.map((w) => w.slice(`[ledgerbench] warning: ${file}: `.length).split(':')[0]).sort()).toEqual([
      'monitors.transaction',
      'observer',
      'test.rounds[0].chaincodeID',
      'test.rounds[0].rateControl.opts.transactionLoad',
    ]);
    const json = JSON.parse(readFileSync(join(runFolder(results), 'results.json'), 'utf8'));
    expect(json.rounds[0]).toMatchObject({ label: 'open', workers: 2, succeeded: 20, failed: 0, origin: { file } });
    // The resource monitor of the monitors block ran: its process rows are in the round.
    expect(json.rounds[0].resources.some((r: { name: string }) => /worker-main/.test(r.name))).toBe(true);
  });

  test("a round's readyTimeout from the YAML bounds the workers' start, and the abort names the option", async () => {
    const results = join(tmp, 'ready-timeout');
    const file = benchmarkFile(
      'ready-timeout.yaml',
      `test:
  name: ready
  rounds:
    - label: slow
      txNumber: 10
      readyTimeout: 1.5s
      workload: { module: ${join(REPO, 'test/cli/slow-init.ts')} }
`,
    );
    const started = Date.now();
    const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', results]).finished;
    // slow-init's init takes 20 s; the round gave up after its own 1.5 s.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.code).toBe(1);
    const json = JSON.parse(readFileSync(join(runFolder(results), 'results.json'), 'utf8'));
    expect(json.rounds[0].aborted.reason).toMatch(/not ready within 1\.5s[\s\S]*readyTimeout/);
  });

  test('the embedded network killed mid-round aborts the round naming it, and the run exits non-zero', async () => {
    const results = join(tmp, 'network-killed');
    const file = benchmarkFile(
      'network-killed.yaml',
      `test:
  name: netkill
  rounds:
    - label: query
      txDuration: 30
      rateControl: { type: fixed-rate, opts: { tps: 20 } }
      callback: ${SEEDS}/benchmark/simple/query.js
`,
    );
    const cli = ledgerbenchCli(['run', '--config', file, '--network', 'networks/embedded.yaml', '--results', results], { timeoutMs: 90_000 });
    await cli.waitFor(/query {2}sent \d/, 60_000);
    const network = descendants(cli.pid, 'embedded/main');
    expect(network).toHaveLength(1);
    leftovers.push(...network);
    const killedAt = Date.now();
    process.kill(network[0], 'SIGKILL');
    const run = await cli.finished;
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(OUR_STACK);
    const json = JSON.parse(readFileSync(join(runFolder(results), 'results.json'), 'utf8'));
    expect(json.rounds[0].aborted.reason).toMatch(/the network went away: .*exited/);
  });

  test('the round line counts the workers ZooKeeper sizing gives (2 agents x clientsPerHost 1), not the file\'s 1', async () => {
    const zk = await startZooKeeper();
    const agents: AgentProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) agents.push(await startAgentProcess(zk.server, ['--clients', '1']));
      const file = benchmarkFile(
        'zk-sized.yaml',
        `test:
  name: sized
  clients: { type: zookeeper, zoo: { server: ${zk.server}, clientsPerHost: 1 } }
  rounds:
    - label: sized
      txNumber: 20
      rateControl: { type: fixed-rate, opts: { tps: 50 } }
      callback: ${SEEDS}/benchmark/simple/query.js
`,
      );
      const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', join(tmp, 'zk-sized')], { timeoutMs: 90_000 }).finished;
      expect(run.stderr).not.toMatch(OUR_STACK);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain("round 0 'sized': 20 tx, fixed-rate, 2 worker(s)");
      expect(run.stderr).not.toContain('1 worker(s)');
    } finally {
      for (const a of agents) await stopAgentProcess(a);
      await zk.stop();
    }
  });
});

describe('interrupting ledgerbench run', () => {
  /**
   * Starts a long round, waits until it is sending, interrupts it (`group`: the whole process group,
   * as Ctrl-C in a terminal does; otherwise the CLI alone, as `kill -INT` does) and checks the round
   * ends early, marked aborted, with results written and no worker left.
   */
  async function interruptMidRound(name: string, group: boolean) {
    const results = join(tmp, `${name}-results`);
    const cli = ledgerbenchCli(['run', '--config', longBenchmark(`${name}.yaml`), '--network', NOOP, '--results', results], { detached: group });
    // The first progress line comes a second after the workers started sending.
    await cli.waitFor(/long {2}sent \d/, 30_000);
    if (group) {
      // Let a few seconds of figures accumulate before Ctrl-C reaches the whole group (workers ignore
      // SIGINT and are stopped by the manager, keeping their last figures).
      await new Promise((r) => setTimeout(r, 2500));
    }
    const workers = descendants(cli.pid, 'worker-main.ts');
    leftovers.push(...workers);
    expect(workers).toHaveLength(2);
    const interruptedAt = Date.now();
    if (group) process.kill(-cli.pid, 'SIGINT');
    else cli.proc.kill('SIGINT');
    const run = await cli.finished;
    // A 30 s round; ending within 20 s of the signal (it takes well under one here) shows the
    // interrupt, not the round's length, ended it.
    expect(Date.now() - interruptedAt).toBeLessThan(20_000);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    expect(run.stderr).not.toMatch(OUR_STACK);
    // On Ctrl-C the CLI's handler and the workers' deaths race to name the abort.
    expect(run.stdout).toMatch(group ? /Aborted: (round cancelled: interrupted|worker \d exited with signal SIGINT)/ : /Aborted: round cancelled: interrupted/);
    const folder = runFolder(results);
    const json = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8'));
    expect(json.rounds).toHaveLength(1);
    expect(json.rounds[0].aborted.reason).toMatch(/interrupted|SIGINT/);
    expect(json.rounds[0].succeeded).toBeGreaterThan(0);
    expect(json.rounds[0].elapsedSec).toBeLessThan(25);
    expect(stillRunning(workers, 'worker-main.ts')).toEqual([]);
  }

  test('SIGINT to the CLI mid-round ends it promptly, writes the aborted round, leaves no worker', async () => {
    await interruptMidRound('sigint-cli', false);
  });

  test('SIGINT to the process group (Ctrl-C) does the same', async () => {
    await interruptMidRound('sigint-group', true);
  });

  test('SIGINT while the workers are still starting exits non-zero without a stack trace', async () => {
    const results = join(tmp, 'starting-results');
    const slow = join(REPO, 'test/cli/slow-init.ts');
    const cli = ledgerbenchCli(['run', '--config', longBenchmark('starting.yaml', slow), '--network', NOOP, '--results', results]);
    await cli.waitFor(/round 0 'long'/, 30_000);
    // The workers exist once forked; their init takes 20 s, so the round cannot have started.
    let workers: number[] = [];
    for (let i = 0; i < 100 && workers.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      workers = descendants(cli.pid, 'worker-main.ts');
    }
    leftovers.push(...workers);
    expect(workers).toHaveLength(2);
    cli.proc.kill('SIGINT');
    const run = await cli.finished;
    expect(run.code).toBe(1);
    // The engine reports a round cancelled before it started as aborted, with nothing measured; the
    // CLI writes it like any other so the run's record says what happened.
    expect(run.stdout).toMatch(/Aborted: round cancelled: interrupted/);
    expect(run.stderr).not.toMatch(OUR_STACK);
    const json = JSON.parse(readFileSync(join(runFolder(results), 'results.json'), 'utf8'));
    expect(json.rounds).toMatchObject([{ label: 'long', succeeded: 0, failed: 0, aborted: { reason: 'round cancelled: interrupted' } }]);
    expect(stillRunning(workers, 'worker-main.ts')).toEqual([]);
  });
});
