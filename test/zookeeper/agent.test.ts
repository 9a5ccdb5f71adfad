import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BenchRoundOptions, normalizeRound } from '../../src/config/round.ts';
import { runRound } from '../../src/engine/manager.ts';
import { type RunningAgent, runAgent } from '../../src/engine/zookeeper/agent.ts';
import { zookeeperLauncher } from '../../src/engine/zookeeper/launcher.ts';
import { AGENTS, RUNS } from '../../src/engine/zookeeper/protocol.ts';
import { type Client, children, connectZooKeeper, read, remove } from '../../src/engine/zookeeper/zk.ts';
import { alive, eventually } from '../support/processes.ts';
import { startZooKeeper, type ZooKeeperServer } from './server.ts';

const origin = { source: 'agent.test.ts', field: '', baseDir: resolve('fixtures/workloads'), roundIndex: 0 };
const round = (o: Partial<BenchRoundOptions>) => normalizeRound({ label: 'zk', workload: './noop.ts', ...o } as BenchRoundOptions, origin);
const noop = { connector: 'noop' };

describe('the agent, run in-process', () => {
  let zk: ZooKeeperServer;
  let inspector: Client;
  let agent: RunningAgent;
  const log: string[] = [];

  beforeAll(async () => {
    zk = await startZooKeeper();
    inspector = await connectZooKeeper({ server: zk.server });
    agent = await runAgent({ zookeeper: zk.server, clients: 2, host: 'host-a', sessionTimeoutMs: 4000, log: (l) => log.push(l) });
  });

  afterAll(async () => {
    await agent?.stop();
    inspector?.close();
    await zk?.stop();
  });

  test('registers an ephemeral node with its host and capacity', async () => {
    const data = await read(inspector, `${AGENTS}/${agent.id}`);
    expect(JSON.parse(String(data))).toMatchObject({ id: agent.id, host: 'host-a', pid: process.pid, capacity: 2, busy: 0 });
    expect(log.join('\n')).toContain(`registered as ${agent.id}`);
  });

  test('an agent without room for a host share is not used; the error says so', async () => {
    const launcher = zookeeperLauncher({ server: zk.server, clientsPerHost: 3, runId: 'full', waitForAgentsMs: 800 });
    try {
      await expect(launcher(3)).rejects.toThrow(/1 registered \(1 without room for 3 more workers\): host-a/);
    } finally {
      await launcher.close();
    }
  });

  test("a worker's crash travels back: exit code and stderr reach the manager, the other worker is stopped", async () => {
    const launcher = zookeeperLauncher({ server: zk.server, clientsPerHost: 2, runId: 'crash' });
    try {
      const r = await runRound(round({ workers: 2, txDuration: 30, workload: './crash.ts', rateControl: { type: 'fixed-rate', opts: { tps: 200 } } }), { network: noop, runId: 'crash', launcher });
      expect(r.aborted).toMatchObject({ workerIndex: 1, exitCode: 3 });
      expect(r.aborted?.stderrTail).toContain('boom: worker 1 gives up');
      expect(r.succeeded).toBeGreaterThan(40);
      expect(r.elapsedSec).toBeLessThan(20);
      const pids = launcher.workers().map((w) => w.pid as number);
      expect(pids).toHaveLength(2);
      expect(await eventually(() => pids.every((p) => !alive(p)) && agent.workerPids().length === 0, 5000)).toBe(true);
    } finally {
      await launcher.close();
    }
    expect(await children(inspector, `${RUNS}/crash`)).toBeUndefined();
    expect(JSON.parse(String(await read(inspector, `${AGENTS}/${agent.id}`)))).toMatchObject({ busy: 0 });
  });

  test("when the launcher's session ends (its owner node vanishes) the agent stops that launch's workers", async () => {
    const launcher = zookeeperLauncher({ server: zk.server, clientsPerHost: 2, runId: 'orphan' });
    try {
      const channels = await launcher(1);
      const exited = new Promise<void>((res) => channels[0].onExit(() => res()));
      expect(await eventually(() => agent.workerPids().length === 1, 15_000)).toBe(true);
      const [pid] = agent.workerPids();
      // What the server does to an ephemeral node when its session ends.
      const [launch] = (await children(inspector, `${RUNS}/orphan`)) ?? [];
      await remove(inspector, `${RUNS}/orphan/${launch}/owner`);
      await exited;
      expect(await eventually(() => !alive(pid) && agent.workerPids().length === 0, 5000)).toBe(true);
    } finally {
      await launcher.close();
    }
    expect(await children(inspector, `${RUNS}/orphan`)).toBeUndefined();
  });

  // Last: it stops the server.
  test('when ZooKeeper goes away, the agent ends its workers and itself, and the launcher gives its channels up', async () => {
    const launcher = zookeeperLauncher({ server: zk.server, clientsPerHost: 2, runId: 'lost', sessionTimeoutMs: 4000 });
    try {
      const channels = await launcher(1);
      const exited = new Promise<void>((res) => channels[0].onExit(() => res()));
      const stderr: string[] = [];
      channels[0].onStderr((t) => stderr.push(t));
      expect(await eventually(() => agent.workerPids().length === 1, 15_000)).toBe(true);
      const [pid] = agent.workerPids();
      inspector.close();
      await zk.stop();
      expect(await agent.ended).toMatch(/lost its session: no connection to ZooKeeper for 4s/);
      expect(await eventually(() => !alive(pid), 5000)).toBe(true);
      await exited;
      expect(stderr.join('')).toMatch(/lost contact with ZooKeeper at 127\.0\.0\.1:\d+/);
    } finally {
      await launcher.close();
    }
  });
});
