/**
 * The client's CPU per transaction on a real Fabric 2.5 network (networks/fabric-2org.yaml), with the
 * fabric-gateway connector alone (no engine), and optionally a V8 CPU profile of it to split by stage
 * with bench/profile-summary.ts. Binaries: FABRIC_BIN (a Fabric release folder).
 *
 *   FABRIC_BIN=<release> npx tsx bench/profile-fabric.ts [--fn open|query] [--tps 100] [--count 1000] [--profile <dir>]
 *
 * The client runs in a child process (so its CPU is its own, and --cpu-prof writes when it exits),
 * opens 20 accounts to warm up, then sends `count` transactions at `tps` on an open schedule.
 */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createFabricGatewayConnector } from '../src/connectors/fabric-gateway/index.ts';
import type { NetworkRef } from '../src/connectors/types.ts';
import { openNetwork } from '../src/network/open.ts';

const { values } = parseArgs({
  options: {
    client: { type: 'string' },
    fn: { type: 'string', default: 'open' },
    tps: { type: 'string', default: '100' },
    count: { type: 'string', default: '1000' },
    profile: { type: 'string' },
  },
});

const WARM = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function client(ref: NetworkRef): Promise<void> {
  const connector = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, network: ref, txTimeoutMs: 30_000 });
  for (let i = 0; i < WARM; i++) await connector.submit({ contract: 'simple', fn: 'open', args: [`warm-${i}`, '1000'] });
  const count = Number(values.count);
  const tps = Number(values.tps);
  const query = values.fn === 'query';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sent = [];
  for (let i = 0; i < count; i++) {
    await sleep(t0 + (i * 1000) / tps - performance.now());
    sent.push(query ? connector.evaluate({ contract: 'simple', fn: 'query', args: [`warm-${i % WARM}`] }) : connector.submit({ contract: 'simple', fn: 'open', args: [`a-${i}`, '1000'] }));
  }
  const outcomes = await Promise.all(sent);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  await connector.close();
  const ok = outcomes.filter((o) => o.ok).length;
  const reasons = [...new Set(outcomes.flatMap((o) => (o.ok ? [] : [o.reason])))];
  console.log(JSON.stringify({ fn: values.fn, tps, ok, failed: count - ok, reasons, seconds: Math.round(seconds * 10) / 10, clientCpuMsPerTx: Math.round(((cpu.user + cpu.system) / 1000 / count) * 1000) / 1000 }));
}

async function main(): Promise<void> {
  if (values.client) return client(JSON.parse(values.client) as NetworkRef);
  if (!process.env.FABRIC_BIN) throw new Error('bench/profile-fabric.ts: set FABRIC_BIN to a Fabric 2.5 release folder (bin/ and config/)');
  const network = await openNetwork(resolve('networks/fabric-2org.yaml'));
  try {
    const prof = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] : [];
    const args = ['--client', JSON.stringify(network.ref), '--fn', values.fn!, '--tps', values.tps!, '--count', values.count!];
    const child = fork(process.argv[1], args, { execArgv: ['--import', 'tsx', ...prof] });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`the client exited with code ${code}`);
  } finally {
    await network.stop();
  }
}

await main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
