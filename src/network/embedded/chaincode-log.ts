/**
 * Chaincode console output, kept apart from the network's own: one log file per chaincode, and the
 * console calls made while a chaincode loads or runs (console.log/info/debug/warn/error/trace/dir,
 * from contract code and from the shim) go there instead of the network's output, which a benchmark
 * run prints. A chatty contract otherwise buries the run's own lines under megabytes of its output.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { chaincodeScope } from './chaincode-scope.ts';

/** Lines of a log kept in memory, for error messages. */
const TAIL_LINES = 20;

/** One chaincode's log file, with its last lines at hand. */
export class ChaincodeLog {
  /** Path of the log file. */
  readonly file: string;
  #fd: number | undefined;
  readonly #tail: string[] = [];

  /** Create (or truncate) the log file. */
  constructor(file: string) {
    this.file = file;
    this.#fd = openSync(file, 'w', 0o600);
  }

  /**
   * Append one console call's text. Written synchronously, as the console writes to a file: the
   * lines before a crash must be in the file when the process ends.
   */
  write(method: string, text: string): void {
    const stamp = new Date().toISOString();
    const lines = text.split('\n');
    for (const line of lines) {
      this.#tail.push(line);
      if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    }
    if (this.#fd === undefined) return;
    try {
      writeSync(this.#fd, `${stamp} ${method} ${lines.join(`\n${stamp} ${method} `)}\n`);
    } catch (err) {
      // A full disc must not fail transactions: say it once and keep only the tail.
      closeSync(this.#fd);
      this.#fd = undefined;
      process.stderr.write(`chaincode log ${this.file} can no longer be written (${(err as Error).message}); its output is dropped\n`);
    }
  }

  /** The last lines written (at most 20). */
  tail(): string[] {
    return [...this.#tail];
  }
}

/** The log files of one network's chaincodes, in one folder (open until the process ends). */
export class ChaincodeLogs {
  /** The folder holding the logs. */
  readonly dir: string;
  readonly #names = new Set<string>();

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.dir = dir;
  }

  /** Open `<chaincode>.log` (`<channel>.<chaincode>.log` when another channel took that name). */
  open(chaincode: string, channel: string): ChaincodeLog {
    let name = `${chaincode}.log`;
    if (this.#names.has(name)) name = `${channel}.${chaincode}.log`;
    this.#names.add(name);
    return new ChaincodeLog(join(this.dir, name));
  }
}

/**
 * Where a network process keeps its chaincode logs: `$LEDGERBENCH_CHAINCODE_LOGS` when set (a CI job
 * points it at its artifacts folder); for `ledgerbench network up`, `chaincode-logs/` in its state
 * folder; otherwise `<tmp>/ledgerbench-chaincode-logs/<network name>/`, the same folder every run
 * (the attached network's own folder is deleted when it stops, its logs must outlive it). A second
 * network of the same name running at the same time gets `<network name>@<pid>/`.
 */
export function chaincodeLogDir(outDir: string, detached: boolean, networkName: string): string {
  const fromEnv = process.env.LEDGERBENCH_CHAINCODE_LOGS;
  if (fromEnv) return fromEnv;
  if (detached) return join(outDir, 'chaincode-logs');
  const parent = join(tmpdir(), 'ledgerbench-chaincode-logs');
  const name = networkName.replace(/[^A-Za-z0-9_.-]/g, '_');
  removeDeadSiblings(parent, name);
  const base = join(parent, name);
  return claimFolder(base) ? base : `${base}@${process.pid}`;
}

/** `<name>@<pid>` folders of processes that have ended: without this, every concurrent start would leave one. */
function removeDeadSiblings(parent: string, name: string): void {
  if (!existsSync(parent)) return;
  for (const entry of readdirSync(parent)) {
    const pid = entry.startsWith(`${name}@`) ? Number(entry.slice(name.length + 1)) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

/** Take a folder for this process unless a live process holds it (its pid in `.owner`). */
function claimFolder(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const owner = join(dir, '.owner');
  if (existsSync(owner)) {
    const pid = Number(readFileSync(owner, 'utf8'));
    if (pid !== process.pid && pid > 0 && alive(pid)) return false;
  }
  writeFileSync(owner, String(process.pid));
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ROUTED = ['log', 'info', 'debug', 'warn', 'error', 'trace', 'dir'] as const;
let routed = false;

/**
 * Send console calls made inside a chaincode's scope to its log; calls made anywhere else go to
 * the console as before. Installed once per process, before any chaincode module loads, so that
 * loggers which keep a bound console.log (winston's console transport) keep this one.
 */
export function routeChaincodeConsole(): void {
  if (routed) return;
  routed = true;
  for (const method of ROUTED) {
    const original = console[method] as (...args: unknown[]) => void;
    console[method] = (...args: unknown[]) => {
      const log = chaincodeScope.getStore()?.log;
      if (!log) {
        original.apply(console, args);
        return;
      }
      log.write(method, consoleText(method, args));
    };
  }
}

/** What the console would print for the call. */
function consoleText(method: (typeof ROUTED)[number], args: unknown[]): string {
  if (method === 'dir') return inspect(args[0], args[1] as object | undefined);
  if (method !== 'trace') return format(...args);
  const stack = (new Error().stack ?? '').split('\n').slice(3).join('\n');
  return `Trace: ${format(...args)}\n${stack}`;
}
