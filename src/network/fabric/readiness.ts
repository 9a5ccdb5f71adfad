/**
 * Waiting until the network really is ready, from what the nodes themselves report: their operations
 * endpoints (/healthz, and Fabric's own Prometheus metrics for Raft leadership and gossip membership).
 * Every wait fails fast, with the node's log tail, when the process it waits for has exited, and names
 * what it waited for when it times out.
 */
import { createConnection } from 'node:net';
import { type ManagedProcess, readTail } from './processes.ts';

/** Poll interval of every wait: short, because bring-up time is what users wait for. */
const POLL_MS = 100;

/**
 * Polls `check` until it returns true. Rejects when `timeoutMs` passes (naming `what` and the last
 * problem seen) or when one of `watch` has exited (with its log tail).
 */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, watch: ManagedProcess[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const dead = watch.find((p) => p.exit);
    if (dead) {
      throw new Error(`${dead.name} exited (code ${dead.exit?.code}, signal ${dead.exit?.signal}) while waiting for ${what}; ${dead.logFile} ends with:\n${readTail(dead.logFile)}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Whether the operations endpoint at `port` answers /healthz with 200. */
export async function healthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
  await res.text();
  return res.status === 200;
}

/**
 * The value of a Prometheus sample (`name` with every label of `labels`) at an operations endpoint;
 * undefined when the metric has no such sample yet.
 */
export async function metricValue(port: number, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`/metrics on port ${port} answered ${res.status}`);
  for (const line of body.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const labelText = line[name.length] === '{' ? line.slice(name.length + 1, line.indexOf('}')) : '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

/** Whether something accepts TCP connections at `host:port`. */
export function listening(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const sock = createConnection({ host, port: Number(port) });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
