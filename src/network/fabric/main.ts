/**
 * Entry point of the process that owns a Fabric network for `ledgerbench network up`:
 *   node --import tsx src/network/fabric/main.ts <network file> <output folder>
 * Brings the network up, copies its connection file to <output folder>/connection.json (mode 0600),
 * reports `ready` (or the error) over the IPC channel in the embedded network's message shape, and
 * keeps the network up until SIGTERM/SIGINT (`ledgerbench network down`). Should this process die
 * without stopping, the network's watchdog takes the Fabric processes down with it.
 */
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { loadNetworkFile } from '../../config/network-file.ts';
import type { NetworkProcessMessage } from '../embedded/main.ts';
import { holdUntilStopped } from '../owner.ts';
import { startFabricNetwork } from './network.ts';

function send(msg: NetworkProcessMessage): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const [file, outDir] = process.argv.slice(2);
  if (!file || !outDir) throw new Error('usage: main.ts <network file> <output folder>');
  const cfg = loadNetworkFile(file);
  if (cfg.type !== 'fabric') throw new ConfigError(cfg.file, 'type', `is ${JSON.stringify(cfg.type)}, not fabric`, 'start it with `ledgerbench network up`, which picks the right process');
  const handle = await startFabricNetwork(cfg, { log: (line) => console.log(line) });
  holdUntilStopped(() => handle.stop());
  const connectionFile = join(outDir, 'connection.json');
  copyFileSync(handle.ref.file!, connectionFile);
  chmodSync(connectionFile, 0o600);
  send({ type: 'ready', connectionFile, operationsUrl: '', pid: process.pid });
  console.log(`fabric network "${cfg.name}" up; state and logs in ${handle.stateDir}; stop it with \`ledgerbench network down\``);
}

main().catch((err: unknown) => {
  const e = err as Error;
  const config = err instanceof ConfigError ? { file: err.file, field: err.field, problem: e.message.split('\n')[0].slice(err.file.length + err.field.length + 4), fix: err.fix } : undefined;
  send({ type: 'error', message: e?.message ?? String(err), config });
  console.error(e?.stack ?? String(err));
  setTimeout(() => process.exit(1), 50);
});
