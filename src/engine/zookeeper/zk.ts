/**
 * Promise wrappers around node-zookeeper-client, just the calls the launcher and the agent make, with
 * "absent" answers (NO_NODE, NODE_EXISTS) turned into values instead of errors.
 */
import zookeeper, { type Client, type Event } from 'node-zookeeper-client';

const { CreateMode, Exception, State } = zookeeper;

export type { Client, Event };
export { CreateMode };

/** Type of a watch event telling that the watched znode was deleted. */
export const NODE_DELETED: number = zookeeper.Event.NODE_DELETED;

/** Default session timeout: short enough that a dead agent is noticed quickly, long enough to ride out a GC pause. */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/** Options of {@link connectZooKeeper}. */
export interface ConnectOptions {
  /** `host:port[,host:port...]`. */
  server: string;
  /** Requested session timeout; the server clamps it to 2..20 ticks. */
  sessionTimeoutMs?: number;
  /** How long to wait for the first connection (default 15 s). */
  connectTimeoutMs?: number;
}

/** Connects and resolves once the session is established; rejects naming the server when it cannot. */
export function connectZooKeeper(o: ConnectOptions): Promise<Client> {
  const timeoutMs = o.connectTimeoutMs ?? 15_000;
  const client = zookeeper.createClient(o.server, { sessionTimeout: o.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS, spinDelay: 500, retries: 0 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`could not connect to ZooKeeper at ${o.server} within ${timeoutMs / 1000}s (is the server running and reachable?)`));
    }, timeoutMs);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/** True when the client's session is usable (calls on a closed client throw synchronously). */
export function isConnected(client: Client): boolean {
  const s = client.getState();
  return s === State.SYNC_CONNECTED || s === State.CONNECTED_READ_ONLY;
}

function codeOf(err: unknown): number | undefined {
  return typeof (err as { getCode?: unknown })?.getCode === 'function' ? (err as { getCode(): number }).getCode() : undefined;
}

/** True when a call failed because its znode does not exist. */
export const isNoNode = (err: unknown): boolean => codeOf(err) === Exception.NO_NODE;

/** Runs a callback-style call, turning a synchronous throw (closed client) into a rejection. */
function call<T>(start: (cb: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((err, value) => (err ? reject(err) : resolve(value)));
    } catch (err) {
      reject(err);
    }
  });
}

/** Creates a znode; resolves with its path (with the sequence suffix for sequential modes). */
export function create(client: Client, path: string, data: Buffer | null, mode: number): Promise<string> {
  return call<string>((cb) => client.create(path, data ?? Buffer.alloc(0), mode, cb as never));
}

/** Creates every missing znode along a persistent path. */
export function mkdirp(client: Client, path: string): Promise<void> {
  return call<string>((cb) => client.mkdirp(path, cb as never)).then(() => undefined);
}

/** Children names, or undefined when the znode is gone. The watcher (if any) fires once on the next change. */
export async function children(client: Client, path: string, watcher?: (e: Event) => void): Promise<string[] | undefined> {
  try {
    return await call<string[]>((cb) => (watcher ? client.getChildren(path, watcher, cb as never) : client.getChildren(path, cb as never)));
  } catch (err) {
    if (codeOf(err) === Exception.NO_NODE) return undefined;
    throw err;
  }
}

/** A znode's data, or undefined when it is gone. */
export async function read(client: Client, path: string): Promise<Buffer | undefined> {
  try {
    return await call<Buffer>((cb) => client.getData(path, cb as never));
  } catch (err) {
    if (codeOf(err) === Exception.NO_NODE) return undefined;
    throw err;
  }
}

/** Replaces a znode's data (any version). */
export function write(client: Client, path: string, data: Buffer): Promise<void> {
  return call<unknown>((cb) => client.setData(path, data, -1, cb as never)).then(() => undefined);
}

/**
 * Whether the znode exists; with a watcher, it fires once when the znode is created, changed or
 * deleted.
 */
export async function exists(client: Client, path: string, watcher?: (e: Event) => void): Promise<boolean> {
  const stat = await call<unknown>((cb) => (watcher ? client.exists(path, watcher, cb as never) : client.exists(path, cb as never)));
  return Boolean(stat);
}

/** Deletes one znode; a znode already gone is fine. */
export async function remove(client: Client, path: string): Promise<void> {
  try {
    await call<void>((cb) => client.remove(path, -1, cb as never));
  } catch (err) {
    if (codeOf(err) !== Exception.NO_NODE) throw err;
  }
}

/** Deletes a znode if it has no children; resolves with whether it is gone. */
export async function removeIfEmpty(client: Client, path: string): Promise<boolean> {
  try {
    await remove(client, path);
    return true;
  } catch (err) {
    if (codeOf(err) === Exception.NOT_EMPTY) return false;
    throw err;
  }
}

/** Deletes a znode and everything below it; whatever is already gone is fine. */
export async function removeTree(client: Client, path: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const kids = await children(client, path);
    if (kids === undefined) return;
    await Promise.all(kids.map((k) => removeTree(client, `${path}/${k}`)));
    try {
      await call<void>((cb) => client.remove(path, -1, cb as never));
      return;
    } catch (err) {
      const code = codeOf(err);
      if (code === Exception.NO_NODE) return;
      // Someone added a child meanwhile (a message in flight): go round again.
      if (code !== Exception.NOT_EMPTY) throw err;
    }
  }
  throw new Error(`could not remove ${path}: children keep appearing`);
}

/**
 * Runs `fn` once when the client's connection has been down for longer than `graceMs` (the server
 * will have expired the session by then) or the session expired. Returns a function that disarms it,
 * to call before closing the client on purpose.
 */
export function onSessionLost(client: Client, graceMs: number, fn: (why: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let fired = false;
  const fire = (why: string) => {
    if (timer) clearTimeout(timer);
    if (fired) return;
    fired = true;
    fn(why);
  };
  client.on('state', (state) => {
    if (state === State.SYNC_CONNECTED || state === State.CONNECTED_READ_ONLY) {
      if (timer) clearTimeout(timer);
      timer = undefined;
    } else if (state === State.DISCONNECTED && !timer) {
      timer = setTimeout(() => fire(`no connection to ZooKeeper for ${graceMs / 1000}s`), graceMs);
      timer.unref();
    } else if (state === State.EXPIRED) {
      fire('the ZooKeeper session expired');
    }
  });
  return () => {
    fired = true;
    if (timer) clearTimeout(timer);
  };
}
