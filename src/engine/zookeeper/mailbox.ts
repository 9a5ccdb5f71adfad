/**
 * One-way message queues as znodes: the writer creates sequential children holding JSON, the reader
 * takes them in sequence order and deletes each once read. A payload larger than one znode may hold
 * (ZooKeeper refuses ~1 MB and more) travels as consecutive parts.
 */
import { type Client, CreateMode, children, create, type Event, isNoNode, read, remove } from './zk.ts';

/** Bytes of payload per znode: well under ZooKeeper's default 1 MB jute.maxbuffer. */
export const PART_BYTES = 512 * 1024;
/** First byte of a part: more parts follow, or this is the last. */
const MORE = 0x2b; // '+'
const LAST = 0x2e; // '.'
const PREFIX = 'm-';

/**
 * Posts one JSON payload to the mailbox at `dir`. Parts are created in one go, so they get
 * consecutive sequence numbers (a session's requests are applied in order). Resolves false when the
 * mailbox is gone (the other side cleaned up), true once stored.
 */
export async function post(client: Client, dir: string, payload: unknown, partBytes = PART_BYTES): Promise<boolean> {
  const body = Buffer.from(JSON.stringify(payload));
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length || parts.length === 0; at += partBytes) {
    const last = at + partBytes >= body.length;
    parts.push(Buffer.concat([Buffer.of(last ? LAST : MORE), body.subarray(at, at + partBytes)]));
  }
  const created = parts.map((p) => create(client, `${dir}/${PREFIX}`, p, CreateMode.PERSISTENT_SEQUENTIAL));
  const results = await Promise.allSettled(created);
  const failed = results.find((r) => r.status === 'rejected');
  if (!failed) return true;
  if (isNoNode(failed.reason)) return false;
  throw failed.reason;
}

/**
 * Reads a mailbox in order and hands each payload to `onPayload`. A single pump runs at a time; a
 * change seen while it runs makes it go round again, so nothing is missed and nothing is read twice.
 */
export class MailboxReader {
  private running = false;
  private again = false;
  private stopped = false;
  private parts: Buffer[] = [];
  /** Names already read whose deletion may not be visible yet. */
  private seen = new Set<string>();
  private idle: Array<() => void> = [];
  /** One function for every watch, so the client keeps a single watcher per path. */
  private readonly watcher = (_e: Event) => {
    if (!this.stopped) void this.pump();
  };

  /**
   * @param onPayload called with each payload, in order.
   * @param onGone called once if the mailbox znode disappears (the other side cleaned up).
   * @param onError called on an unexpected ZooKeeper error (the reader stops).
   */
  constructor(
    private readonly client: Client,
    private readonly dir: string,
    private readonly onPayload: (payload: unknown) => void,
    private readonly onGone: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    void this.pump();
  }

  /** Stops reading; payloads not yet read stay in ZooKeeper. */
  stop(): void {
    this.stopped = true;
  }

  /** Reads whatever is in the mailbox now, then resolves (used before declaring a worker gone). */
  async drain(): Promise<void> {
    if (this.stopped) return;
    const settled = new Promise<void>((resolve) => this.idle.push(resolve));
    void this.pump();
    await settled;
  }

  private async pump(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        // Re-arming the watch on a closed client throws synchronously; `children` turns that into a rejection.
        const names = await children(this.client, this.dir, this.watcher);
        if (names === undefined) {
          this.stopped = true;
          this.onGone();
          break;
        }
        const fresh = names.filter((n) => n.startsWith(PREFIX) && !this.seen.has(n)).sort();
        for (const name of fresh) {
          if (this.stopped) break;
          const data = await read(this.client, `${this.dir}/${name}`);
          this.seen.add(name);
          void remove(this.client, `${this.dir}/${name}`).catch(() => {});
          if (data && data.length > 0) this.feed(data);
        }
        const present = new Set(names);
        for (const n of this.seen) if (!present.has(n)) this.seen.delete(n);
      } while (this.again && !this.stopped);
    } catch (err) {
      this.stopped = true;
      this.onError(err);
    } finally {
      this.running = false;
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private feed(data: Buffer): void {
    this.parts.push(data.subarray(1));
    if (data[0] !== LAST) return;
    const body = Buffer.concat(this.parts);
    this.parts = [];
    this.onPayload(JSON.parse(body.toString('utf8')));
  }
}
