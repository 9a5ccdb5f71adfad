/**
 * The operations endpoint of the embedded network (HTTP, 127.0.0.1): Prometheus `/metrics`, the
 * conflict report under `/ledgerbench/conflicts`, and `/healthz`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConflictLog } from './conflict-log.ts';
import type { NetworkMetrics } from './metrics.ts';

/** Start the operations server on an OS-chosen port; resolves with its base URL. */
export async function startOperations(metrics: NetworkMetrics, conflicts: ConflictLog): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return json(405, { error: 'only GET is served' });
    switch (url.pathname) {
      case '/metrics':
        metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(text);
          },
          (err: Error) => json(500, { error: err.message }),
        );
        return;
      case '/healthz':
        return json(200, { status: 'OK' });
      case '/ledgerbench/conflicts/mark':
        return json(200, { mark: conflicts.mark() });
      case '/ledgerbench/conflicts': {
        const since = Number(url.searchParams.get('since') ?? '0');
        if (!Number.isInteger(since) || since < 0) return json(400, { error: 'since must be a mark returned by /ledgerbench/conflicts/mark' });
        return json(200, conflicts.since(since));
      }
      default:
        return json(404, { error: `no such path ${url.pathname}` });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
