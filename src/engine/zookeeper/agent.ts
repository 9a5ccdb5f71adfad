/**
 * The worker agent of one host (`ledgerbench agent --zookeeper HOST:PORT`): registers under
 * /ledgerbench/agents, takes jobs from its inbox, runs their workers as local child processes (the
 * same ones the local launcher forks) and relays their messages to and from ZooKeeper. Relaying
 * happens here, never in the worker's send loop. Workers end when asked, when their launcher's
 * session ends, and when the agent stops or loses its own session.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { localLauncher, type WorkerChannel, type WorkerLauncher } from '../worker-channel.ts';
import { MailboxReader, post } from './mailbox.ts';
import { AGENTS, type AgentInfo, type FromEnvelope, fromPath, INBOX, type Job, ownerPath, type ToEnvelope, toPath } from './protocol.ts';
import {
  type Client,
  CreateMode,
  children,
  connectZooKeeper,
  create,
  DEFAULT_SESSION_TIMEOUT_MS,
  type Event,
  exists,
  isConnected,
  mkdirp,
  NODE_DELETED,
  onSessionLost,
  remove,
  removeTree,
  write,
} from './zk.ts';

/** Grace given to workers when the agent stops or their launcher goes away. */
const STOP_GRACE_MS = 3000;

/** Options of {@link runAgent}. */
export interface AgentOptions {
  /** ZooKeeper connection string, `host:port[,host:port...]`. */
  zookeeper: string;
  /** Most workers run at once (default: no limit). */
  clients?: number;
  /** Host name published to launchers (default: os.hostname()). */
  host?: string;
  /** ZooKeeper session timeout (default 10 s): how soon a dead agent is noticed. */
  sessionTimeoutMs?: number;
  /** Where agent events go (default: stderr, one line each). */
  log?: (line: string) => void;
  /** How workers are started (default: local child processes). */
  launcher?: WorkerLauncher;
}

/** A registered agent. */
export interface RunningAgent {
  readonly id: string;
  readonly info: AgentInfo;
  /** Resolves with the reason once the agent has ended, by stop() or by losing its session. */
  readonly ended: Promise<string>;
  /** Workers running now (local PIDs), for tests and the process monitor. */
  workerPids(): number[];
  /** Stops every worker (grace, then kill), unregisters and disconnects. */
  stop(): Promise<void>;
}

interface Relay {
  channel: WorkerChannel;
  reader: MailboxReader;
  exited: boolean;
}

