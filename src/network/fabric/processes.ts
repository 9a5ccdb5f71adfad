/**
 * The processes of a native Fabric network (orderers, peers, chaincode services, and the CLI calls
 * that set them up), each in its own process group with its output in its own log file.
 *
 * Nothing may outlive the network, whichever way its owner ends. A normal stop signals every group
 * (SIGTERM, then SIGKILL). For the owner dying without a stop (a crash, SIGKILL, Ctrl-C that kills the
 * Vitest process first), a watchdog shell holds the read end of a pipe from the owner and learns each
 * process group as it starts: when the owner is gone the pipe reaches end-of-file, however the owner
 * died, and the watchdog kills every group it was told about (and removes the folders it was told
 * about).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One long-running process of the network. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Set once the process has exited. */
  exit?: { code: number | null; signal: string | null };
  /** Resolves when the process has exited (and was reaped). */
  exited: Promise<void>;
}

/** Options for starting a process. */
export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const STOP_GRACE_MS = 5000;
/** The environment variable naming the network a process belongs to (its state folder). */
const NETWORK_ENV = 'LEDGERBENCH_FABRIC_NETWORK';
const TAIL_LINES = 30;

// Reads lines until end-of-file (owner gone) or `done` (owner stopped everything itself: exit
// quietly). `pg <id>` names a process group to kill, `rm <path>` a folder to remove after the kill
// (the network's temp state folder, which holds private keys).
const WATCHDOG_SCRIPT = `
groups=""
folders=""
while IFS= read -r line; do
  case "$line" in
    done) exit 0 ;;
    "pg "*) groups="$groups \${line#pg }" ;;
    "rm "*) folders="$folders \${line#rm }" ;;
  esac
done
for g in $groups; do kill -TERM -"$g" 2>/dev/null; done
sleep 3
for g in $groups; do kill -KILL -"$g" 2>/dev/null; done
for f in $folders; do rm -rf "$f"; done
exit 0
`;

/** Starts, tracks and stops the processes of one network; see the module comment. */
export class ProcessSupervisor {
  readonly logDir: string;
  readonly networkId: string;
  private readonly processes: Array<ManagedProcess & { child: ChildProcess }> = [];
  private readonly watchdog: ChildProcess;
  private stopping: Promise<void> | undefined;

  /**
   * @param logDir where each process's `<name>.log` goes.
   * @param networkId set as LEDGERBENCH_FABRIC_NETWORK in every process's environment, so the
   *   processes of one network can be told from another's (`ps e`, /proc/<pid>/environ).
   */
  constructor(logDir: string, networkId: string) {
    this.logDir = logDir;
    this.networkId = networkId;
    // Its own session, so a Ctrl-C aimed at the owner's terminal group does not take it down first.
    this.watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.watchdog.on('error', () => {});
    this.watchdog.stdin?.on('error', () => {});
    // Neither the watchdog nor its pipe may keep the owner alive: the owner's exit is its signal.
    this.watchdog.unref();
    (this.watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  /** PID of the watchdog shell (for tests that check nothing is left behind). */
  get watchdogPid(): number {
    return this.watchdog.pid ?? 0;
  }

  /** Has the watchdog remove `dir` (after the kill) if the owner dies without stop(). */
  removeOnOwnerDeath(dir: string): void {
    // The watchdog splits on spaces; the folders given here are mkdtemp's, but check anyway.
    if (!/^\/[\w./-]+$/.test(dir)) throw new Error(`watchdog: refusing a folder name it cannot pass safely: ${dir}`);
    this.watchdog.stdin?.write(`rm ${dir}\n`);
  }

  /** Every process started so far, with its name. */
  list(): ManagedProcess[] {
    return this.processes.map(({ child: _child, ...p }) => p);
  }

  /** Starts a long-running process in its own process group, its stdout and stderr in `<name>.log`. */
  start(name: string, command: string, args: string[], opts: StartOptions = {}): ManagedProcess {
    if (this.stopping) throw new Error(`cannot start ${name}: the network is stopping`);
    const logFile = join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd: opts.cwd, env: { ...(opts.env ?? process.env), [NETWORK_ENV]: this.networkId }, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) {
      throw new Error(`could not start ${name} (${command}): ${readTail(logFile) || 'spawn failed'}`);
    }
    this.watchdog.stdin?.write(`pg ${child.pid}\n`);
    const managed = { name, pid: child.pid, logFile, child, exited: Promise.resolve() } as ManagedProcess & { child: ChildProcess };
    managed.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        managed.exit = { code, signal };
        resolve();
      });
    });
    child.on('error', () => {});
    // The owner's event loop must not wait for the network: stop() is what ends it.
    child.unref();
    this.processes.push(managed);
    return managed;
  }

  /**
   * Runs a short command (a Fabric CLI call) to completion under the same supervision, its output in
   * `<name>.log`. Resolves with the output; rejects with the exit code and the output's tail.
   */
  async run(name: string, command: string, args: string[], opts: StartOptions & { timeoutMs?: number } = {}): Promise<string> {
    const p = this.start(name, command, args, opts);
    const timeoutMs = opts.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([p.exited.then(() => 'exited' as const), timedOut]);
    clearTimeout(timer);
    this.forget(p);
    if (outcome === 'timeout') {
      killGroup(p.pid, 'SIGKILL');
      await p.exited;
      throw new Error(`${name} did not finish within ${timeoutMs / 1000}s (${command} ${args.join(' ')})\n${readTail(p.logFile)}`);
    }
    const output = safeRead(p.logFile);
    if (p.exit?.code !== 0) {
      throw new Error(`${name} failed (exit code ${p.exit?.code}, signal ${p.exit?.signal}): ${command} ${args.join(' ')}\n${tailOf(output)}`);
    }
    return output;
  }

  /**
   * Stops every process: SIGTERM to each process group, SIGKILL to those still there after a grace
   * period. Resolves once all have exited; then releases the watchdog.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const running = this.processes.filter((p) => !p.exit);
      for (const p of running) killGroup(p.pid, 'SIGTERM');
      const all = Promise.all(running.map((p) => p.exited));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
      });
      if ((await Promise.race([all.then(() => 'done' as const), grace])) === 'late') {
        for (const p of running) if (!p.exit) killGroup(p.pid, 'SIGKILL');
        await all;
      }
      clearTimeout(timer);
      // Every group leader has exited; children they left in their group go with a last SIGKILL.
      for (const p of running) killGroup(p.pid, 'SIGKILL');
      this.watchdog.stdin?.end('done\n');
    })();
    return this.stopping;
  }

  private forget(p: ManagedProcess): void {
    const i = this.processes.findIndex((x) => x.pid === p.pid);
    if (i >= 0) this.processes.splice(i, 1);
  }
}

/** The last lines of a log file, for error messages. */
export function readTail(file: string, lines = TAIL_LINES): string {
  return tailOf(safeRead(file), lines);
}

function tailOf(text: string, lines = TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}
