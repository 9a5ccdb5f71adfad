/**
 * The process monitor: CPU and memory through pidusage, disc bytes from /proc/<pid>/io, for processes
 * matched by command line (re-resolved every sample, since workers come and go between rounds) or
 * known by PID. Traffic per process cannot be read on Linux without privileges, so it is null.
 */
import pidusage from 'pidusage';
import type { MetricFigure, ResourceRow } from '../stats/types.ts';
import { matchesCommand, type ProcInfo, ProcScanner, readProcIo } from './proc.ts';
import { RoundSamples, type ResourceSample } from './rounds.ts';
import { Ticker } from './ticker.ts';
import type { KnownProcess, Monitor, WarnFn } from './types.ts';

/** Processes matched by command line, folded into one row (Caliper's `process:` entries). */
export interface ProcessMatchTarget {
  kind: 'match';
  /** Row name, Caliper style: `node local-client.js`. */
  name: string;
  /** Basename of the executable, e.g. `node`. */
  command: string;
  /** Text that must appear in the rest of the command line; empty matches every `command`. */
  arguments?: string;
  /** How several matching processes fold into the row: per-sample sum, or the average process. */
  multiOutput: 'avg' | 'sum';
  /** Where the entry came from, for warnings (`file: monitor.process[0]`). */
  origin: string;
}

/** One process known by PID. */
export interface ProcessPidTarget {
  kind: 'pid';
  name: string;
  pid: number;
  /**
   * Configured by the user: reported (as unknown) and warned about even when the process is gone.
   * Our own workers are not: once they exit they simply stop having rows.
   */
  configured: boolean;
  origin: string;
}

export type ProcessTarget = ProcessMatchTarget | ProcessPidTarget;

/** What the process monitor is built from. */
export interface ProcessMonitorOptions {
  targets: ProcessTarget[];
  intervalMs: number;
  warn: WarnFn;
}

interface PidState {
  io?: { read: number; write: number };
}

interface PidReading {
  cpu: number | null;
  mem: number;
  /** Bytes read/written since the previous sample; undefined when /proc/<pid>/io was unreadable. */
  io?: { read: number; write: number };
}

/** Samples processes every interval; see the module comment. */
export class ProcessMonitor implements Monitor {
  readonly type = 'process' as const;
  private readonly targets: ProcessTarget[];
  private readonly ticker: Ticker;
  private readonly rounds = new RoundSamples();
  private readonly pids = new Map<number, PidState>();
  /** Running disc totals per row, built from per-PID increments so processes may come and go. */
  private readonly totals = new Map<string, { read: number; write: number }>();
  private readonly warned = new Set<string>();
  private readonly scanner = new ProcScanner();
  private lastSampleAt: number | undefined;

  constructor(private readonly opts: ProcessMonitorOptions) {
    this.targets = [...opts.targets];
    this.ticker = new Ticker(opts.intervalMs, () => this.sample());
  }

  /** The targets sampled now (configured ones, then own processes in the order added). */
  get targetList(): readonly ProcessTarget[] {
    return this.targets;
  }

  async start(): Promise<void> {
    if (this.ticker.running) return;
    this.ticker.start();
    await this.ticker.runNow();
  }

  addProcesses(procs: KnownProcess[]): void {
    for (const p of procs) {
      if (this.targets.some((t) => t.kind === 'pid' && t.pid === p.pid)) continue;
      this.targets.push({ kind: 'pid', name: p.name, pid: p.pid, configured: false, origin: 'own process' });
    }
  }

  /** Opens the round and takes its first sample; awaiting is optional (the baseline is then exact). */
  roundStart(): Promise<void> {
    this.rounds.open();
    return this.ticker.runNow();
  }

  async roundEnd(): Promise<{ rows: ResourceRow[]; metrics: MetricFigure[] }> {
    await this.ticker.idle();
    await this.ticker.runNow();
    const rows = this.rounds.close();
    for (const row of rows) {
      const target = this.targets.find((t) => t.name === row.name);
      if (row.cpuMaxPercent === null && row.memoryMaxBytes === null && target) this.warnMissing(target);
    }
    // Own processes that were gone for the whole round leave no row (they may already be dropped
    // from the targets); configured ones stay, as unknown.
    const kept = rows.filter((row) => {
      if (row.memoryMaxBytes !== null || row.cpuMaxPercent !== null) return true;
      const target = this.targets.find((t) => t.name === row.name);
      return target !== undefined && (target.kind === 'match' || target.configured);
    });
    return { rows: kept, metrics: [] };
  }

  async stop(): Promise<void> {
    await this.ticker.stop();
  }

