/**
 * Caliper 0.1's round label -> channel contexts (the seed's section 5.2): the network file's
 * `context:` mapping is read and checked by both Fabric connectors' readers, and a v0.1 callback's
 * invokeSmartContract / queryState go to the channel its round label maps to. End to end on the
 * embedded network with two channels through the fabric-gateway connector (the fabric-legacy one is
 * checked on real Fabric 1.4 in test/fabric-legacy/fabric-1.4.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { createFabricGatewayConnector, loadFabricNetwork } from '../../src/connectors/fabric-gateway/index.ts';
import { channelForRoundLabel, soleChannelOfContracts } from '../../src/connectors/fabric-gateway/profile.ts';
import { loadLegacyNetwork } from '../../src/connectors/fabric-legacy/index.ts';
import type { Connector, TxOutcome } from '../../src/connectors/types.ts';
import { loadWorkloadModule, makeRunnable } from '../../src/engine/dialects.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';

const SIMPLE = resolve(import.meta.dirname, '../../fixtures/chaincode/simple');
const SEED_SIMPLE = resolve(import.meta.dirname, '../../fixtures/seed-configs/benchmark/simple');

let dir: string;
let handle: NetworkHandle | undefined;
const connectors: Connector[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-round-context-'));
  const file = join(dir, 'network.yaml');
  writeFileSync(
    file,
    `type: embedded
name: round-context
organizations:
  - { mspId: Org1MSP, peers: 1, users: 1 }
orderer:
  batchSize: { maxMessageCount: 10, absoluteMaxBytes: 103809024, preferredMaxBytes: 524288 }
  batchTimeout: 100ms
channels:
  - name: mychannel
    chaincodes: [{ name: simple, path: ${SIMPLE}, endorsementPolicy: "OR('Org1MSP.peer')" }]
  - name: yourchannel
    chaincodes: [{ name: simple, path: ${SIMPLE}, endorsementPolicy: "OR('Org1MSP.peer')" }]
`,
  );
  handle = await startNetwork(file);
}, 60_000);

afterAll(async () => {
  for (const c of connectors) await c.close();
  await handle?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The network's connection file with a `context:` mapping added, as a Caliper 0.1 user writes it. */
function withContext(name: string, context: unknown): string {
  const doc = JSON.parse(readFileSync(handle!.ref.file!, 'utf8'));
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ ...doc, context }), { mode: 0o600 });
  return file;
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

/** Runs `module` as a v0.1 round labelled `label` for `n` transactions. */
async function v01Round(connector: Connector, module: string, label: string, workerIndex: number, n: number, args: Record<string, unknown> = {}): Promise<TxOutcome[]> {
  const { dialect, mod } = await loadWorkloadModule(join(SEED_SIMPLE, module), 't', 'workload');
  const w = makeRunnable(dialect, mod, { workerIndex, workerCount: 4, roundIndex: 0, roundLabel: label, runId: 'ctx', arguments: args, connector, txTimeoutMs: 10_000 });
  await w.init();
  const out: TxOutcome[] = [];
  for (let i = 0; i < n; i++) out.push(await w.run(i));
  await w.end();
  return out;
}

describe('reading context:', () => {
  test('both readers keep the mapping; a label it does not map is refused naming the labels and channels', async () => {
    const file = withContext('ok.json', { open: 'yourchannel', query: 'yourchannel', other: 'mychannel' });
    const net = await loadFabricNetwork(file);
    expect(net.contexts).toEqual({ open: 'yourchannel', query: 'yourchannel', other: 'mychannel' });
    expect((await loadLegacyNetwork(file, { options: { discovery: true } })).base.contexts).toEqual(net.contexts);
    expect(channelForRoundLabel(net, 'open')).toBe('yourchannel');
    let err: unknown;
    try {
      channelForRoundLabel(net, 'transfer');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ file, field: 'context' });
    expect((err as Error).message).toContain('round label "transfer" (it maps open, query, other)');
    expect((err as ConfigError).fix).toContain('channels: mychannel, yourchannel');
    // No mapping at all: every label goes to the default channel, as in Caliper.
    expect(channelForRoundLabel(await loadFabricNetwork(handle!.ref.file!), 'anything')).toBeUndefined();
  });

  test('a channel the network does not have names the file, context.<label> and the channels that exist', async () => {
    for (const load of [(f: string) => loadFabricNetwork(f), (f: string) => loadLegacyNetwork(f, { options: { discovery: true } })]) {
      const file = withContext('bad.json', { open: 'mychannel', query: 'theirchannel' });
      const err = await configError(load(file));
      expect(err.file).toBe(file);
      expect(err.field).toBe('context.query');
      expect(err.problem).toBe('channel "theirchannel" is not a channel of this network (its channels: mychannel, yourchannel)');
    }
    const notMapping = await configError(loadFabricNetwork(withContext('list.json', ['mychannel'])));
    expect(notMapping.field).toBe('context');
  });
});

