/**
 * Workers on other hosts, reached through ZooKeeper (Caliper's `clients: { type: zookeeper }`).
 * Agents (`ledgerbench agent`) register under /ledgerbench/agents; for each round this launcher picks
 * enough of them, posts each a job, and hands the manager one WorkerChannel per remote worker whose
 * messages travel as znodes (see protocol.ts). The manager cannot tell these from local workers.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FromWorker, ToWorker } from '../messages.ts';
import type { WorkerChannel, WorkerLauncher } from '../worker-channel.ts';
import { MailboxReader, post } from './mailbox.ts';
import { AGENTS, type AgentInfo, type FromEnvelope, fromPath, INBOX, type Job, launchPath, ownerPath, RUNS, runNodeName, type ToEnvelope, toPath } from './protocol.ts';
import { type Client, CreateMode, children, connectZooKeeper, create, DEFAULT_SESSION_TIMEOUT_MS, type Event, exists, isConnected, mkdirp, NODE_DELETED, onSessionLost, read, removeIfEmpty, removeTree } from './zk.ts';

const DEFAULT_WAIT_FOR_AGENTS_MS = 60_000;
/** How long a closing worker's agent has beyond the grace to confirm the worker is gone. */
const CLOSE_CONFIRM_MS = 5_000;

/** Options of {@link zookeeperLauncher}. */
export interface ZooKeeperLauncherOptions {
  /** ZooKeeper connection string, `host:port[,host:port...]`. */
  server: string;
  /** Workers per agent (Caliper's `clientsPerHost`); the last agent of a round may get fewer. */
  clientsPerHost: number;
  /** The run's id; names the run's znodes. */
  runId: string;
  /** How long a round waits for enough agents before failing (default 60 s). */
  waitForAgentsMs?: number;
  /** Agents that must be registered before any round starts, even if fewer would do (default 1). */
  minAgents?: number;
  /** ZooKeeper session timeout of the launcher (default 10 s). */
  sessionTimeoutMs?: number;
}

/** Where a remote worker runs, for logs and tests. */
export interface RemoteWorker {
  workerIndex: number;
  agentId: string;
  host: string;
  /** PID on the agent's host, once the agent has reported it. */
  pid?: number;
}

/** A WorkerLauncher whose workers run under agents; `close()` ends its ZooKeeper session and removes the run's znodes. */
export type ZooKeeperLauncher = WorkerLauncher & {
  close(): Promise<void>;
  /** Every worker this launcher started, in start order. */
  workers(): RemoteWorker[];
  /**
   * The agents registered now. Caliper sizes a zookeeper round as agents x clientsPerHost; a caller
   * that wants that asks here before building the round.
   */
  agents(): Promise<AgentInfo[]>;
};

interface Launch {
  path: string;
  channels: RemoteChannel[];
}

