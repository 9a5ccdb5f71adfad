/**
 * Vitest global setup of a ledgerbench project: brings the network up once for the whole run, hands
 * its connection details to the test files, and brings it down at the end, also when tests fail; an
 * interrupted run takes it down when Vitest exits. In A/B mode a second network comes up from the
 * other checkout's copy of the network file (its chaincode), beside this checkout's.
 */
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { openNetwork } from '../network/open.ts';
import type { NetworkHandle } from '../network/types.ts';
import { otherCheckoutFile } from './ab-checkout.ts';
import { type AbSide, CONTEXT_KEY, OPTIONS_KEY } from './context.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const options = project.getProvidedContext()[OPTIONS_KEY];
  const log = (line: string) => process.stderr.write(`[ledgerbench] ${line}\n`);
  log(`starting network ${options.network}`);
  const handle: NetworkHandle = await openNetwork(options.network, { log });
  let other: NetworkHandle | undefined;
  let ab: AbSide | undefined;
  if (options.ab) {
    try {
      const file = otherCheckoutFile(options.network, options.ab, 'network file');
      log(`A/B mode: starting the other checkout's network ${file}`);
      other = await openNetwork(file, { log });
      ab = { root: options.ab, network: other.ref, networkFile: file, networkProcesses: other.pids, metricsUrls: other.metricsUrls };
    } catch (err) {
      await handle.stop();
      throw err;
    }
  }
  // No signal handler of its own: on Ctrl-C the network must outlive the workers' last completions
  // (the reporter holds Vitest for them). It runs in its own process group and exits when Vitest does.
  project.provide(CONTEXT_KEY, {
    network: handle.ref,
    networkFile: options.network,
    runId: randomBytes(3).toString('hex'),
    networkProcesses: handle.pids,
    metricsUrls: handle.metricsUrls,
    monitor: options.monitor,
    ...(ab ? { ab } : {}),
  });
  return async () => {
    await Promise.all([handle.stop(), other?.stop()]);
  };
}