describe('the round label decides the channel (embedded network, two channels, fabric-gateway)', () => {
  test("the seed's open.js and query.js, unchanged: label open -> yourchannel, label other -> mychannel; an unmapped label fails init with a ConfigError", async () => {
    const file = withContext('run.json', { open: 'yourchannel', query: 'yourchannel', other: 'mychannel' });
    const connector = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, network: { connector: 'fabric-gateway', file }, txTimeoutMs: 10_000 });
    connectors.push(connector);

    const opened = await v01Round(connector, 'open.js', 'open', 1, 3, { money: 50 });
    expect(opened.map((o) => o.ok)).toEqual([true, true, true]);
    // open.js names accounts acc_<worker>_<n>: they are on yourchannel, and nowhere else.
    expect(Buffer.from((await connector.evaluate({ channel: 'yourchannel', contract: 'simple', fn: 'query', args: ['acc_1_0'] })).payload ?? []).toString()).toBe('50');
    expect((await connector.evaluate({ channel: 'mychannel', contract: 'simple', fn: 'query', args: ['acc_1_0'] })).ok).toBe(false);
    // query.js's queryState goes to the same channel.
    const queried = await v01Round(connector, 'query.js', 'query', 1, 3);
    expect(queried.map((o) => o.ok)).toEqual([true, true, true]);

    // The same module under another label writes to the other channel (its counter goes on: acc_2_3).
    expect((await v01Round(connector, 'open.js', 'other', 2, 1, { money: 7 }))[0].ok).toBe(true);
    expect(Buffer.from((await connector.evaluate({ channel: 'mychannel', contract: 'simple', fn: 'query', args: ['acc_2_3'] })).payload ?? []).toString()).toBe('7');
    expect((await connector.evaluate({ channel: 'yourchannel', contract: 'simple', fn: 'query', args: ['acc_2_3'] })).ok).toBe(false);

    const { dialect, mod } = await loadWorkloadModule(join(SEED_SIMPLE, 'open.js'), 't', 'workload');
    const unmapped = makeRunnable(dialect, mod, { workerIndex: 0, workerCount: 1, roundIndex: 0, roundLabel: 'transfer', runId: 'ctx', arguments: {}, connector, txTimeoutMs: 10_000 });
    const err = await configError(unmapped.init());
    expect(err).toMatchObject({ file, field: 'context' });
  }, 30_000);
});

describe("a request that names no channel goes to its contract's channel, as Caliper's adapters resolve a contract id", () => {
  test('a contract listed on one channel only is sent there, not to the default channel', async () => {
    const doc = JSON.parse(readFileSync(handle!.ref.file!, 'utf8'));
    const file = join(dir, 'one-channel.json');
    // Both channels run `simple`; the file lists it on the second one only.
    writeFileSync(file, JSON.stringify({ ...doc, chaincodes: [{ name: 'simple', channel: 'yourchannel' }] }), { mode: 0o600 });
    const net = await loadFabricNetwork(file);
    expect(net.channel).toBe('mychannel');
    const connector = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, network: { connector: 'fabric-gateway', file }, txTimeoutMs: 10_000 });
    connectors.push(connector);
    expect((await connector.submit({ contract: 'simple', fn: 'open', args: ['routed_0', '11'] })).ok).toBe(true);
    expect(Buffer.from((await connector.evaluate({ contract: 'simple', fn: 'query', args: ['routed_0'] })).payload ?? []).toString()).toBe('11');
    expect(Buffer.from((await connector.evaluate({ channel: 'yourchannel', contract: 'simple', fn: 'query', args: ['routed_0'] })).payload ?? []).toString()).toBe('11');
    expect((await connector.evaluate({ channel: 'mychannel', contract: 'simple', fn: 'query', args: ['routed_0'] })).ok).toBe(false);
  });

  test('a contract on several channels, or not listed, keeps the default channel', () => {
    const sole = soleChannelOfContracts({
      chaincodes: [
        { name: 'simple', channel: 'mychannel' },
        { name: 'simple', channel: 'yourchannel' },
        { name: 'marbles', channel: 'yourchannel' },
      ],
    });
    expect([...sole]).toEqual([['marbles', 'yourchannel']]);
  });
});
