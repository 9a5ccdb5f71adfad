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

  test('bad input is refused before any worker starts', async () => {
    await expect(runRound(round({ txNumber: 10 }), { network: { connector: 'teleport' }, runId: 'x' })).rejects.toThrow(ConfigError);
    await expect(runRound(round({ txNumber: 10 }), { network: { connector: 'teleport' }, runId: 'x' })).rejects.toThrow(/unknown connector "teleport"[\s\S]*fabric-gateway/);
    await expect(runRound(round({ txNumber: 10, workload: './no-run.ts' }), { network: noop, runId: 'x' })).rejects.toThrow(/has no run function/);
    await expect(runRound(round({ txNumber: 10 }), { network: { connector: 'delay', options: { failureRatio: 2 } }, runId: 'x' })).rejects.toThrow(/failureRatio/);
  });
});
