/**
 * The fabric-gateway connector end to end against the embedded Fabric network (a real gRPC Gateway
 * server in a child process, signature verification on), through the connection file it writes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createFabricGatewayConnector, loadFabricNetwork, selectWorkerTarget, TRANSPORT_KINDS, type TransportKind } from '../../src/connectors/fabric-gateway/index.ts';
import type { Connector, NetworkRef, TxOutcome } from '../../src/connectors/types.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';

const chaincode = (name: string) => resolve(import.meta.dirname, '../../fixtures/chaincode', name);

function networkYaml(batchTimeout: string, maxMessageCount: number, tls: boolean): string {
  return `type: embedded
name: connector-e2e
tls: ${tls}
verifySignatures: true
organizations:
  - mspId: Org1MSP
    peers: 1
    users: 2
  - mspId: Org2MSP
    peers: 1
    users: 2
orderer:
  batchSize: { maxMessageCount: ${maxMessageCount}, absoluteMaxBytes: 103809024, preferredMaxBytes: 524288 }
  batchTimeout: ${batchTimeout}
channels:
  - name: mychannel
    chaincodes:
      - name: simple
        path: ${chaincode('simple')}
        endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')"
      - name: counter
        path: ${chaincode('counter')}
        endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')"
`;
}

let dir: string;
let handle: NetworkHandle | undefined;
const connectors: Connector[] = [];

interface OpenOptions {
  workerIndex?: number;
  workerCount?: number;
  signer?: string;
  transport: TransportKind;
}

async function open(ref: NetworkRef, { workerIndex = 0, workerCount = 1, signer = 'node-crypto', transport }: OpenOptions): Promise<Connector> {
  const c = await createFabricGatewayConnector({
    workerIndex,
    workerCount,
    txTimeoutMs: 10_000,
    network: { ...ref, options: { ...ref.options, signer, transport } },
  });
  connectors.push(c);
  return c;
}

const text = (o: TxOutcome) => Buffer.from(o.payload ?? []).toString();
const unique = (p: string) => `${p}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-fgw-e2e-'));
  const file = join(dir, 'network.yaml');
  // A short batch timeout keeps single transactions fast; two sent together still share a block.
  // This network serves TLS (the stopping test's network does not), so both paths are exercised.
  await writeFile(file, networkYaml('300ms', 50, true));
  handle = await startNetwork(file);
});

afterAll(async () => {
  for (const c of connectors) await c.close();
  await handle?.stop();
  await rm(dir, { recursive: true, force: true });
});

// Every call kind (Endorse, Submit, Evaluate, the block stream, CommitStatus after it breaks) through
// both transports: ledgerbench's own over node:http2 (the default) and grpc-js.
describe.each(TRANSPORT_KINDS)('against the embedded network, transport %s', (transport) => {
  test('the connection file parses: TLS peers, identities of both orgs, default channel', async () => {
    const ref = handle!.ref;
    expect(ref.connector).toBe('fabric-gateway');
    const net = await loadFabricNetwork(ref.file!);
    expect(net.format).toBe('ledgerbench-connection');
    expect(net.peers.length).toBeGreaterThan(0);
    for (const p of net.peers) expect(p.tls).toBe(true);
    expect(net.channel).toBe('mychannel');
    expect(new Set(net.identities.map((i) => i.mspId))).toEqual(new Set(['Org1MSP', 'Org2MSP']));
    expect(JSON.stringify(net.redacted())).not.toContain('PRIVATE KEY');
  });

  test.each(['node-crypto', 'sdk-default'])('submit and evaluate succeed with phases (%s signer, verification on)', async (signer) => {
    const c = await open(handle!.ref, { signer, transport });
    const account = unique('acct');
    const out = await c.submit({ contract: 'simple', fn: 'open', args: [account, '100'] });
    expect(out.message).toBeUndefined();
    expect(out.ok).toBe(true);
    expect(out.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(out.phases ?? {})).toEqual(['endorse', 'order', 'commit']);
    const q = await c.evaluate({ contract: 'simple', fn: 'query', args: [account] });
    expect(q).toMatchObject({ ok: true });
    expect(text(q)).toBe('100');
    expect(Object.keys(q.phases ?? {})).toEqual(['evaluate']);
  });

  test("a chaincode error fails at endorse with the chaincode's message", async () => {
    const c = await open(handle!.ref, { transport });
    const out = await c.submit({ contract: 'counter', fn: 'fail', args: ['custom boom 42'] });
    expect(out).toMatchObject({ ok: false, stage: 'endorse', reason: 'endorse: chaincode error' });
    expect(out.message).toContain('custom boom 42');
    const missing = await c.submit({ contract: 'simple', fn: 'transfer', args: [unique('nobody'), unique('none'), '1'] });
    expect(missing).toMatchObject({ ok: false, stage: 'endorse', reason: 'endorse: chaincode error' });
    expect(missing.message).toMatch(/does not exist/);
    const ev = await c.evaluate({ contract: 'simple', fn: 'query', args: [unique('nobody')] });
    expect(ev).toMatchObject({ ok: false, stage: 'evaluate', reason: 'evaluate: chaincode error' });
    expect(ev.message).toMatch(/does not exist/);
  });

  test('an unknown function fails cleanly', async () => {
    const c = await open(handle!.ref, { transport });
    const out = await c.submit({ contract: 'simple', fn: 'noSuchFunction', args: [] });
    expect(out).toMatchObject({ ok: false, stage: 'endorse', reason: 'endorse: unknown function' });
    expect(out.message).toContain('noSuchFunction');
    const unknownChaincode = await c.submit({ contract: 'no-such-chaincode', fn: 'x', args: [] });
    expect(unknownChaincode.ok).toBe(false);
    expect(unknownChaincode.stage).toBe('endorse');
  });

  test("two workers' connectors at once, each with its own identity", async () => {
    const net = await loadFabricNetwork(handle!.ref.file!);
    expect(selectWorkerTarget(net, 0).identity.name).not.toBe(selectWorkerTarget(net, 1).identity.name);
    const w0 = await open(handle!.ref, { workerIndex: 0, workerCount: 2, transport });
    const w1 = await open(handle!.ref, { workerIndex: 1, workerCount: 2, transport });
    const accounts = Array.from({ length: 6 }, () => unique('w'));
    const outs = await Promise.all(
      accounts.map((a, i) => (i % 2 === 0 ? w0 : w1).submit({ contract: 'simple', fn: 'open', args: [a, String(i)] })),
    );
    for (const o of outs) expect(o).toMatchObject({ ok: true });
    const reads = await Promise.all(accounts.map((a) => w1.evaluate({ contract: 'simple', fn: 'query', args: [a] })));
    expect(reads.map(text)).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  test('an MVCC conflict comes back as reason MVCC_READ_CONFLICT', async () => {
    const c = await open(handle!.ref, { transport });
    // Endorsement reads committed state, so two increments endorsed before either commits read the
    // same version; the second to validate in the block is invalid.
    let outs: TxOutcome[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const key = unique('hot');
      outs = await Promise.all([1, 2].map(() => c.submit({ contract: 'counter', fn: 'increment', args: [key] })));
      if (outs.some((o) => !o.ok)) break;
    }
    const failed = outs.filter((o) => !o.ok);
    expect(outs.filter((o) => o.ok)).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ stage: 'commit', reason: 'MVCC_READ_CONFLICT', validationCode: 'MVCC_READ_CONFLICT' });
    expect(Object.keys(failed[0].phases ?? {})).toEqual(['endorse', 'order', 'commit']);
  });
});

describe.each(TRANSPORT_KINDS)('network stopped mid-flight, transport %s', (transport) => {
  test('pending calls become failures, not exceptions', async () => {
    const file = join(dir, 'slow.yaml');
    // Blocks are cut only after 30 s, so every submit is still waiting for its commit status when the
    // network stops.
    await writeFile(file, networkYaml('30s', 500, false));
    const slow = await startNetwork(file);
    let stopped = false;
    try {
      const c = await open(slow.ref, { transport });
      const pending = Array.from({ length: 4 }, () =>
        c.submit({ contract: 'simple', fn: 'open', args: [unique('s'), '1'], timeoutMs: 25_000 }),
      );
      await new Promise((r) => setTimeout(r, 800));
      await slow.stop();
      stopped = true;
      const outs = await Promise.all(pending);
      for (const o of outs) {
        expect(o.ok).toBe(false);
        expect(o.stage).toBeDefined();
        expect(o.reason).toBeTruthy();
        expect(o.reason).not.toMatch(/[0-9a-f]{16}/);
      }
      // The submits had been endorsed and ordered: they fail waiting for the commit status.
      expect(outs.map((o) => o.stage)).toEqual(['connection', 'connection', 'connection', 'connection']);
      for (const o of outs) expect(o.reason).toMatch(/^commit: (UNAVAILABLE|CANCELLED)$/);
      // A new call after the network is gone fails fast as a connection failure.
      const after = await c.submit({ contract: 'simple', fn: 'open', args: ['late', '1'], timeoutMs: 5000 });
      expect(after).toMatchObject({ ok: false, stage: 'connection', reason: 'endorse: UNAVAILABLE' });
    } finally {
      if (!stopped) await slow.stop();
    }
  });
});
