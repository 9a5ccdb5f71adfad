/**
 * Workers that live across rounds, as Caliper's do: one process, one connection (one TLS handshake),
 * one module load per benchmark instead of per round. The pool hands each round leases on its workers
 * (the first ones it has, in the same order, so a worker keeps its index and its identity); a lease
 * carries the round's listeners, so nothing of one round reaches the next. A worker that crashed or
 * was stopped by force leaves the pool; the next round that needs it starts a new one.
 */
import type { FromWorker, ToWorker } from './messages.ts';
import type { WorkerChannel, WorkerLauncher } from './worker-channel.ts';

/** One pooled worker process and the lease that uses it now. */
class PooledWorker {
  exited = false;
  lease: Lease | undefined;

  constructor(readonly channel: WorkerChannel) {
    channel.onMessage((msg) => this.lease?.emitMessage(msg));
    channel.onStderr((text) => this.lease?.emitStderr(text));
    channel.onExit((code, signal) => {
      this.exited = true;
      this.lease?.emitExit(code, signal);
    });
  }
}

/** A round's view of a pooled worker: a WorkerChannel whose listeners end with the round. */
class Lease implements WorkerChannel {
  private readonly messageListeners: Array<(msg: FromWorker) => void> = [];
  private readonly stderrListeners: Array<(text: string) => void> = [];
  private readonly exitListeners: Array<(code: number | null, signal: string | null) => void> = [];

  constructor(readonly worker: PooledWorker) {}

  get pid(): number | undefined {
    return this.worker.channel.pid;
  }

  get where(): string {
    return this.worker.channel.where;
  }

  send(msg: ToWorker): void {
    this.worker.channel.send(msg);
  }

  onMessage(listener: (msg: FromWorker) => void): void {
    this.messageListeners.push(listener);
  }

  onStderr(listener: (text: string) => void): void {
    this.stderrListeners.push(listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    // A worker that died between being leased and being listened to must not go unnoticed.
    if (this.worker.exited) queueMicrotask(() => listener(null, null));
    else this.exitListeners.push(listener);
  }

  /** Ends the worker itself (a round that could not finish cleanly does not hand it on). */
  close(graceMs: number): Promise<void> {
    return this.worker.channel.close(graceMs);
  }

  emitMessage(msg: FromWorker): void {
    for (const l of this.messageListeners) l(msg);
  }

  emitStderr(text: string): void {
    for (const l of this.stderrListeners) l(text);
  }

  emitExit(code: number | null, signal: string | null): void {
    for (const l of this.exitListeners.splice(0)) l(code, signal);
  }
}

/** Workers kept alive between the rounds of one benchmark. */
export class WorkerPool {
  private readonly workers: PooledWorker[] = [];
  private closed = false;

  constructor(private readonly launcher: WorkerLauncher) {}

  /** Leases on `count` workers: the pool's live ones first, in order, then new ones. */
  async acquire(count: number): Promise<WorkerChannel[]> {
    if (this.closed) throw new Error('WorkerPool: acquire after close');
    this.prune();
    const missing = count - this.workers.length;
    if (missing > 0) for (const channel of await this.launcher(missing)) this.workers.push(new PooledWorker(channel));
    return this.workers.slice(0, count).map((w) => {
      if (w.lease) throw new Error('WorkerPool: a worker is leased twice (two rounds at once on one pool)');
      w.lease = new Lease(w);
      return w.lease;
    });
  }

  /** Ends a round's leases; their workers stay for the next round (those that exited are dropped). */
  release(leases: WorkerChannel[]): void {
    for (const lease of leases) if (lease instanceof Lease) lease.worker.lease = undefined;
    this.prune();
  }

  /** Live workers in the pool. */
  get size(): number {
    return this.workers.filter((w) => !w.exited).length;
  }

  /** PIDs of the live local workers. */
  pids(): number[] {
    return this.workers.flatMap((w) => (!w.exited && w.channel.pid !== undefined ? [w.channel.pid] : []));
  }

  /** Ends every worker; resolves when they are gone. */
  async close(graceMs = 3000): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.filter((w) => !w.exited).map((w) => w.channel.close(graceMs)));
    this.workers.length = 0;
  }

  private prune(): void {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i].exited) this.workers.splice(i, 1);
  }
}