/** Connects, registers and serves jobs until stopped. Rejects if it cannot connect or register. */
export async function runAgent(opts: AgentOptions): Promise<RunningAgent> {
  if (opts.clients !== undefined && (!Number.isInteger(opts.clients) || opts.clients < 1)) throw new Error(`runAgent: clients must be a positive integer, got ${opts.clients}`);
  const log = opts.log ?? ((line: string) => process.stderr.write(`[ledgerbench agent] ${line}\n`));
  const launcher = opts.launcher ?? localLauncher;
  const host = opts.host ?? hostname();
  const sessionTimeoutMs = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  const zk = await connectZooKeeper({ server: opts.zookeeper, sessionTimeoutMs });

  const id = `${host.replace(/[^\w.-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const info: AgentInfo = { id, host, pid: process.pid, capacity: opts.clients ?? null, busy: 0, startedAt: new Date().toISOString() };
  const agentPath = `${AGENTS}/${id}`;
  const inboxPath = `${INBOX}/${id}`;
  const relays = new Set<Relay>();
  let ending: Promise<void> | undefined;
  let resolveEnded!: (why: string) => void;
  const ended = new Promise<string>((resolve) => {
    resolveEnded = resolve;
  });

  const publish = () => {
    info.busy = relays.size;
    write(zk, agentPath, Buffer.from(JSON.stringify(info))).catch(() => {});
  };

  const end = (why: string, unregister: boolean): Promise<void> => {
    ending ??= (async () => {
      disarm();
      inbox.stop();
      log(`stopping (${why})`);
      await Promise.all([...relays].map((r) => r.channel.close(unregister ? STOP_GRACE_MS : 0)));
      if (unregister && isConnected(zk)) {
        await removeTree(zk, inboxPath).catch(() => {});
        await remove(zk, agentPath).catch(() => {});
      }
      zk.close();
      resolveEnded(why);
    })();
    return ending;
  };
  // Without a session our workers' messages go nowhere and our launchers have given them up.
  const disarm = onSessionLost(zk, sessionTimeoutMs, (why) => void end(`lost its session: ${why}`, false));

  /** Starts a job's workers and relays them. */
  let starting = 0;
  const serve = async (job: Job) => {
    const n = job.workers.length;
    // Workers being forked for other jobs count too: jobs are served concurrently.
    const running = relays.size + starting;
    const refuse = (reason: string) => Promise.all(job.workers.map((w) => post(zk, fromPath(job.launchPath, w.workerId), { kind: 'exit', code: null, signal: null, reason } satisfies FromEnvelope).catch(() => false)));
    if (ending) return void (await refuse(`agent ${id} is stopping`));
    if (info.capacity !== null && running + n > info.capacity) return void (await refuse(`agent ${host} (${id}) is full: ${running} of ${info.capacity} workers busy, ${n} more asked`));
    log(`job from ${job.requestedBy}: ${n} worker(s) (${job.workers.map((w) => w.workerIndex).join(', ')})`);
    let channels: WorkerChannel[];
    starting += n;
    try {
      channels = await launcher(n);
    } catch (err) {
      return void (await refuse(`agent ${host} could not start workers: ${err instanceof Error ? err.message : String(err)}`));
    } finally {
      starting -= n;
    }
    const jobRelays = job.workers.map((w, k) => relay(job, w.workerId, channels[k]));
    publish();
    watchOwner(job, jobRelays);
  };

  const relay = (job: Job, workerId: string, channel: WorkerChannel): Relay => {
    const from = fromPath(job.launchPath, workerId);
    const send = (e: FromEnvelope) => post(zk, from, e).catch(() => false);
    const r: Relay = {
      channel,
      exited: false,
      reader: new MailboxReader(
        zk,
        toPath(job.launchPath, workerId),
        (p) => {
          const e = p as ToEnvelope;
          if (e.kind === 'msg') channel.send(e.msg);
          else void channel.close(e.graceMs);
        },
        () => void channel.close(STOP_GRACE_MS),
        () => void channel.close(STOP_GRACE_MS),
      ),
    };
    relays.add(r);
    if (channel.pid !== undefined) void send({ kind: 'spawned', pid: channel.pid, host });
    channel.onMessage((msg) => void send({ kind: 'msg', msg }));
    channel.onStderr((text) => void send({ kind: 'stderr', text }));
    channel.onExit((code, signal) => {
      r.exited = true;
      r.reader.stop();
      relays.delete(r);
      void send({ kind: 'exit', code, signal });
      if (!ending) publish();
    });
    r.reader.start();
    return r;
  };

  /** The launcher's ephemeral owner node gone = nobody listens any more: stop the job's workers. */
  const watchOwner = (job: Job, jobRelays: Relay[]) => {
    const stopAll = () => {
      for (const r of jobRelays) if (!r.exited) void r.channel.close(STOP_GRACE_MS);
    };
    const arm = () => {
      if (jobRelays.every((r) => r.exited) || !isConnected(zk)) return;
      exists(zk, ownerPath(job.launchPath), watcher).then((there) => {
        if (!there) stopAll();
      }, () => {});
    };
    const watcher = (e: Event) => {
      if (e.getType() === NODE_DELETED) stopAll();
      else arm();
    };
    arm();
  };

  const inbox = new MailboxReader(
    zk,
    inboxPath,
    (p) => void serve(p as Job).catch((err) => log(`job failed: ${err instanceof Error ? err.message : String(err)}`)),
    () => void end('its inbox was removed', true),
    (err) => void end(`reading its inbox failed: ${err instanceof Error ? err.message : String(err)}`, true),
  );

  try {
    await mkdirp(zk, AGENTS);
    await mkdirp(zk, INBOX);
    // The registration node first: an inbox without one belongs to a dead agent (see sweepInboxes).
    await create(zk, agentPath, Buffer.from(JSON.stringify(info)), CreateMode.EPHEMERAL);
    await create(zk, inboxPath, null, CreateMode.PERSISTENT);
  } catch (err) {
    disarm();
    zk.close();
    throw new Error(`could not register with ZooKeeper at ${opts.zookeeper}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  inbox.start();
  void sweepInboxes(zk).catch(() => {});
  log(`registered as ${id} at ${opts.zookeeper}${info.capacity !== null ? ` (up to ${info.capacity} workers)` : ''}`);

  return {
    id,
    info,
    ended,
    workerPids: () => [...relays].flatMap((r) => (r.channel.pid !== undefined && !r.exited ? [r.channel.pid] : [])),
    stop: () => end('stopped', true),
  };
}

/** Removes inboxes of agents that died without unregistering (their registration node is gone). */
async function sweepInboxes(zk: Client): Promise<void> {
  const [inboxes, agents] = await Promise.all([children(zk, INBOX), children(zk, AGENTS)]);
  const alive = new Set(agents ?? []);
  for (const name of inboxes ?? []) if (!alive.has(name)) await removeTree(zk, `${INBOX}/${name}`);
}