/** Creates the launcher; it connects on the first round. */
export function zookeeperLauncher(opts: ZooKeeperLauncherOptions): ZooKeeperLauncher {
  if (!Number.isInteger(opts.clientsPerHost) || opts.clientsPerHost < 1) throw new Error(`zookeeperLauncher: clientsPerHost must be a positive integer, got ${opts.clientsPerHost}`);
  const waitMs = opts.waitForAgentsMs ?? DEFAULT_WAIT_FOR_AGENTS_MS;
  const me = `${hostname()} pid ${process.pid}`;
  const launches = new Set<Launch>();
  const started: RemoteWorker[] = [];
  let clientP: Promise<Client> | undefined;
  let disarm: (() => void) | undefined;
  let closed = false;

  const client = () => {
    clientP ??= connectZooKeeper({ server: opts.server, sessionTimeoutMs: opts.sessionTimeoutMs }).then((c) => {
      disarm = onSessionLost(c, opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS, (why) => {
        for (const l of launches) for (const ch of l.channels) ch.gone(`lost contact with ZooKeeper at ${opts.server}: ${why}`);
      });
      return c;
    });
    return clientP;
  };

  /** Clean-ups under way, so close() can wait for them before it ends the session. */
  const cleaning = new Set<Promise<void>>();
  const forget = (zk: Client, launch: Launch): Promise<void> => {
    launches.delete(launch);
    const p = (async () => {
      // Requests made while disconnected wait for a reconnection that may never come.
      if (!isConnected(zk)) return;
      await removeTree(zk, launch.path).catch(() => {});
      await removeIfEmpty(zk, `${RUNS}/${runNodeName(opts.runId)}`).catch(() => {});
    })();
    cleaning.add(p);
    return p.finally(() => cleaning.delete(p));
  };

  const launch: WorkerLauncher = async (count) => {
    if (closed) throw new Error('zookeeperLauncher: used after close()');
    const zk = await client();
    const agents = await pickAgents(zk, opts, count, waitMs);
    const path = launchPath(opts.runId, `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    await mkdirp(zk, `${path}/workers`);
    // The agents stop this launch's workers when this node vanishes (our session ended).
    await create(zk, ownerPath(path), Buffer.from(me), CreateMode.EPHEMERAL);
    const record: Launch = { path, channels: [] };
    launches.add(record);

    const jobs: Array<{ agent: AgentInfo; job: Job; channels: RemoteChannel[] }> = [];
    let index = 0;
    for (const agent of agents) {
      const job: Job = { launchPath: path, workers: [], requestedBy: me };
      const channels: RemoteChannel[] = [];
      for (let k = 0; k < opts.clientsPerHost && index < count; k++, index++) {
        const workerId = `w${index}`;
        await mkdirp(zk, toPath(path, workerId));
        await mkdirp(zk, fromPath(path, workerId));
        const info: RemoteWorker = { workerIndex: index, agentId: agent.id, host: agent.host };
        started.push(info);
        const ch = new RemoteChannel(zk, opts.server, path, workerId, info, () => {
          if (record.channels.every((c) => c.exited)) void forget(zk, record);
        });
        job.workers.push({ workerId, workerIndex: index });
        channels.push(ch);
        record.channels.push(ch);
      }
      jobs.push({ agent, job, channels });
    }
    for (const { agent, job, channels } of jobs) {
      for (const ch of channels) ch.start();
      watchAgent(zk, agent, channels);
      const taken = await post(zk, `${INBOX}/${agent.id}`, job).catch(() => false);
      if (!taken) for (const ch of channels) ch.gone(`agent ${agentName(agent)} vanished before it took the job`);
    }
    return record.channels;
  };

  return Object.assign(launch, {
    workers: () => started.map((w) => ({ ...w })),
    agents: async () => listAgents(await client()),
    async close() {
      if (closed) return;
      closed = true;
      if (!clientP) return;
      const zk = await clientP.catch(() => undefined);
      if (!zk) return;
      for (const l of [...launches]) {
        await Promise.all(l.channels.map((ch) => ch.close(3000)));
        await forget(zk, l);
      }
      await Promise.all(cleaning);
      disarm?.();
      zk.close();
    },
  });
}

const agentName = (a: Pick<AgentInfo, 'id' | 'host'>) => `${a.host} (${a.id})`;

/**
 * Waits until enough agents with room are registered and returns the ones to use: the least busy
 * first, ceil(count / clientsPerHost) of them.
 */
async function pickAgents(zk: Client, opts: ZooKeeperLauncherOptions, count: number, waitMs: number): Promise<AgentInfo[]> {
  const needed = Math.ceil(count / opts.clientsPerHost);
  const minAgents = Math.max(needed, opts.minAgents ?? 1);
  const share = Math.min(opts.clientsPerHost, count);
  const deadline = Date.now() + waitMs;
  let seen: AgentInfo[];
  let usable: AgentInfo[];
  let wake = () => {};
  // One watcher function for the whole wait: the client keeps one registration per function.
  const watcher = () => wake();
  for (;;) {
    const changed = new Promise<void>((resolve) => {
      wake = resolve;
    });
    seen = await listAgents(zk, watcher);
    usable = seen.filter((a) => a.capacity === null || a.capacity - a.busy >= share).sort((a, b) => a.busy - b.busy || a.startedAt.localeCompare(b.startedAt));
    if (usable.length >= needed && seen.length >= minAgents) return usable.slice(0, needed);
    const left = deadline - Date.now();
    if (left <= 0) break;
    // Agents' busy counts change without a children event: look again now and then as well.
    await Promise.race([changed, new Promise((resolve) => setTimeout(resolve, Math.min(left, 1000)))]);
  }
  const full = seen.length - usable.length;
  throw new Error(
    `ZooKeeper at ${opts.server}: a round of ${count} worker(s) at ${opts.clientsPerHost} per host needs ${minAgents} agent(s), ` +
      `but within ${waitMs / 1000}s ${seen.length} registered${full > 0 ? ` (${full} without room for ${share} more workers)` : ''}` +
      `${seen.length ? `: ${seen.map(agentName).join(', ')}` : ''}. Start more with \`ledgerbench agent --zookeeper ${opts.server}\` on the worker hosts.`,
  );
}

/** The registered agents (an agent gone between listing and reading is left out). */
async function listAgents(zk: Client, watcher?: () => void): Promise<AgentInfo[]> {
  await mkdirp(zk, AGENTS);
  const names = (await children(zk, AGENTS, watcher)) ?? [];
  const infos = await Promise.all(names.map((n) => read(zk, `${AGENTS}/${n}`)));
  return infos.flatMap((d) => (d ? [JSON.parse(d.toString()) as AgentInfo] : []));
}

/** Ends the agent's workers' channels when its ephemeral node vanishes. */
function watchAgent(zk: Client, agent: AgentInfo, channels: RemoteChannel[]): void {
  const path = `${AGENTS}/${agent.id}`;
  const lost = () => {
    // A dead agent leaves its inbox behind; nobody else will read it.
    void removeTree(zk, `${INBOX}/${agent.id}`).catch(() => {});
    for (const ch of channels) ch.lost(`agent ${agentName(agent)} was lost (its ZooKeeper session ended); worker ${ch.info.workerIndex} went with it`);
  };
  const arm = () => {
    if (channels.every((c) => c.exited) || !isConnected(zk)) return;
    exists(zk, path, watcher).then((there) => {
      if (!there) lost();
    }, () => {});
  };
  // Fires on every change of the node (the agent updates its busy count), so it re-arms itself.
  const watcher = (e: Event) => {
    if (e.getType() === NODE_DELETED) lost();
    else arm();
  };
  arm();
}

/** The manager's end of one remote worker. */
class RemoteChannel implements WorkerChannel {
  readonly pid = undefined;
  readonly where: string;
  exited = false;
  private readonly messageListeners: Array<(msg: FromWorker) => void> = [];
  private readonly stderrListeners: Array<(text: string) => void> = [];
  private readonly exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
  private readonly reader: MailboxReader;
  private readonly to: string;
  private lastMessageAt = Date.now();

  constructor(
    private readonly zk: Client,
    server: string,
    launch: string,
    workerId: string,
    readonly info: RemoteWorker,
    private readonly onGone: () => void,
  ) {
    this.where = `agent ${info.host} (${info.agentId})`;
    this.to = toPath(launch, workerId);
    this.reader = new MailboxReader(
      zk,
      fromPath(launch, workerId),
      (p) => this.receive(p as FromEnvelope),
      () => this.gone('its mailbox was removed'),
      (err) => {
        const message = err instanceof Error ? err.message : String(err);
        // The connection to ZooKeeper went before its session did: say so, rather than ZooKeeper's code.
        if (/CONNECTION_LOSS/.test(message)) this.gone(`lost contact with ZooKeeper at ${server} (the connection dropped while reading its messages, ${this.sinceLastMessage()} after the last one)`);
        else this.gone(`reading its messages failed: ${message}`);
      },
    );
  }

  start(): void {
    this.reader.start();
  }

  send(msg: ToWorker): void {
    if (!this.exited) this.post({ kind: 'msg', msg });
  }

  onMessage(listener: (msg: FromWorker) => void): void {
    this.messageListeners.push(listener);
  }

  onStderr(listener: (text: string) => void): void {
    this.stderrListeners.push(listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(listener);
  }

  close(graceMs: number): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // The agent confirms with an `exit`; if it cannot (gone without ZooKeeper noticing yet), give up waiting.
      const timer = setTimeout(() => this.gone(`its agent did not confirm the stop within ${(graceMs + CLOSE_CONFIRM_MS) / 1000}s`), graceMs + CLOSE_CONFIRM_MS);
      this.exitListeners.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.post({ kind: 'close', graceMs });
    });
  }

  /** The agent vanished: take what it relayed before, then end the channel. */
  lost(reason: string): void {
    if (this.exited) return;
    void this.reader.drain().finally(() => this.gone(reason));
  }

  /** Ends the channel now, telling stderr listeners why. */
  gone(reason: string): void {
    if (this.exited) return;
    for (const l of this.stderrListeners) l(`[ledgerbench] worker ${this.info.workerIndex} on ${this.where}: ${reason}\n`);
    this.exit(null, null);
  }

  private exit(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.exited = true;
    this.reader.stop();
    for (const l of this.exitListeners.splice(0)) l(code, signal);
    this.onGone();
  }

  /** How long ago the worker's last message arrived, e.g. `1.2s`. */
  private sinceLastMessage(): string {
    return `${((Date.now() - this.lastMessageAt) / 1000).toFixed(1)}s`;
  }

  private receive(e: FromEnvelope): void {
    if (this.exited) return;
    this.lastMessageAt = Date.now();
    if (e.kind === 'msg') for (const l of this.messageListeners) l(e.msg);
    else if (e.kind === 'stderr') for (const l of this.stderrListeners) l(e.text);
    else if (e.kind === 'spawned') this.info.pid = e.pid;
    else if (e.kind === 'exit') {
      if (e.reason) for (const l of this.stderrListeners) l(`[ledgerbench] worker ${this.info.workerIndex} on ${this.where}: ${e.reason}\n`);
      this.exit(e.code, e.signal);
    }
  }

  private post(e: ToEnvelope): void {
    // A failure here means the session is going; onSessionLost / the agent watch end the channel.
    post(this.zk, this.to, e).catch(() => {});
  }
}
