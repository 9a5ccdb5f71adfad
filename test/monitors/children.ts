/**
 * Test helper: real child processes that burn CPU, sleep, or write to disc, each tagged with a marker
 * argument so the process monitor can find it by command line. Every child is killed by killAll().
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stopChild } from '../support/processes.ts';

const programs = {
  busy: 'for(;;){}',
  sleep: 'setInterval(()=>{},1000)',
  /** Writes 4 MB to a file with fsync every 100 ms, so write_bytes grows. */
  writer:
    "const fs=require('node:fs');const f=process.argv[2]+'.bin';const b=Buffer.alloc(4e6,1);" +
    'setInterval(()=>{const d=fs.openSync(f,"w");fs.writeSync(d,b);fs.fsyncSync(d);fs.closeSync(d)},100);' +
    "process.on('SIGTERM',()=>{try{fs.unlinkSync(f)}catch{};process.exit(0)})",
};

/** Spawns and remembers children. */
export class Children {
  private readonly procs: ChildProcess[] = [];

  /** A unique marker for this test run, so parallel runs never see each other's children. */
  readonly tag = `lbmon-${randomBytes(4).toString('hex')}`;

  /** Start `node -e <program> <marker>`; resolves once the child runs. */
  async spawn(kind: keyof typeof programs, marker: string, cwd?: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-e', programs[kind], `${cwd ?? '/tmp'}/${this.tag}-${marker}`], {
      stdio: 'ignore',
    });
    this.procs.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return child;
  }

  /** Kill every child still running and wait until each has exited. */
  async killAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => stopChild(p, 2000)));
    this.procs.length = 0;
  }
}

/** Resolve after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
