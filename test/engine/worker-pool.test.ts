import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type BenchRoundOptions, normalizeRound } from '../../src/config/round.ts';
import { runRound } from '../../src/engine/manager.ts';
import { localLauncher } from '../../src/engine/worker-channel.ts';
import { WorkerPool } from '../../src/engine/worker-pool.ts';
import type { KnownProcess } from '../../src/monitors/types.ts';
import type { MonitorSet } from '../../src/monitors/index.ts';
import { alive } from '../support/processes.ts';

const noop = { connector: 'noop' };
let roundIndex = 0;
const round = (o: Partial<BenchRoundOptions>) =>
  normalizeRound({ label: 't', workload: './noop.ts', txNumber: 200, rateControl: { type: 'fixed-rate', opts: { tps: 400 } }, ...o } as BenchRoundOptions, { source: 'worker-pool.test.ts', field: '', baseDir: resolve('fixtures/workloads'), roundIndex: roundIndex++ });

/** The worker PIDs each round hands its monitors. */
function pidsOfRound() {
  const pids: number[] = [];
  const monitors = { addProcesses: (p: KnownProcess[]) => pids.push(...p.map((x) => x.pid)), roundStart: () => {}, roundEnd: async () => ({ rows: [], metrics: [] }) } as unknown as MonitorSet;
  return { pids, monitors };
}

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
});

describe('workers that live across rounds', () => {
  test('the same processes serve every round, a bigger round adds workers, close ends them all', async () => {
    pool = new WorkerPool(localLauncher);
    const first = pidsOfRound();
    const r1 = await runRound(round({ workers: 2 }), { network: noop, runId: 'p', pool, monitors: first.monitors });
    const second = pidsOfRound();
    const r2 = await runRound(round({ workers: 2, workload: './unique-keys.ts' }), { network: noop, runId: 'p', pool, monitors: second.monitors });
    const third = pidsOfRound();
    const r3 = await runRound(round({ workers: 3 }), { network: noop, runId: 'p', pool, monitors: third.monitors });
    for (const r of [r1, r2, r3]) expect(r).toMatchObject({ succeeded: 200, failed: 0 });
    expect(r3.aborted).toBeUndefined();
    expect(second.pids).toEqual(first.pids);
    expect(third.pids.slice(0, 2)).toEqual(first.pids);
    expect(third.pids).toHaveLength(3);
    for (const pid of third.pids) expect(alive(pid)).toBe(true);
    await pool.close();
    for (const pid of third.pids) expect(alive(pid)).toBe(false);
  });

  test('a round that aborts ends its workers; the next round starts fresh ones and runs cleanly', async () => {
    pool = new WorkerPool(localLauncher);
    const crashed = pidsOfRound();
    const r1 = await runRound(round({ workers: 2, txNumber: undefined, txDuration: 20, workload: './crash.ts', rateControl: { type: 'fixed-rate', opts: { tps: 200 } } }), { network: noop, runId: 'p', pool, monitors: crashed.monitors });
    expect(r1.aborted?.reason).toMatch(/worker 1 exited with code 3/);
    for (const pid of crashed.pids) expect(alive(pid)).toBe(false);
    expect(pool.size).toBe(0);
    const next = pidsOfRound();
    const r2 = await runRound(round({ workers: 2 }), { network: noop, runId: 'p', pool, monitors: next.monitors });
    expect(r2).toMatchObject({ succeeded: 200, failed: 0 });
    expect(next.pids.some((pid) => crashed.pids.includes(pid))).toBe(false);
  });

  test("one round's stop does not reach the next round of the same workers", async () => {
    pool = new WorkerPool(localLauncher);
    const controller = new AbortController();
    setTimeout(() => controller.abort('enough'), 1500);
    const r1 = await runRound(round({ txNumber: undefined, txDuration: 30 }), { network: noop, runId: 'p', pool, signal: controller.signal });
    expect(r1.aborted?.reason).toMatch(/cancelled: enough/);
    const r2 = await runRound(round({ txNumber: 300 }), { network: noop, runId: 'p', pool });
    expect(r2).toMatchObject({ succeeded: 300, failed: 0 });
    expect(r2.aborted).toBeUndefined();
  });
});
