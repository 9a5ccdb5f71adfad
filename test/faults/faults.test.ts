/**
 * The fault suite: each fault a user's benchmark can meet, injected on purpose against real
 * processes (the `ledgerbench` CLI, its workers, the embedded network), and what must happen: the
 * round ends within its bound, what was measured is kept and written, the reason is named, the exit
 * code says so, and nothing is left running. README's "What happens when..." table lists these.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RoundResult } from '../../src/stats/types.ts';
import { type Child, descendants, killAllChildren, killPids, ledgerbenchCli, REPO, stillRunning } from '../cli/child.ts';

const SEEDS = join(REPO, 'fixtures/seed-configs/benchmark/simple');
const WORKLOADS = join(REPO, 'fixtures/workloads');
const EMBEDDED = 'networks/embedded.yaml';
const NOOP = 'networks/noop.yaml';
const NETWORK_MAIN = 'embedded/main';
const WORKER_MAIN = 'worker-main';

let tmp: string;
const leftovers: number[] = [];

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledgerbench-faults-'));
});

afterAll(() => {
  killAllChildren();
  killPids(leftovers);
  rmSync(tmp, { recursive: true, force: true });
});

/** A Caliper benchmark file with these rounds (YAML text under `rounds:`), two local workers. */
function benchmark(name: string, rounds: string, workers = 2): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, `test:\n  name: ${name}\n  workers: { type: local, number: ${workers} }\n  rounds:\n${rounds}`);
  return file;
}

/** The results.json of the run's single results folder. */
function results(dir: string): { rounds: RoundResult[] } {
  const [folder] = readdirSync(dir);
  return JSON.parse(readFileSync(join(dir, folder, 'results.json'), 'utf8'));
}

/** Every file a run wrote, as text. */
function everythingWritten(dir: string): string {
  const [folder] = readdirSync(dir);
  return readdirSync(join(dir, folder))
    .map((f) => readFileSync(join(dir, folder, f), 'utf8'))
    .join('\n');
}

/** Waits until `count` processes whose command line holds `needle` run under the CLI. */
async function processesOf(cli: Child, needle: string, count: number): Promise<number[]> {
  for (let i = 0; i < 300; i++) {
    const found = descendants(cli.pid, needle);
    if (found.length >= count) {
      leftovers.push(...found);
      return found;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${count} '${needle}' processes under the CLI`);
}

/** A progress line (every 5 s) saying that 50 or more transactions completed: the round is under way. */
const SOME_DONE = /open {2}sent [\d,]+ {2}done (?:[5-9]\d|\d{3,})/;

const KEY_MATERIAL = /BEGIN (EC |ENCRYPTED )?PRIVATE KEY|privateKey"?\s*:\s*"?[A-Za-z0-9+/=]{20}/;

describe('faults end rounds cleanly and honestly', () => {
  test('kill -9 of the embedded network mid-round: the round ends with the reason, figures kept, exit 1', async () => {
    const dir = join(tmp, 'network-killed');
    const file = benchmark('netkill', `    - label: open\n      txDuration: 20\n      rateControl: { type: fixed-rate, opts: { tps: 40 } }\n      workload: { module: ${SEEDS}/open.js }\n`);
    const cli = ledgerbenchCli(['run', '--config', file, '--network', EMBEDDED, '--results', dir], { timeoutMs: 90_000 });
    const [network] = await processesOf(cli, NETWORK_MAIN, 1);
    const workers = await processesOf(cli, WORKER_MAIN, 2);
    await cli.waitFor(SOME_DONE, 60_000);
    process.kill(network, 'SIGKILL');
    const killedAt = Date.now();
    const run = await cli.finished;
    expect(run.code).toBe(1);
    // Ended at once, not at the end of its 20 s.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const [round] = results(dir).rounds;
    expect(round.aborted?.reason).toMatch(/the network went away: embedded-network:\S+ \(pid \d+\) exited/);
    expect(round.succeeded).toBeGreaterThan(20);
    expect(stillRunning(workers, WORKER_MAIN)).toEqual([]);
  });

  test("a later round's init failing: the finished round is written, the failed one recorded as aborted, exit 1", async () => {
    const dir = join(tmp, 'init-fails');
    const file = benchmark(
      'initfails',
      `    - label: first\n      txNumber: 50\n      rateControl: { type: fixed-rate, opts: { tps: 100 } }\n      workload: { module: ${WORKLOADS}/noop.ts }\n` +
        `    - label: second\n      txNumber: 50\n      rateControl: { type: fixed-rate, opts: { tps: 100 } }\n      workload: { module: ${WORKLOADS}/init-throws.ts }\n`,
    );
    const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', dir]).finished;
    expect(run.code).toBe(1);
    const { rounds } = results(dir);
    expect(rounds.map((r) => r.label)).toEqual(['first', 'second']);
    expect(rounds[0]).toMatchObject({ succeeded: 50, failed: 0 });
    expect(rounds[0].aborted).toBeUndefined();
    expect(rounds[1].aborted?.reason).toMatch(/init-throws\.ts: init\(\) threw: cannot preload assets\.json/);
    // The workload's own frame, so the user finds the line.
    expect(rounds[1].aborted?.reason).toMatch(/at loadAssets \(.*init-throws\.ts:\d+/);
  });

  test('a closed-model round whose workload never settles some calls ends; they count as unfinished', async () => {
    const dir = join(tmp, 'never-settles');
    const file = benchmark('hang', `    - label: hang\n      txNumber: 400\n      txTimeout: 1s\n      rateControl: { type: fixed-load, opts: { transactionLoad: 4 } }\n      workload: { module: ${WORKLOADS}/never-settles.ts }\n`);
    const run = await ledgerbenchCli(['run', '--config', file, '--network', NOOP, '--results', dir], { timeoutMs: 120_000 }).finished;
    expect(run.code).toBe(0);
    const [round] = results(dir).rounds;
    expect(round.unfinished).toBe(16);
    expect(round.succeeded).toBe(384);
    expect(round.failuresByReason).toEqual({ unfinished: 16 });
  });

  test('Ctrl-C (SIGINT to the process group) against the embedded network: in-flight transactions are not failures', async () => {
    const dir = join(tmp, 'ctrl-c');
    const file = benchmark('ctrlc', `    - label: open\n      txDuration: 30\n      rateControl: { type: fixed-rate, opts: { tps: 60 } }\n      workload: { module: ${SEEDS}/open.js }\n`);
    const cli = ledgerbenchCli(['run', '--config', file, '--network', EMBEDDED, '--results', dir], { timeoutMs: 90_000, detached: true });
    const [network] = await processesOf(cli, NETWORK_MAIN, 1);
    const workers = await processesOf(cli, WORKER_MAIN, 2);
    await cli.waitFor(SOME_DONE, 60_000);
    process.kill(-cli.pid, 'SIGINT');
    const run = await cli.finished;
    expect(run.code).toBe(1);
    const [round] = results(dir).rounds;
    expect(round.aborted?.reason).toMatch(/interrupted/);
    expect(round.succeeded).toBeGreaterThan(50);
    // The network outlives the workers' last completions: nothing in flight turns into a failure.
    expect(round.failed).toBe(0);
    expect(round.failuresByReason).toEqual({});
    expect(stillRunning([network], NETWORK_MAIN)).toEqual([]);
    expect(stillRunning(workers, WORKER_MAIN)).toEqual([]);
    expect(`${run.stdout}\n${run.stderr}\n${everythingWritten(dir)}`).not.toMatch(KEY_MATERIAL);
  });
});
