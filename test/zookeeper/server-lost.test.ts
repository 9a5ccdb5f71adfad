import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BenchRoundOptions, normalizeRound } from '../../src/config/round.ts';
import { runRound } from '../../src/engine/manager.ts';
import { zookeeperLauncher } from '../../src/engine/zookeeper/launcher.ts';
import { type AgentProcess, startAgentProcess, stopAgentProcess } from './agents.ts';
import { startZooKeeper, type ZooKeeperServer } from './server.ts';

const origin = { source: 'server-lost.test.ts', field: '', baseDir: resolve('fixtures/workloads'), roundIndex: 0 };

describe('the ZooKeeper server lost mid-round', () => {
  let zk: ZooKeeperServer;
  let agent: AgentProcess;

  beforeAll(async () => {
    zk = await startZooKeeper();
    agent = await startAgentProcess(zk.server);
  });

  afterAll(async () => {
    await stopAgentProcess(agent);
    await zk?.stop();
  });

  test('ends the round saying ZooKeeper was lost and for how long, with every worker counted in the round line', async () => {
    const launcher = zookeeperLauncher({ server: zk.server, clientsPerHost: 2, runId: 'zk-lost', sessionTimeoutMs: 4000 });
    let stopped = false;
    try {
      const spec = normalizeRound({ label: 'zk', workload: './noop.ts', workers: 2, txDuration: 60, rateControl: { type: 'fixed-rate', opts: { tps: 100 } } } as BenchRoundOptions, origin);
      const r = await runRound(spec, {
        network: { connector: 'noop' },
        runId: 'zk-lost',
        launcher,
        onProgress: (p) => {
          if (!stopped && p.succeeded > 100) {
            stopped = true;
            void zk.stop();
          }
        },
      });
      expect(stopped).toBe(true);
      expect(r.workers).toBe(2);
      // Whichever notices first: the session timer (how long without a connection), or a read that
      // failed as the connection dropped (how long since the worker's last message).
      expect(r.aborted?.reason).toMatch(
        /^worker [01] \(agent \S+ \(\S+\)\) was lost \(lost contact with ZooKeeper at 127\.0\.0\.1:\d+(: no connection to ZooKeeper for 4s| \(the connection dropped while reading its messages, \d+\.\ds after the last one\))\) before finishing$/,
      );
      expect(r.succeeded).toBeGreaterThan(100);
    } finally {
      await launcher.close();
    }
  }, 90_000);
});
