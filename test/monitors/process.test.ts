import { afterAll, describe, expect, test } from 'vitest';
import { ProcessMonitor, type ProcessTarget } from '../../src/monitors/process.ts';
import { Children, sleep } from './children.ts';

const kids = new Children();
afterAll(() => kids.killAll());

const match = (marker: string, multiOutput: 'avg' | 'sum' = 'avg', name = marker): ProcessTarget => ({
  kind: 'match',
  name,
  command: 'node',
  arguments: `${kids.tag}-${marker}`,
  multiOutput,
  origin: 'test: monitor.process',
});

describe('process monitor', () => {
  test('a busy child shows far more CPU than a sleeping one, both found by command and arguments', async () => {
    await kids.spawn('busy', 'busy');
    await kids.spawn('sleep', 'sleeper');
    await sleep(500); // let node's start-up CPU pass
    const warnings: string[] = [];
    const mon = new ProcessMonitor({
      targets: [match('busy'), match('sleeper')],
      intervalMs: 200,
      warn: (m) => warnings.push(m),
    });
    try {
      await mon.start();
      mon.roundStart();
      await sleep(1200);
      const { rows } = await mon.roundEnd();
      const busy = rows.find((r) => r.name === 'busy')!;
      const sleeper = rows.find((r) => r.name === 'sleeper')!;
      expect(busy.type).toBe('process');
      expect(busy.cpuMaxPercent).toBeGreaterThan(40);
      expect(busy.cpuAvgPercent!).toBeGreaterThan(sleeper.cpuAvgPercent! + 25);
      expect(sleeper.cpuMaxPercent).toBeLessThan(30);
      expect(sleeper.memoryMaxBytes).toBeGreaterThan(5e6);
      // Traffic per process is not measurable without privileges: unknown, not zero.
      expect(busy.trafficInBytes).toBeNull();
      expect(busy.trafficOutBytes).toBeNull();
      expect(busy.discReadBytes).not.toBeNull();
      expect(busy.series.length).toBeGreaterThanOrEqual(4);
      expect(busy.series[0].t).toBeLessThan(0.3);
      expect(warnings).toEqual([]);
    } finally {
      await mon.stop();
    }
  });

  test('multiOutput sum adds the matching processes, avg gives the average one', async () => {
    await kids.spawn('sleep', 'pair');
    await kids.spawn('sleep', 'pair');
    const mon = new ProcessMonitor({
      targets: [match('pair', 'sum', 'sum'), match('pair', 'avg', 'avg')],
      intervalMs: 200,
      warn: () => {},
    });
    try {
      await mon.start();
      mon.roundStart();
      await sleep(600);
      const { rows } = await mon.roundEnd();
      const sum = rows.find((r) => r.name === 'sum')!;
      const avg = rows.find((r) => r.name === 'avg')!;
      const ratio = sum.memoryAvgBytes! / avg.memoryAvgBytes!;
      expect(ratio).toBeGreaterThan(1.8);
      expect(ratio).toBeLessThan(2.2);
    } finally {
      await mon.stop();
    }
  });

  test('disc writes of a process are counted from /proc/<pid>/io', async () => {
    await kids.spawn('writer', 'writer');
    const mon = new ProcessMonitor({ targets: [match('writer')], intervalMs: 200, warn: () => {} });
    try {
      await mon.start();
      mon.roundStart();
      await sleep(1000);
      const { rows } = await mon.roundEnd();
      // ~10 writes of 4 MB; the first interval may be partly outside the round.
      expect(rows[0].discWriteBytes).toBeGreaterThan(12e6);
    } finally {
      await mon.stop();
    }
  });

  test('a PID that exits mid-round does not throw; a missing command is warned about once', async () => {
    const configured = await kids.spawn('sleep', 'configured');
    const warnings: string[] = [];
    const mon = new ProcessMonitor({
      targets: [
        { kind: 'pid', name: 'configured', pid: configured.pid!, configured: true, origin: 'test: monitor.process[0]' },
        match('nobody-runs-this', 'avg', 'ghost'),
      ],
      intervalMs: 150,
      warn: (m) => warnings.push(m),
    });
    const exited = (p: typeof configured) => new Promise((r) => p.once('exit', r));
    try {
      await mon.start();
      const own = await kids.spawn('sleep', 'own');
      mon.addProcesses([{ pid: own.pid!, name: 'worker 0' }]);
      await mon.roundStart();
      await sleep(300);
      const gone = Promise.all([exited(configured), exited(own)]);
      configured.kill('SIGKILL');
      own.kill('SIGKILL');
      await gone;
      await sleep(400);
      const first = await mon.roundEnd();
      const row = first.rows.find((r) => r.name === 'configured')!;
      expect(row.series[0].mem).toBeGreaterThan(0);
      expect(row.series.at(-1)!.mem).toBeNull();
      expect(row.memoryMaxBytes).toBeGreaterThan(0);
      expect(first.rows.find((r) => r.name === 'worker 0')!.memoryMaxBytes).toBeGreaterThan(0);
      expect(first.rows.find((r) => r.name === 'ghost')!.cpuMaxPercent).toBeNull();

      // A worker added between rounds that dies before the round: no row either.
      const late = await kids.spawn('sleep', 'late');
      mon.addProcesses([{ pid: late.pid!, name: 'worker 1' }]);
      const lateGone = exited(late);
      late.kill('SIGKILL');
      await lateGone;
      await mon.roundStart();
      await sleep(300);
      const second = await mon.roundEnd();
      expect(second.rows.find((r) => r.name === 'worker 1')).toBeUndefined();
      // Our own worker is gone for the whole round: no row; the configured PID stays, as unknown.
      expect(second.rows.find((r) => r.name === 'worker 0')).toBeUndefined();
      expect(second.rows.find((r) => r.name === 'configured')!.memoryMaxBytes).toBeNull();
      expect(warnings.filter((w) => w.includes('nobody-runs-this'))).toHaveLength(1);
      expect(warnings.some((w) => w.includes(`process ${configured.pid} is not running`))).toBe(true);
    } finally {
      await mon.stop();
    }
  });
});
