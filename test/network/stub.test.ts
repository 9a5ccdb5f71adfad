/** The chaincode stub over committed state: read/write set recording, queries, iterators. */
import { describe, expect, test } from 'vitest';
import { ChannelLedger, packVersion } from '../../src/network/embedded/ledger.ts';
import { EmbeddedStub, Simulation, type TxContext } from '../../src/network/embedded/stub.ts';

function setup() {
  const ledger = new ChannelLedger('ch');
  const ns = ledger.ns('cc');
  const put = (key: string, value: string | null, block: number, tx = 0) =>
    ns.apply(key, value === null ? null : Buffer.from(value), packVersion(block, tx), 'cc:put', `tx${block}.${tx}`, block * 1000, true);
  const sim = new Simulation();
  const ctx: TxContext = {
    channel: 'ch',
    txId: 'tx-under-test',
    creator: { mspid: 'Org1MSP', idBytes: Buffer.from('pem') },
    creatorBytes: new Uint8Array([1]),
    nonce: new Uint8Array([2]),
    timestamp: { seconds: 1_700_000_000, nanos: 500_000_000 },
    transient: new Map([['secret', Buffer.from('s')]]),
    signedProposal: () => ({}),
    peerMspId: 'Org1MSP',
    ledger,
    sim,
    readOnly: false,
    invoke: async () => ({ status: 200 }),
  };
  return { ledger, put, sim, stub: new EmbeddedStub(ctx, 'cc', [Buffer.from('fn'), Buffer.from('a1')]) };
}

describe('EmbeddedStub', () => {
  test('reads record committed versions; writes are not visible to the same transaction', async () => {
    const { put, sim, stub } = setup();
    put('k', 'v1', 2, 3);
    expect((await stub.getState('k')).toString()).toBe('v1');
    expect((await stub.getState('missing')).length).toBe(0);
    await stub.putState('k', 'v2');
    await stub.deleteState('gone');
    expect((await stub.getState('k')).toString()).toBe('v1');
    expect(sim.reads.get('cc')).toEqual(
      new Map([
        ['k', packVersion(2, 3)],
        ['missing', 0],
      ]),
    );
    expect(sim.writes.get('cc')).toEqual(
      new Map([
        ['k', Buffer.from('v2')],
        ['gone', null],
      ]),
    );
    await expect(stub.getState('')).rejects.toThrow(/non-empty/);
  });

  test('range queries iterate in key order, skip composite keys, and record what was read', async () => {
    const { put, sim, stub } = setup();
    for (const [i, k] of ['b', 'a', 'd', 'c'].entries()) put(k, k.toUpperCase(), 1, i);
    put(stub.createCompositeKey('color', ['blue', 'x']), 'ck', 1, 9);
    const seen: string[] = [];
    for await (const kv of stub.getStateByRange('', '')) seen.push(`${kv.key}=${kv.value}`);
    expect(seen).toEqual(['a=A', 'b=B', 'c=C', 'd=D']);
    expect(sim.ranges[0]).toMatchObject({ exhausted: true, reads: [['a', packVersion(1, 1)], ['b', packVersion(1, 0)], ['c', packVersion(1, 3)], ['d', packVersion(1, 2)]] });

    const it = (await stub.getStateByRange('b', 'd')) as unknown as { next(): Promise<{ value?: { key: string }; done: boolean }>; close(): Promise<void> };
    expect((await it.next()).value?.key).toBe('b');
    await it.close();
    expect(sim.ranges[1]).toMatchObject({ start: 'b', end: 'd', exhausted: false, reads: [['b', packVersion(1, 0)]] });
  });

  test('pagination returns a bookmark; composite keys split back', async () => {
    const { put, stub } = setup();
    for (let i = 0; i < 5; i++) put(stub.createCompositeKey('asset', ['owner', `id${i}`]), `v${i}`, 1, i);
    const page = (await stub.getStateByPartialCompositeKeyWithPagination('asset', ['owner'], 2, '')) as unknown as {
      iterator: AsyncIterable<{ key: string }>;
      metadata: { fetchedRecordsCount: number; bookmark: string };
    };
    const keys: string[] = [];
    for await (const kv of page.iterator) keys.push(stub.splitCompositeKey(kv.key).attributes[1]);
    expect(keys).toEqual(['id0', 'id1']);
    expect(page.metadata.fetchedRecordsCount).toBe(2);
    const next = (await stub.getStateByPartialCompositeKeyWithPagination('asset', ['owner'], 10, page.metadata.bookmark)) as unknown as { iterator: AsyncIterable<{ key: string }> };
    const rest: string[] = [];
    for await (const kv of next.iterator) rest.push(stub.splitCompositeKey(kv.key).attributes[1]);
    expect(rest).toEqual(['id2', 'id3', 'id4']);
    expect(stub.splitCompositeKey(stub.createCompositeKey('t', ['a', 'b']))).toEqual({ objectType: 't', attributes: ['a', 'b'] });
  });

  test('history is newest first with deletes marked', async () => {
    const { put, stub } = setup();
    put('h', 'one', 1);
    put('h', 'two', 2);
    put('h', null, 3);
    const mods = [];
    for await (const m of stub.getHistoryForKey('h')) mods.push([m.txId, m.isDelete, m.value.toString()]);
    expect(mods).toEqual([
      ['tx3.0', true, ''],
      ['tx2.0', false, 'two'],
      ['tx1.0', false, 'one'],
    ]);
  });

  test('transaction facts; private data needs a defined collection, rich queries a JSON query', async () => {
    const { stub } = setup();
    expect(stub.getFunctionAndParameters()).toEqual({ fcn: 'fn', params: ['a1'] });
    expect(stub.getTxID()).toBe('tx-under-test');
    expect(stub.getChannelID()).toBe('ch');
    expect(stub.getMspID()).toBe('Org1MSP');
    expect(stub.getDateTimestamp().toISOString()).toBe('2023-11-14T22:13:20.500Z');
    expect((stub.getTxTimestamp().seconds as { toNumber(): number }).toNumber()).toBe(1_700_000_000);
    expect(stub.getTransient().get('secret')?.toString()).toBe('s');
    await expect(stub.getPrivateData('secrets', 'k')).rejects.toThrow(/collection secrets is not defined for chaincode cc/);
    await expect(stub.getQueryResult('{not json')).rejects.toThrow(/rich query is not valid JSON/);
  });
});
