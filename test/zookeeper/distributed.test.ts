import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BenchRoundOptions, normalizeRound } from '../../src/config/round.ts';
import { runRound } from '../../src/engine/manager.ts';
import { zookeeperLauncher } from '../../src/engine/zookeeper/launcher.ts';
import { AGENTS, INBOX, RUNS } from '../../src/engine/zookeeper/protocol.ts';
import { type Client, children, connectZooKeeper } from '../../src/engine/zookeeper/zk.ts';
import { alive, eventually } from '../support/processes.ts';
import { type AgentProcess, startAgentProcess, stopAgentProcess } from './agents.ts';
import { startZooKeeper, type ZooKeeperServer } from './server.ts';

const origin = { source: 'distributed.test.ts', field: '', baseDir: resolve('fixtures/workloads'), roundIndex: 0 };
const round = (o: Partial<BenchRoundOptions>) => normalizeRound({ label: 'zk', workload: './noop.ts', ...o } as BenchRoundOptions, origin);
const noop = { connector: 'noop' };

describe('workers on agents through a real ZooKeeper server', () => {
  let zk: ZooKeeperServer;
  let inspector: Client;
  let agentA: AgentProcess;
  let agentB: AgentProcess;

  beforeAll(async () => {
    zk = await startZooKeeper();
    inspector = await connectZooKeeper({ server: zk.server });
    [agentA, agentB] = await Promise.all([startAgentProcess(zk.server), startAgentProcess(zk.server)]);
  });

  afterAll(async () => {
    await Promise.all([stopAgentProcess(agentA), stopAgentProcess(agentB)]);
    inspector?.close();
    await zk?.stop();
  });

  test('two agents at 2 per host run a 4-worker round: every transaction counted once, run znodes removed', async () => {
    const launcher = zookeeperLauncher({ server: zk.server, clientsPerHost: 2, runId: 'run-ok', waitForAgentsMs: 10_000 });
    try {
      expect((await launcher.agents()).map((a) => a.id).sort()).toEqual([agentA.id, agentB.id].sort());
      const r = await runRound(round({ workers: 4, txNumber: 802, rateControl: { type: 'fixed-rate', opts: { tps: 500 } } }), { network: noop, runId: 'run-ok', launcher });
      expect(r.aborted).toBeUndefined();
      expect(r.succeeded).toBe(802);
      expect(r.failed).toBe(0);
      expect(r.correctedLatency?.count).toBe(802);
      expect(r.workerUsage?.map((u) => u.workerIndex)).toEqual([0, 1, 2, 3]);

      const workers = launcher.workers();
      expect(workers.map((w) => w.workerIndex)).toEqual([0, 1, 2, 3]);
      // Two agents, two workers each.
      expect(new Set(workers.map((w) => w.agentId))).toEqual(new Set([agentA.id, agentB.id]));
      expect(workers.filter((w) => w.agentId === workers[0].agentId)).toHaveLength(2);
      for (const w of workers) expect(w.pid).toBeGreaterThan(0);
      expect(await eventually(() => workers.every((w) => !alive(w.pid as number)), 5000)).toBe(true);
    } finally {
      await launcher.close();
    }
    expect(await children(inspector, `${RUNS}/run-ok`)).toBeUndefined();
    // The agents are still there for the next round, idle.
    expect((await children(inspector, AGENTS))?.sort()).toEqual([agentA.id, agentB.id].sort());
  });

  test('too few agents: a clear error within the wait, naming the server and what it saw', async () => {
    const launcher = zookeeperLauncher({ server: zk.server, clientsPerHost: 2, runId: 'run-few', waitForAgentsMs: 1500 });
    const t0 = Date.now();
    try {
      await expect(runRound(round({ workers: 6, txNumber: 60 }), { network: noop, runId: 'run-few', launcher })).rejects.toThrow(
        new RegExp(`ZooKeeper at ${zk.server.replace(/\./g, '\\.')}: a round of 6 worker\\(s\\) at 2 per host needs 3 agent\\(s\\), but within 1.5s 2 registered`),
      );
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(launcher.workers()).toEqual([]);
    } finally {
      await launcher.close();
    }
    expect(await children(inspector, `${RUNS}/run-few`)).toBeUndefined();
  });

  test('an agent killed mid-round: the round ends aborted naming it, keeps what was measured, leaves nothing behind', async () => {
    // One worker per agent keeps this test cheap: what matters is that one of them goes with its agent.
    const launcher = zookeeperLauncher({ server: zk.server, clientsPerHost: 1, runId: 'run-kill', waitForAgentsMs: 10_000 });
    let killed = false;
    try {
      const r = await runRound(round({ workers: 2, txDuration: 30, rateControl: { type: 'fixed-rate', opts: { tps: 200 } } }), {
        network: noop,
        runId: 'run-kill',
        launcher,
        onProgress: (p) => {
          if (!killed && p.succeeded > 60) {
            killed = true;
            agentB.child.kill('SIGKILL');
          }
        },
      });
      expect(killed).toBe(true);
      expect(r.aborted?.reason).toMatch(new RegExp(`worker [01] \\(agent \\S+ \\(${agentB.id}\\)\\) was lost \\(agent \\S+ \\(${agentB.id}\\) was lost \\(its ZooKeeper session ended\\)`));
      expect(r.aborted?.stderrTail).toContain(`(${agentB.id}) was lost`);
      expect(r.succeeded).toBeGreaterThan(60);
      // Stopped by the loss (ZooKeeper notices within the 4 s session timeout), far before the 30 s.
      expect(r.elapsedSec).toBeLessThan(25);
      const pids = launcher.workers().map((w) => w.pid as number);
      expect(pids).toHaveLength(2);
      expect(new Set(launcher.workers().map((w) => w.agentId))).toEqual(new Set([agentA.id, agentB.id]));
      expect(await eventually(() => pids.every((pid) => !alive(pid)), 5000)).toBe(true);
    } finally {
      await launcher.close();
    }
    expect(await children(inspector, `${RUNS}/run-kill`)).toBeUndefined();
    expect(await children(inspector, AGENTS)).toEqual([agentA.id]);
    expect(await children(inspector, `${INBOX}/${agentB.id}`)).toBeUndefined();
  });

  test('SIGTERM stops an agent cleanly: exit code 0, unregistered, inbox removed', async () => {
    agentA.child.kill('SIGTERM');
    expect(await agentA.exited).toEqual({ code: 0, signal: null });
    expect(agentA.log()).toContain('stopping (stopped)');
    expect(await children(inspector, AGENTS)).toEqual([]);
    expect(await children(inspector, INBOX)).toEqual([]);
  });
});
