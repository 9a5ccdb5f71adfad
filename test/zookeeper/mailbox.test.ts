import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MailboxReader, PART_BYTES, post } from '../../src/engine/zookeeper/mailbox.ts';
import { type Client, children, connectZooKeeper, mkdirp, removeTree } from '../../src/engine/zookeeper/zk.ts';
import { eventually } from '../support/processes.ts';
import { startZooKeeper, type ZooKeeperServer } from './server.ts';

describe('znode mailboxes on a real ZooKeeper server', () => {
  let zk: ZooKeeperServer;
  let writer: Client;
  let reader: Client;

  beforeAll(async () => {
    zk = await startZooKeeper();
    [writer, reader] = await Promise.all([connectZooKeeper({ server: zk.server }), connectZooKeeper({ server: zk.server })]);
  });

  afterAll(async () => {
    writer?.close();
    reader?.close();
    await zk?.stop();
  });

  test('payloads arrive once each, in order, and are deleted once read', async () => {
    const dir = '/t/order';
    await mkdirp(writer, dir);
    const got: unknown[] = [];
    const r = new MailboxReader(reader, dir, (p) => got.push(p), () => {}, (e) => got.push(`error ${e}`));
    r.start();
    // Posted without waiting, from one session: the sequence numbers keep the order.
    const posts = Array.from({ length: 200 }, (_, i) => post(writer, dir, { i, text: 'é'.repeat(i % 7) }));
    expect(await Promise.all(posts)).toEqual(Array(200).fill(true));
    expect(await eventually(() => got.length >= 200, 10_000)).toBe(true);
    r.stop();
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => ({ i, text: 'é'.repeat(i % 7) })));
    expect(await eventually(async () => (await children(writer, dir))?.length === 0, 5000)).toBe(true);
  });

  test('a payload larger than ZooKeeper takes in one znode travels in parts and arrives whole', async () => {
    const dir = '/t/big';
    await mkdirp(writer, dir);
    // ~1.5 MB of JSON, multi-byte characters across part boundaries included.
    const big = { text: 'ledger€'.repeat(200_000), after: 42 };
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(2 * PART_BYTES);
    const got: unknown[] = [];
    const r = new MailboxReader(reader, dir, (p) => got.push(p), () => {}, (e) => got.push(`error ${e}`));
    r.start();
    expect(await post(writer, dir, big)).toBe(true);
    expect(await post(writer, dir, { small: true })).toBe(true);
    expect(await eventually(() => got.length >= 2, 10_000)).toBe(true);
    r.stop();
    expect(got).toEqual([big, { small: true }]);
  });

  test('drain() hands over what is there now; a removed mailbox is reported once; posting to it says so', async () => {
    const dir = '/t/gone';
    await mkdirp(writer, dir);
    for (let i = 0; i < 5; i++) await post(writer, dir, i);
    const got: unknown[] = [];
    let gone = 0;
    const r = new MailboxReader(reader, dir, (p) => got.push(p), () => gone++, (e) => got.push(`error ${e}`));
    r.start();
    await r.drain();
    expect(got).toEqual([0, 1, 2, 3, 4]);
    await removeTree(writer, dir);
    expect(await eventually(() => gone === 1, 5000)).toBe(true);
    expect(await post(writer, dir, 'late')).toBe(false);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
});