  /** One sample of every target. Never throws: a vanished process is simply absent. */
  private async sample(): Promise<void> {
    const at = Date.now();
    const needsScan = this.targets.some((t) => t.kind === 'match');
    let procs: ProcInfo[] = [];
    if (needsScan) {
      try {
        procs = await this.scanner.scan();
      } catch (err) {
        this.warnOnce('scan', `process monitor: cannot list /proc (${(err as Error).message}); process rows stay empty`);
      }
    }
    const pidsOf = new Map<ProcessTarget, number[]>();
    for (const t of this.targets) {
      pidsOf.set(
        t,
        t.kind === 'pid'
          ? [t.pid]
          : procs.filter((p) => matchesCommand(p.argv, t.command, t.arguments)).map((p) => p.pid),
      );
    }
    const wanted = [...new Set([...pidsOf.values()].flat())];
    const readings = await this.readPids(wanted);
    this.lastSampleAt = at;

    for (const t of this.targets) {
      const live = (pidsOf.get(t) ?? []).map((pid) => readings.get(pid)).filter((r): r is PidReading => !!r);
      this.rounds.record('process', t.name, this.fold(t, live, at));
    }
    // Our own processes that have exited are done for good (a later process with the same PID is
    // not ours); dropping them keeps a long benchmark from polling every worker it ever had.
    for (let i = this.targets.length - 1; i >= 0; i--) {
      const t = this.targets[i];
      if (t.kind === 'pid' && !t.configured && !readings.has(t.pid)) {
        this.targets.splice(i, 1);
        this.totals.delete(t.name);
      }
    }
  }

  /** pidusage and /proc/<pid>/io for every wanted PID; PIDs that are gone are missing from the result. */
  private async readPids(wanted: number[]): Promise<Map<number, PidReading>> {
    const out = new Map<number, PidReading>();
    if (wanted.length === 0) {
      this.pids.clear();
      return out;
    }
    let stats: Record<string, pidusage.Status | undefined> = {};
    try {
      // A copy: pidusage rewrites the array it is given. maxage keeps its per-PID history (and the
      // open /proc/<pid>/stat descriptor) alive across our interval but lets dead PIDs go soon.
      stats = await pidusage([...wanted], { maxage: Math.max(5_000, this.opts.intervalMs * 3) });
    } catch {
      // A single PID that exited rejects instead of yielding an empty entry.
    }
    const ios = await Promise.all(wanted.map((pid) => (stats[pid] ? readProcIo(pid) : undefined)));
    wanted.forEach((pid, i) => {
      const s = stats[pid];
      if (!s) {
        this.pids.delete(pid);
        return;
      }
      const io = ios[i];
      const prev = this.pids.get(pid);
      // A PID first seen now either started since the last sample (everything it did belongs to this
      // interval) or was already running (its history is a baseline, not this interval's work).
      const bornSince = this.lastSampleAt !== undefined && s.timestamp - s.elapsed >= this.lastSampleAt;
      let cpu: number | null;
      if (prev) cpu = s.cpu;
      else if (bornSince && s.elapsed > 0) cpu = (s.ctime / s.elapsed) * 100;
      else cpu = null; // pidusage's first reading of a PID has no interval to measure over
      let ioDelta: { read: number; write: number } | undefined;
      if (io) {
        const base = prev?.io ?? (bornSince ? { read: 0, write: 0 } : io);
        ioDelta = { read: Math.max(0, io.read - base.read), write: Math.max(0, io.write - base.write) };
      }
      this.pids.set(pid, { io: io ? { read: io.read, write: io.write } : prev?.io });
      out.set(pid, { cpu, mem: s.memory, io: ioDelta });
    });
    for (const pid of this.pids.keys()) if (!wanted.includes(pid)) this.pids.delete(pid);
    return out;
  }

  /** Fold the live processes of one target into the row's sample. */
  private fold(t: ProcessTarget, live: PidReading[], at: number): ResourceSample {
    let totals = this.totals.get(t.name);
    if (!totals) {
      totals = { read: 0, write: 0 };
      this.totals.set(t.name, totals);
    }
    if (live.length === 0) {
      // Nothing matched: no process did any I/O, so the totals stand; CPU and memory are unknown.
      return { at, cpu: null, mem: null, netIn: null, netOut: null, discRead: totals.read, discWrite: totals.write };
    }
    const avg = t.kind === 'match' && t.multiOutput === 'avg';
    const combine = (values: number[]): number | null => {
      if (values.length === 0) return null;
      const sum = values.reduce((a, b) => a + b, 0);
      return avg ? sum / values.length : sum;
    };
    const cpu = combine(live.map((r) => r.cpu).filter((c): c is number => c !== null));
    const mem = combine(live.map((r) => r.mem));
    const withIo = live.filter((r) => r.io !== undefined);
    if (withIo.length === 0) {
      return { at, cpu, mem, netIn: null, netOut: null, discRead: null, discWrite: null };
    }
    totals.read += combine(withIo.map((r) => r.io!.read)) ?? 0;
    totals.write += combine(withIo.map((r) => r.io!.write)) ?? 0;
    return { at, cpu, mem, netIn: null, netOut: null, discRead: totals.read, discWrite: totals.write };
  }

  private warnMissing(t: ProcessTarget): void {
    if (t.kind === 'pid' && !t.configured) return;
    const what =
      t.kind === 'match'
        ? `no running process matches command '${t.command}'${t.arguments ? ` with arguments '${t.arguments}'` : ''}`
        : `process ${t.pid} is not running`;
    this.warnOnce(`missing:${t.name}`, `${t.origin}: process monitor: ${what}; its row is reported as unknown`);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.opts.warn(message);
  }
}
