/**
 * The conflict report of a real network, served where the engine looks for it (the network ref's
 * operationsUrl, as the embedded network serves it): `/ledgerbench/conflicts/mark` and
 * `/ledgerbench/conflicts?since=<mark>` on 127.0.0.1, fed by one block observer per channel.
 * Before answering `since`, each observer catches up with the highest block height the peers report
 * (their `ledger_blockchain_height`), so the round's last blocks are in the report.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConflictLog } from '../embedded/conflict-log.ts';
import { BlockConflictObserver } from './block-conflicts.ts';
import type { FabricConnectionFile } from './connection.ts';
import { metricValue } from './readiness.ts';
import type { Topology } from './topology.ts';

/** A running conflict endpoint. */
export interface ConflictEndpoint {
  url: string;
  close(): Promise<void>;
}

/** Starts the observers and the HTTP endpoint. */
export async function startConflictEndpoint(conn: FabricConnectionFile, topology: Topology): Promise<ConflictEndpoint> {
  const log = new ConflictLog();
  const observers = new Map<string, BlockConflictObserver>();
  try {
    for (const channel of conn.channels) observers.set(channel, await BlockConflictObserver.start(conn, channel, log));
  } catch (err) {
    for (const o of observers.values()) o.close();
    throw err;
  }
  const report = async (mark: number) => {
    await Promise.all(
      [...observers].map(async ([channel, o]) => {
        const heights = await Promise.all(topology.peers.map((p) => metricValue(p.operationsPort, 'ledger_blockchain_height', { channel }).catch(() => undefined)));
        await o.catchUp(Math.max(0, ...heights.map((h) => h ?? 0)));
      }),
    );
    const failed = [...observers.values()].find((o) => o.failure)?.failure;
    return { ...log.since(mark), source: failed ? `block-rwsets (incomplete: ${failed.message})` : 'block-rwsets' };
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/ledgerbench/conflicts/mark') return json(200, { mark: log.mark() });
    if (url.pathname === '/ledgerbench/conflicts') {
      const since = Number(url.searchParams.get('since') ?? '0');
      if (!Number.isInteger(since) || since < 0) return json(400, { error: 'since must be a mark returned by /ledgerbench/conflicts/mark' });
      report(since).then(
        (r) => json(200, r),
        (err: Error) => json(500, { error: err.message }),
      );
      return;
    }
    return json(404, { error: `no such path ${url.pathname}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // The owner's event loop must not wait for this server: stop() closes it.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const o of observers.values()) o.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
