/**
 * Reading Linux's /proc: which processes run which command line, and how many bytes each has read and
 * written. Everything here tolerates processes vanishing between two reads (that is normal).
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** A running process and its argument vector (argv[0] is the executable as started). */
export interface ProcInfo {
  pid: number;
  argv: string[];
}

/**
 * Lists processes with their command lines, re-reading only what may have changed: reading another
 * process's cmdline is the expensive part (about 0.17 ms each from Node, measured here), and a command
 * line only changes at exec(), which follows fork() within milliseconds. So a PID's cmdline is read on
 * each scan until two scans agree, then trusted until the PID disappears.
 */
export class ProcScanner {
  private readonly known = new Map<number, { argv: string[]; settled: boolean }>();

  constructor(private readonly procRoot = '/proc') {}

  /** Every process whose command line is readable (kernel threads have none and are left out). */
  async scan(): Promise<ProcInfo[]> {
    const pids = (await readdir(this.procRoot)).filter((e) => /^\d+$/.test(e)).map(Number);
    const alive = new Set(pids);
    for (const pid of this.known.keys()) if (!alive.has(pid)) this.known.delete(pid);
    await Promise.all(
      pids.map(async (pid) => {
        const prev = this.known.get(pid);
        if (prev?.settled) return;
        const argv = await this.readArgv(pid);
        if (argv === undefined) this.known.delete(pid);
        else this.known.set(pid, { argv, settled: prev !== undefined && sameArgv(prev.argv, argv) });
      }),
    );
    const out: ProcInfo[] = [];
    for (const [pid, { argv }] of this.known) if (argv.length > 0) out.push({ pid, argv });
    return out;
  }

  private async readArgv(pid: number): Promise<string[] | undefined> {
    try {
      const raw = await readFile(`${this.procRoot}/${pid}/cmdline`, 'utf8');
      const argv = raw === '' ? [] : raw.split('\0');
      if (argv[argv.length - 1] === '') argv.pop();
      return argv;
    } catch {
      return undefined; // exited between readdir and read
    }
  }
}

function sameArgv(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Caliper's rule for `process: [{ command, arguments }]`: the executable's basename equals `command`
 * and `arguments`, if given, appears somewhere in the rest of the command line.
 */
export function matchesCommand(argv: string[], command: string, args?: string): boolean {
  if (argv.length === 0 || basename(argv[0]) !== command) return false;
  if (!args) return true;
  return argv.slice(1).join(' ').includes(args);
}

/** Bytes a process has read and written, and which /proc/<pid>/io counters they came from. */
export interface ProcIo {
  read: number;
  write: number;
  /**
   * `storage`: read_bytes/write_bytes, what reached the block layer (comparable to docker's blkio);
   * `syscalls`: rchar/wchar, everything passed to read()/write() including sockets and page cache
   * hits, used only when the kernel does not give the storage counters.
   */
  source: 'storage' | 'syscalls';
}

/** Read /proc/<pid>/io; undefined when the process is gone or the file is not readable to us. */
export async function readProcIo(pid: number, procRoot = '/proc'): Promise<ProcIo | undefined> {
  let text: string;
  try {
    text = await readFile(`${procRoot}/${pid}/io`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), Number(line.slice(colon + 1)));
  }
  const rb = fields.get('read_bytes');
  const wb = fields.get('write_bytes');
  if (rb !== undefined && wb !== undefined && Number.isFinite(rb) && Number.isFinite(wb)) {
    return { read: rb, write: wb, source: 'storage' };
  }
  const rc = fields.get('rchar');
  const wc = fields.get('wchar');
  if (rc !== undefined && wc !== undefined && Number.isFinite(rc) && Number.isFinite(wc)) {
    return { read: rc, write: wc, source: 'syscalls' };
  }
  return undefined;
}
