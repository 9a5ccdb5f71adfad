/**
 * `ledgerbench network up <profile>` for a profile that asks for a deployment: the chaincode processes
 * ledgerbench runs for it must outlive the command, so a detached owner process (main.ts) does what a
 * run does and keeps them until `network down` sends it SIGTERM.
 */
import { join } from 'node:path';
import { siblingModule } from '../../module-path.ts';
import { startDetachedOwner } from '../owner.ts';

const MAIN = siblingModule(import.meta.url, './main');
/** The deployment takes 5 to 20 s here; the readiness wait in it has its own timeout. */
const UP_TIMEOUT_MS = 300_000;

/**
 * Starts the owner with its output in `<stateDir>/network.log`, in `workspace` (where Caliper's
 * commands run and relative paths are found), and resolves with its pid once the profile's deployment
 * is done. On failure the owner has stopped what it started and the error carries the log's tail.
 */
export async function profileNetworkUp(file: string, stateDir: string, workspace: string): Promise<{ pid: number }> {
  const ready = await startDetachedOwner({
    main: MAIN,
    args: [file],
    cwd: workspace,
    env: { ...process.env, CALIPER_WORKSPACE: workspace },
    logFile: join(stateDir, 'network.log'),
    timeoutMs: UP_TIMEOUT_MS,
    wording: {
      timedOut: (s) => `${file}: the deployment did not finish within ${s}s`,
      failed: (message) => `${file}: setting the network up failed: ${message}`,
      exited: (code, signal) => `${file}: the process setting the network up exited (code ${code}, signal ${signal})`,
    },
  });
  return { pid: ready.pid };
}
