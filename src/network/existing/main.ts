/**
 * Entry point of the process that owns what `ledgerbench network up <profile>` set up on a network
 * someone else started, when the profile asks for a deployment:
 *   node --import tsx src/network/existing/main.ts <profile>
 * Runs what a benchmark run would (startNetwork: Caliper's start command, then the channel and
 * chaincode steps of deploy.ts), reports `ready` (or the error) over the IPC channel in the embedded
 * network's message shape, and keeps the chaincode processes it started until SIGTERM/SIGINT
 * (`ledgerbench network down`), when it stops them and runs Caliper's end command. Should this process
 * die without stopping, the supervisor's watchdog takes the chaincode processes down with it.
 */
import { ConfigError } from '../../config/errors.ts';
import type { NetworkProcessMessage } from '../embedded/main.ts';
import { startNetwork } from '../index.ts';
import { holdUntilStopped } from '../owner.ts';
import { clearServed, markServed } from './served.ts';

function send(msg: NetworkProcessMessage): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  if (!file) throw new Error('usage: main.ts <connection profile>');
  const handle = await startNetwork(file, { log: (line) => console.log(line) });
  holdUntilStopped(() => {
    clearServed(file, process.pid);
    return handle.stop();
  });
  // Runs against this profile now use what this process serves rather than deploying again.
  markServed(file, process.pid, handle.pids);
  send({ type: 'ready', connectionFile: file, operationsUrl: '', pid: process.pid });
  console.log(`${file}: set up; its chaincode processes (${handle.pids.map((p) => p.name).join(', ') || 'none'}) run until \`ledgerbench network down\``);
}

main().catch((err: unknown) => {
  const e = err as Error;
  const config = err instanceof ConfigError ? { file: err.file, field: err.field, problem: err.problem, fix: err.fix } : undefined;
  send({ type: 'error', message: e?.message ?? String(err), config });
  console.error(e?.stack ?? String(err));
  setTimeout(() => process.exit(1), 50);
});
