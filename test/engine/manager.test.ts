import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { normalizeRound, type BenchRoundOptions } from '../../src/config/round.ts';
import { runRound } from '../../src/engine/manager.ts';
import type { RoundProgress } from '../../src/engine/progress.ts';
import type { KnownProcess } from '../../src/monitors/types.ts';
import type { MonitorSet } from '../../src/monitors/index.ts';
import { alive } from '../support/processes.ts';

const origin = { source: 'manager.test.ts', field: '', baseDir: resolve('fixtures/workloads'), roundIndex: 0 };
const noop = { connector: 'noop' };
const round = (o: Partial<BenchRoundOptions>) => normalizeRound({ label: 't', workload: './noop.ts', ...o } as BenchRoundOptions, origin);

/** Captures the worker PIDs the manager hands to monitors, to check none outlives the round. */
function pidCatcher() {
  const pids: number[] = [];
  const monitors = {
    addProcesses: (p: KnownProcess[]) => pids.push(...p.map((x) => x.pid)),
    roundStart: () => {},
    roundEnd: async () => ({ rows: [], metrics: [] }),
  } as unknown as MonitorSet;
  return { pids, monitors };
}

describe('runRound with real worker processes', () => {
  test('two workers split txNumber exactly and hold the rate', async () => {
    const { pids, monitors } = pidCatcher();
    const progress: RoundProgress[] = [];
    const r = await runRound(round({ workers: 2, txNumber: 1001, rateControl: { type: 'fixed-rate', opts: { tps: 500 } } }), { network: noop, runId: 'x', monitors, onProgress: (p) => progress.push(p) });
    expect(r.succeeded).toBe(1001);
    expect(r.failed).toBe(0);
    expect(r.aborted).toBeUndefined();
    expect(r.model).toBe('open');
    // 1001 sends over ~2 s: the send rate is the target within a few percent.
    expect(Math.abs(r.sendRate - 500) / 500).toBeLessThan(0.05);
    expect(r.correctedLatency?.count).toBe(1001);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ label: 't', total: 1001 });
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  test('failures are counted by reason (delay connector with a failure ratio)', async () => {
    const r = await runRound(round({ txNumber: 400, rateControl: { type: 'fixed-load', opts: { transactionLoad: 20 } } }), {
      network: { connector: 'delay', options: { distribution: 'fixed', mean: 2, failureRatio: 0.25, failureReason: 'simulated' } },
      runId: 'x',
    });
    expect(r.succeeded + r.failed).toBe(400);
    expect(r.failed).toBeGreaterThan(50);
    expect(r.failed).toBeLessThan(150);
    expect(r.failuresByReason).toEqual({ simulated: r.failed });
    expect(r.model).toBe('closed');
    // setTimeout(2) may fire up to a millisecond early on libuv's cached clock.
    expect(r.latency.min).toBeGreaterThanOrEqual(1);
  });

  test('a worker crash ends the round: exit code and stderr kept, others stopped, nothing left running', async () => {
    const { pids, monitors } = pidCatcher();
    const r = await runRound(round({ workers: 2, txDuration: 30, workload: './crash.ts', rateControl: { type: 'fixed-rate', opts: { tps: 200 } } }), { network: noop, runId: 'x', monitors });
    expect(r.aborted).toMatchObject({ workerIndex: 1, exitCode: 3 });
    expect(r.aborted?.reason).toMatch(/worker 1 exited with code 3/);
    expect(r.aborted?.stderrTail).toContain('boom: worker 1 gives up');
    // What was measured before the crash is kept: worker 0 kept sending until told to stop.
    expect(r.succeeded).toBeGreaterThan(50);
    expect(r.elapsedSec).toBeLessThan(10);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  test('an abort signal ends a long round early with its figures', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('test over'), 4000);
    const r = await runRound(round({ txDuration: 60, rateControl: { type: 'fixed-rate', opts: { tps: 100 } } }), { network: noop, runId: 'x', signal: controller.signal });
    expect(r.aborted?.reason).toMatch(/cancelled: test over/);
    expect(r.succeeded).toBeGreaterThan(50);
    expect(r.succeeded).toBeLessThan(1000);
  });

  test('a closed-model round whose workload leaves promises unsettled ends, counting them unfinished', async () => {
    const { pids, monitors } = pidCatcher();
    const spec = { ...round({ workers: 2, txNumber: 400, workload: './never-settles.ts', rateControl: { type: 'fixed-load', opts: { transactionLoad: 4 } } }), txTimeoutMs: 500 };
    const r = await runRound(spec, { network: noop, runId: 'x', monitors });
    expect(r.aborted).toBeUndefined();
    // Each worker's 200 transactions: every 25th never settles.
    expect(r.unfinished).toBe(16);
    expect(r.failuresByReason).toEqual({ unfinished: 16 });
    expect(r.succeeded).toBe(384);
    // Each give-up holds one of a worker's two slots for txTimeout + 1 s; the round's bound follows.
    expect(r.elapsedSec).toBeLessThan(16 * 1.5);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  test("a later round's workload init failing gives an aborted result naming the module and init(), not a throw", async () => {
    const r = await runRound(round({ workers: 2, txNumber: 10, workload: './init-throws.ts' }), { network: noop, runId: 'x' });
    expect(r.aborted?.reason).toMatch(/could not start: workload .*init-throws\.ts: init\(\) threw: cannot preload assets\.json: no such file/);
    expect(r.aborted?.reason).toMatch(/at loadAssets \(.*init-throws\.ts:\d+/);
    expect(r.succeeded + r.failed).toBe(0);
  });

  test('workers not ready within readyTimeout: aborted, naming the option', async () => {
    const { pids, monitors } = pidCatcher();
    const spec = { ...round({ txNumber: 10, workload: './slow-init.ts', arguments: { initMs: 60_000 } }), readyTimeoutMs: 1500 };
    const r = await runRound(spec, { network: noop, runId: 'x', monitors });
    expect(r.aborted?.reason).toMatch(/not ready within 1\.5s .*readyTimeout/);
    expect(pids).toHaveLength(0);
  });

  test('a Caliper 0.4+ workload that awaits sendRequests and returns nothing: its failures are counted', async () => {
    const r = await runRound(
      round({ txNumber: 60, workload: '../workloads/caliper-benchmarks-style/create-asset.js', arguments: { connectorType: 'delay' }, rateControl: { type: 'fixed-rate', opts: { tps: 200 } } }),
      { network: { connector: 'delay', options: { distribution: 'fixed', mean: 1, failureRatio: 1, failureReason: 'endorse: chaincode error' } }, runId: 'x' },
    );
    expect(r.succeeded).toBe(0);
    expect(r.failed).toBe(60);
    expect(r.failuresByReason).toEqual({ 'endorse: chaincode error': 60 });
  });

  test("the network's process dying mid-round ends the round with the reason; what was measured is kept", async () => {
    const net = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    // Killed once the round is under way, however long the workers took to start.
    const onProgress = (p: RoundProgress) => {
      if (p.completed >= 60) net.kill('SIGKILL');
    };
    const r = await runRound(round({ txDuration: 30, rateControl: { type: 'fixed-rate', opts: { tps: 100 } } }), {
      network: noop,
      runId: 'x',
      networkProcesses: [{ pid: net.pid!, name: 'embedded-network:test' }],
      onProgress,
    });
    expect(r.aborted?.reason).toBe(`the network went away: embedded-network:test (pid ${net.pid}) exited`);
    expect(r.succeeded).toBeGreaterThan(50);
    expect(r.elapsedSec).toBeLessThan(5);
  });

  test('a network whose every endpoint stops answering ends the round after 10 s, naming the failure', async () => {
    const r = await runRound(round({ txDuration: 40, rateControl: { type: 'fixed-rate', opts: { tps: 50 } } }), {
      network: { connector: 'delay', options: { distribution: 'fixed', mean: 1, failureRatio: 1, failureReason: 'endorse: UNAVAILABLE' } },
      runId: 'x',
    });
    expect(r.aborted?.reason).toMatch(/^the network is unreachable: every transaction for 1\ds failed with endorse: UNAVAILABLE and none succeeded$/);
    expect(r.failed).toBeGreaterThan(400);
    expect(r.elapsedSec).toBeLessThan(15);
  });

  test("in a worker, 'ledgerbench' is the workload API alone, not the full entry with Vitest", async () => {
    const r = await runRound(round({ txNumber: 20, workload: './entry-check.ts', rateControl: { type: 'fixed-rate', opts: { tps: 200 } } }), { network: noop, runId: 'x' });
    expect(r.failuresByReason).toEqual({});
    expect(r.succeeded).toBe(20);
  });

  test('bad input is refused before any worker starts', async () => {
    await expect(runRound(round({ txNumber: 10 }), { network: { connector: 'teleport' }, runId: 'x' })).rejects.toThrow(ConfigError);
    await expect(runRound(round({ txNumber: 10 }), { network: { connector: 'teleport' }, runId: 'x' })).rejects.toThrow(/unknown connector "teleport"[\s\S]*fabric-gateway/);
    await expect(runRound(round({ txNumber: 10, workload: './no-run.ts' }), { network: noop, runId: 'x' })).rejects.toThrow(/has no run function/);
    await expect(runRound(round({ txNumber: 10 }), { network: { connector: 'delay', options: { failureRatio: 2 } }, runId: 'x' })).rejects.toThrow(/failureRatio/);
  });
});
