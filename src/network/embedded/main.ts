/**
 * Entry point of the embedded network's process:
 *   node --import tsx src/network/embedded/main.ts <network file> <output folder> [--detached]
 * Writes <output folder>/connection.json (mode 0600), reports `ready` (or the error) over the IPC
 * channel, and runs until SIGTERM/SIGINT or, unless --detached, until its parent goes away.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { loadNetworkFile } from '../../config/network-file.ts';
import { ChaincodeLogs, chaincodeLogDir, routeChaincodeConsole } from './chaincode-log.ts';
import { startEmbeddedNetwork } from './network.ts';

/** Messages from this process to its parent. */
export type NetworkProcessMessage =
  | { type: 'ready'; connectionFile: string; operationsUrl: string; pid: number }
  | { type: 'error'; message: string; config?: { file: string; field: string; problem: string; fix: string } };

function send(msg: NetworkProcessMessage): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const [file, outDir, ...flags] = process.argv.slice(2);
  if (!file || !outDir) throw new Error('usage: main.ts <network file> <output folder> [--detached]');
  const cfg = loadNetworkFile(file);
  if (cfg.type !== 'embedded') {
    throw new ConfigError(cfg.file, 'type', 'is not `embedded`; a connection profile needs no network process', 'start it with startNetwork(), which only runs embedded networks');
  }
  const detached = flags.includes('--detached');
  // A parent that goes away while the network is still starting (the network runs in its own process
  // group, so nothing else would end it) ends it at once: there is nothing to stop yet. Also when
  // detached: `network up` lets go of it only once it is ready and recorded.
  const parentGoneDuringStart = () => {
    if (!detached) rmSync(outDir, { recursive: true, force: true });
    process.exit(1);
  };
  if (!process.connected) parentGoneDuringStart();
  process.once('disconnect', parentGoneDuringStart);
  // Chaincode console output goes to a log per chaincode, not into the run's output; say where once.
  const chaincodeLogs = new ChaincodeLogs(chaincodeLogDir(outDir, detached, cfg.name));
  routeChaincodeConsole();
  console.log(`chaincode logs (their console output): ${chaincodeLogs.dir}`);
  const net = await startEmbeddedNetwork(cfg, { chaincodeLogs });
  const connectionFile = join(outDir, 'connection.json');
  writeFileSync(connectionFile, `${JSON.stringify(net.connection, null, 2)}\n`, { mode: 0o600 });
  process.off('disconnect', parentGoneDuringStart);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Attached, the output folder is a temp folder of our own: take the key material with us even
    // when the parent died without cleaning up. Detached, networkDown() owns the state folder.
    if (!detached) rmSync(outDir, { recursive: true, force: true });
    net.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    // Never hang on the way out.
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (!detached) process.on('disconnect', stop);
  send({ type: 'ready', connectionFile, operationsUrl: net.operationsUrl, pid: process.pid });
  console.log(`embedded network "${cfg.name}" serving: ${net.connection.peers.map((p) => `${p.name} ${p.endpoint}`).join(', ')}; operations ${net.operationsUrl}`);
}

main().catch((err: unknown) => {
  const e = err as Error;
  // The whole problem, not its first line: a chaincode's load error goes on with its stack frame and log.
  const config = err instanceof ConfigError ? { file: err.file, field: err.field, problem: e.message.slice(err.file.length + err.field.length + 4, e.message.lastIndexOf('\n  fix: ')), fix: err.fix } : undefined;
  send({ type: 'error', message: e?.message ?? String(err), config });
  console.error(e?.stack ?? String(err));
  // Let the IPC message flush before exiting.
  setTimeout(() => process.exit(1), 50);
});
