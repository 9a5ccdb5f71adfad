/** Agents as child processes (`ledgerbench agent` through fixtures/zookeeper/agent-process.ts), for tests. */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forkTs } from '../../src/engine/fork-ts.ts';
import { stopChild } from '../support/processes.ts';

const ENTRY = fileURLToPath(new URL('../../fixtures/zookeeper/agent-process.ts', import.meta.url));

export interface AgentProcess {
  readonly child: ChildProcess;
  /** The id it registered under. */
  readonly id: string;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Starts an agent and resolves once it has registered. */
export async function startAgentProcess(server: string, args: string[] = []): Promise<AgentProcess> {
  const child = forkTs(ENTRY, ['--zookeeper', server, '--session-timeout', '4000', ...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let log = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not register within 20s:\n${log}`)), 20_000);
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /registered as (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (code ${code}, signal ${signal}) before registering:\n${log}`));
    });
  });
  return { child, id, log: () => log, exited };
}

/** Stops an agent if it still runs: SIGTERM, SIGKILL after 10 s. */
export async function stopAgentProcess(a: AgentProcess | undefined): Promise<void> {
  if (a) await stopChild(a.child, 10_000);
}
