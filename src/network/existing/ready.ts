/**
 * The readiness wait for a network someone else runs (started by `caliper.command.start`, or long
 * before): every endpoint the profile names for what ledgerbench will do must accept a TCP
 * connection. When the timeout passes, the error names every endpoint it tried and what each answered.
 */
import { createConnection } from 'node:net';

const POLL_MS = 250;
const CONNECT_TIMEOUT_MS = 2000;

/** An endpoint to wait for, with how messages name it. */
export interface Endpoint {
  what: string;
  endpoint: string;
}

/** Resolves once every endpoint accepts a connection; rejects after `timeoutMs`, naming them all. */
export async function waitReachable(file: string, endpoints: Endpoint[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const last = new Map<string, string>();
  for (;;) {
    const pending = endpoints.filter((e) => last.get(e.endpoint) !== 'ok');
    await Promise.all(pending.map(async (e) => last.set(e.endpoint, await probe(e.endpoint))));
    if (endpoints.every((e) => last.get(e.endpoint) === 'ok')) return;
    if (Date.now() > deadline) {
      const lines = endpoints.map((e) => `${e.what} ${e.endpoint}: ${last.get(e.endpoint) === 'ok' ? 'answered' : `not reachable (${last.get(e.endpoint)})`}`);
      throw new Error(`${file}: the network did not answer within ${Math.round(timeoutMs / 1000)}s (ledgerbench.readyTimeout); tried ${endpoints.length} endpoint(s):\n  ${lines.join('\n  ')}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** 'ok', or why `host:port` did not accept a connection. */
function probe(endpoint: string): Promise<string> {
  const i = endpoint.lastIndexOf(':');
  return new Promise((resolve) => {
    const sock = createConnection({ host: endpoint.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(endpoint.slice(i + 1)) });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(`no answer within ${CONNECT_TIMEOUT_MS / 1000}s`);
    }, CONNECT_TIMEOUT_MS);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve('ok');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? err.message);
    });
  });
}
