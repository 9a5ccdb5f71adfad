import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import type { Connector, TxOutcome, TxRequest } from '../../src/connectors/types.ts';
import { loadWorkloadModule, makeRunnable } from '../../src/engine/dialects.ts';
import { WorkloadInitError } from '../../src/engine/workload-errors.ts';

/** A connector that remembers what it was asked (the workload's view of the SUT). */
function recordingConnector(bcType: string, answer: (r: TxRequest) => TxOutcome = () => ({ ok: true })) {
  const calls: Array<{ kind: 'submit' | 'evaluate'; req: TxRequest }> = [];
  const connector: Connector = {
    type: 'test',
    bcType,
    submit: async (req) => {
      calls.push({ kind: 'submit', req });
      return answer(req);
    },
    evaluate: async (req) => {
      calls.push({ kind: 'evaluate', req });
      return answer(req);
    },
    close: async () => {},
  };
  return { connector, calls };
}

const setup = (connector: Connector, args: Record<string, unknown> = {}) => ({ workerIndex: 1, workerCount: 3, roundIndex: 2, roundLabel: 'r', runId: 'run1', arguments: args, connector, txTimeoutMs: 1000 });

describe('workload dialects', () => {
  test('ledgerbench: uniqueKey never repeats across workers, transactions and rounds', async () => {
    const keys = new Set<string>();
    const { dialect, mod } = await loadWorkloadModule(resolve('fixtures/workloads/unique-keys.ts'), 't', 'workload');
    expect(dialect).toBe('ledgerbench');
    for (const roundIndex of [0, 1]) {
      for (let workerIndex = 0; workerIndex < 3; workerIndex++) {
        const { connector, calls } = recordingConnector('noop');
        const w = makeRunnable(dialect, mod, { ...setup(connector), workerIndex, roundIndex });
        await w.init();
        for (let i = 0; i < 50; i++) expect((await w.run(i)).ok).toBe(true);
        for (const c of calls) keys.add(c.req.args[0]);
      }
    }
    expect(keys.size).toBe(2 * 3 * 50);
    expect([...keys]).toContain('acc_run1_1_4'); // round 1, worker 1, index 1 -> seq 1*3+1
  });

  test('ledgerbench: a thrown error is a failure carrying its message', async () => {
    const { dialect, mod } = await loadWorkloadModule(resolve('fixtures/workloads/throws.ts'), 't', 'workload');
    const { connector } = recordingConnector('noop');
    const w = makeRunnable(dialect, mod, setup(connector));
    const outcomes = await Promise.all([0, 1, 2].map((i) => w.run(i)));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]);
    expect(outcomes[2]).toMatchObject({ stage: 'workload', reason: 'workload error: workload refused tx 2' });
  });

  test('Caliper 0.4+ class module: init arguments, sendRequests, outcome and cleanup', async () => {
    const { dialect, mod } = await loadWorkloadModule(resolve('fixtures/workloads/caliper/transfer-class.js'), 't', 'workload');
    expect(dialect).toBe('caliper');
    const { connector, calls } = recordingConnector('fabric-ccp', (r) => (r.args[0].endsWith('_2') ? { ok: false, reason: 'MVCC_READ_CONFLICT' } : { ok: true }));
    const w = makeRunnable(dialect, mod, setup(connector, { contract: 'simple', amount: 7 }));
    await w.init();
    const first = await w.run(0);
    const second = await w.run(1);
    await w.end();
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, reason: 'MVCC_READ_CONFLICT' });
    expect(calls[0]).toEqual({ kind: 'submit', req: expect.objectContaining({ contract: 'simple', fn: 'transfer', args: ['a1_1', 'b', '7'] }) });
  });

  test("Caliper 0.1 callback module: the seed's mymodule.js runs as written", async () => {
    const path = resolve('fixtures/seed-configs/benchmark/simple/mymodule.js');
    const { dialect, mod } = await loadWorkloadModule(path, 't', 'workload');
    expect(dialect).toBe('caliper-v0.1');
    for (const bcType of ['fabric-ccp', 'fabric']) {
      const { connector, calls } = recordingConnector(bcType);
      const w = makeRunnable(dialect, mod, setup(connector, { type: 'TKN', start: '1', amount: '100' }));
      await w.init();
      expect((await w.run(0)).ok).toBe(true);
      await w.end();
      // Both request shapes of the module end up as the same contract call.
      expect(calls).toEqual([{ kind: 'submit', req: expect.objectContaining({ contract: 'waetcc', fn: 'batch', args: ['TKN', '1', '100'], timeoutMs: 100_000 }) }]);
    }
  });

  test('Caliper 0.1 queryState goes to evaluate', async () => {
    const { dialect, mod } = await loadWorkloadModule(resolve('fixtures/seed-configs/benchmark/simple/query.js'), 't', 'workload');
    const { connector, calls } = recordingConnector('fabric-ccp');
    const w = makeRunnable(dialect, mod, setup(connector));
    await w.init();
    await w.run(0);
    expect(calls).toEqual([{ kind: 'evaluate', req: { contract: 'simple', fn: 'query', args: ['acc_1_0'] } }]);
  });

  test("Caliper 0.4+: require('@hyperledger/caliper-core') resolves, getType() answers fabric, and sendRequests outcomes count whatever submitTransaction returns", async () => {
    const path = resolve('fixtures/workloads/caliper-benchmarks-style/create-asset.js');
    const { dialect, mod } = await loadWorkloadModule(path, 't', 'workload');
    expect(dialect).toBe('caliper');
    // Every second request fails; the workload awaits sendRequests and returns undefined.
    let n = 0;
    const { connector, calls } = recordingConnector('fabric-ccp', () => (n++ % 2 === 1 ? { ok: false, stage: 'endorse', reason: 'endorse: chaincode error' } : { ok: true }));
    const w = makeRunnable(dialect, mod, setup(connector, {}));
    await w.init();
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await w.run(i));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false]);
    expect(outcomes[1]).toMatchObject({ reason: 'endorse: chaincode error' });
    expect(calls).toHaveLength(4);
  });

  test('Caliper 0.4+: a batch of requests is one transaction, failed when any request failed, counted once', async () => {
    const { dialect, mod } = await loadWorkloadModule(resolve('fixtures/workloads/caliper-benchmarks-style/create-asset.js'), 't', 'workload');
    const { connector, calls } = recordingConnector('fabric-ccp', (r) => (r.args[0].endsWith('_1_2') ? { ok: false, reason: 'MVCC_READ_CONFLICT' } : { ok: true }));
    const w = makeRunnable(dialect, mod, setup(connector, { batch: true }));
    await w.init();
    const first = await w.run(0);
    const second = await w.run(1);
    expect(first).toMatchObject({ ok: false, reason: 'MVCC_READ_CONFLICT' });
    expect(second.ok).toBe(true);
    expect(calls).toHaveLength(6);
  });

  test('Caliper 0.1: invokeSmartContract outcomes count even when run() returns something else', async () => {
    const mod = {
      init: async (bc: { invokeSmartContract: (...a: unknown[]) => Promise<unknown> }) => {
        Object.assign(mod, { bc });
      },
      run: async () => {
        await (mod as unknown as { bc: { invokeSmartContract: (...a: unknown[]) => Promise<unknown> } }).bc.invokeSmartContract({}, 'simple', 'v0', { chaincodeFunction: 'open', chaincodeArguments: ['a', '1'] }, 30);
        return 'done';
      },
    };
    const { connector } = recordingConnector('fabric-ccp', () => ({ ok: false, reason: 'timeout: commit', stage: 'timeout' }));
    const w = makeRunnable('caliper-v0.1', mod, setup(connector));
    await w.init();
    expect(await w.run(0)).toMatchObject({ ok: false, reason: 'timeout: commit' });
  });

  test('Caliper 0.1: the round label reaches the context, and its channel every call made with that context', async () => {
    let seen: Record<string, unknown> | undefined;
    const mod = {
      init: async (bc: Record<string, (...a: unknown[]) => Promise<unknown>>, ctx: Record<string, unknown>) => {
        seen = { ...ctx };
        Object.assign(mod, { bc, ctx });
      },
      run: async () => {
        const { bc, ctx } = mod as unknown as { bc: Record<string, (...a: unknown[]) => Promise<unknown>>; ctx: unknown };
        await bc.invokeSmartContract(ctx, 'simple', 'v0', [{ transaction_type: 'open', account: 'a', money: 5 }], 30);
        await bc.querySmartContract(ctx, 'simple', 'v0', { chaincodeFunction: 'query', chaincodeArguments: ['a'] }, 30);
        await bc.queryState(ctx, 'simple', 'v0', 'a');
        // A context of the module's own making carries no channel: the default one.
        await bc.invokeSmartContract({}, 'simple', 'v0', { verb: 'open', account: 'b', money: 1 }, 30);
      },
    };
    const { connector, calls } = recordingConnector('fabric');
    const byLabel: Record<string, string> = { open: 'yourchannel', query: 'mychannel' };
    connector.channelForLabel = (label) => byLabel[label];
    for (const label of ['open', 'query']) {
      calls.length = 0;
      const w = makeRunnable('caliper-v0.1', mod, { ...setup(connector), roundLabel: label });
      await w.init();
      expect(seen).toEqual({ workerIndex: 1, roundIndex: 2, roundLabel: label, channel: byLabel[label] });
      expect((await w.run(0)).ok).toBe(true);
      expect(calls.map((c) => [c.kind, c.req.fn, c.req.args, c.req.channel])).toEqual([
        ['submit', 'open', ['a', '5'], byLabel[label]],
        ['evaluate', 'query', ['a'], byLabel[label]],
        ['evaluate', 'query', ['a'], byLabel[label]],
        ['submit', 'open', ['b', '1'], undefined],
      ]);
    }
  });

  test('Caliper 0.1: a label the network file does not map fails init with its ConfigError, not as a module error', async () => {
    const { connector } = recordingConnector('fabric-ccp');
    connector.channelForLabel = (label) => {
      throw new ConfigError('net.json', 'context', `has no channel for round label ${JSON.stringify(label)}`, 'add it');
    };
    const w = makeRunnable('caliper-v0.1', { init: () => undefined, run: () => undefined }, setup(connector));
    await expect(w.init()).rejects.toMatchObject({ name: 'ConfigError', file: 'net.json', field: 'context' });
  });

  test("a throwing init names the module, the step and the workload's own stack frame", async () => {
    const path = resolve('fixtures/workloads/init-throws.ts');
    const { dialect, mod } = await loadWorkloadModule(path, 't', 'workload');
    const { connector } = recordingConnector('noop');
    const w = makeRunnable(dialect, mod, { ...setup(connector), modulePath: path });
    const err = await w.init().then(() => undefined, (e: unknown) => e as WorkloadInitError);
    expect(err).toBeInstanceOf(WorkloadInitError);
    expect(err?.message).toBe(`workload ${path}: init() threw: cannot preload assets.json: no such file`);
    expect(err?.describe()).toMatch(/at loadAssets \(.*init-throws\.ts:\d+:\d+\)/);
  });

  test('a module with no run is refused, naming the module', async () => {
    const path = resolve('fixtures/workloads/no-run.ts');
    await expect(loadWorkloadModule(path, 'bench.yaml', 'test.rounds[0].callback')).rejects.toThrow(ConfigError);
    await expect(loadWorkloadModule(path, 'bench.yaml', 'test.rounds[0].callback')).rejects.toThrow(/no-run\.ts has no run function/);
  });
});
