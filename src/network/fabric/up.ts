/**
 * `ledgerbench network up` for a `type: fabric` file: the network is owned by a detached process
 * (main.ts) that outlives the command and stops the network on SIGTERM, which `network down` sends.
 */
import { dirname, join } from 'node:path';
import { siblingModule } from '../../module-path.ts';
import { startDetachedOwner } from '../owner.ts';
import type { FabricNetworkFileConfig } from './config.ts';

const MAIN = siblingModule(import.meta.url, './main');
/** Bring-up takes 5 to 15 s here; a slow machine gets much more before we give up. */
const UP_TIMEOUT_MS = 180_000;

/**
 * Starts the owner process with its output in `<stateDir>/network.log` and resolves once the network
 * is ready, with the connection file it wrote under `stateDir` and the owner's pid. On failure the
 * owner is gone (it stops what it started) and the error carries the log's tail.
 */
export async function fabricNetworkUp(cfg: FabricNetworkFileConfig, stateDir: string): Promise<{ connectionFile: string; pid: number }> {
  const ready = await startDetachedOwner({
    main: MAIN,
    args: [cfg.file, stateDir],
    cwd: dirname(MAIN),
    env: process.env,
    logFile: join(stateDir, 'network.log'),
    timeoutMs: UP_TIMEOUT_MS,
    wording: {
      timedOut: (s) => `the fabric network did not come up within ${s}s`,
      failed: (message) => `the fabric network failed to start: ${message}`,
      exited: (code, signal) => `the fabric network's process exited during start (code ${code}, signal ${signal})`,
    },
  });
  return { connectionFile: ready.connectionFile, pid: ready.pid };
}
