/**
 * Real child processes for the CLI and plugin end-to-end tests: output capture, waiting for a line,
 * and finding (and checking the end of) the worker processes a run starts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** How a child ended, with everything it wrote. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Every child started here, so afterAll can kill what a failed test left behind. */
const started = new Set<ChildProcess>();

/** Output of a child without terminal colours (Vitest colours its output even into a pipe). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
export const plain = (text: string) => text.replace(ANSI, '');

/** A running child process with its output collected as it arrives. */
export class Child {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves when the child has exited (killed with SIGKILL after `timeoutMs`). */
  readonly finished: Promise<Finished>;

  /**
   * `detached` puts the child in its own process group, so a test can signal the whole group as a
   * terminal's Ctrl-C does.
   */
  constructor(command: string, args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs: number; detached?: boolean }) {
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env };
    this.proc = spawn(command, args, { cwd: options.cwd ?? REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
    started.add(this.proc);
    this.proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += plain(d);
    });
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += plain(d);
    });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), options.timeoutMs);
    this.finished = new Promise((resolve, reject) => {
      this.proc.on('error', reject);
      this.proc.on('close', (code, signal) => {
        clearTimeout(timer);
        started.delete(this.proc);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error('child did not start');
    return this.proc.pid;
  }

  /** Resolves once `pattern` appears in stdout or stderr; rejects if the child ends first or on timeout. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.finished.then(() => {
      ended = true;
    });
    while (!pattern.test(this.stdout) && !pattern.test(this.stderr)) {
      if (ended) throw new Error(`child exited before printing ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** `node bin/ledgerbench.js ...args` from the repository root. */
export function ledgerbenchCli(args: string[], options: { timeoutMs?: number; detached?: boolean } = {}): Child {
  return new Child(process.execPath, ['bin/ledgerbench.js', ...args], { timeoutMs: options.timeoutMs ?? 60_000, detached: options.detached });
}

/** Kills every child still running (for afterAll: a failed assertion must not leave processes). */
export function killAllChildren(): void {
  for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

/** PID -> parent PID and command line, for every process /proc shows. */
function processTable(): Map<number, { ppid: number; cmdline: string }> {
  const table = new Map<number, { ppid: number; cmdline: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name in parentheses may hold spaces; fields after it are space-separated.
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (after[0] === 'Z') continue; // exited, waiting to be reaped: not running
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      table.set(Number(name), { ppid: Number(after[1]), cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
}

/** Running descendants of `pid` whose command line contains `needle`. */
export function descendants(pid: number, needle: string): number[] {
  const table = processTable();
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, info] of table) {
      if (info.ppid !== parent) continue;
      if (info.cmdline.includes(needle)) found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** Those of `pids` still running with `needle` in their command line (a reused PID does not count). */
export function stillRunning(pids: number[], needle: string): number[] {
  const table = processTable();
  return pids.filter((pid) => table.get(pid)?.cmdline.includes(needle));
}

/** Kills processes by PID, ignoring those already gone (cleanup after a failed test). */
export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
