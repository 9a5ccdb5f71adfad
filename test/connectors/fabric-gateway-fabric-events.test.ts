/**
 * Commit detection against real Fabric 2.5.12 (networks/fabric-2org.yaml, brought up from the release
 * binaries): with commitWait events the peer's own gRPC metrics count no CommitStatus call, with
 * status one per transaction, and every transaction commits either way.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createFabricGatewayConnector } from '../../src/connectors/fabric-gateway/index.ts';
import { metricsUrlOf } from '../../src/monitors/types.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';
import { type UnpackedFabric, unpackFabric } from '../fabric/support.ts';

let fabric: UnpackedFabric;
let network: NetworkHandle | undefined;
const savedFabricBin = process.env.FABRIC_BIN;

beforeAll(async () => {
  fabric = unpackFabric('2.5.12');
  process.env.FABRIC_BIN = fabric.root;
  network = await startNetwork(resolve(import.meta.dirname, '../../networks/fabric-2org.yaml'));
}, 120_000);

afterAll(async () => {
  await network?.stop();
  fabric?.remove();
  if (savedFabricBin === undefined) delete process.env.FABRIC_BIN;
  else process.env.FABRIC_BIN = savedFabricBin;
});

/** CommitStatus calls every peer has received so far, from Fabric's grpc_server_unary_requests_received. */
async function commitStatusCalls(): Promise<number> {
  let total = 0;
  for (const url of network!.metricsUrls) {
    const text = await (await fetch(metricsUrlOf(url))).text();
    const line = text.split('\n').find((l) => l.startsWith('grpc_server_unary_requests_received{') && l.includes('method="CommitStatus"') && l.includes('service="gateway_Gateway"'));
    if (line) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

test('events: commits seen on the block stream, no CommitStatus call; status: one per transaction', async () => {
  const counts: Record<string, number> = {};
  for (const commitWait of ['events', 'status']) {
    const c = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, txTimeoutMs: 20_000, network: { ...network!.ref, options: { commitWait } } });
    try {
      const before = await commitStatusCalls();
      const outs = await Promise.all(Array.from({ length: 8 }, (_, i) => c.submit({ contract: 'simple', fn: 'open', args: [`fab-${commitWait}-${process.pid}-${i}`, '10'] })));
      expect(outs.map((o) => o.ok)).toEqual(Array(8).fill(true));
      counts[commitWait] = (await commitStatusCalls()) - before;
    } finally {
      await c.close();
    }
  }
  expect(counts).toEqual({ events: 0, status: 8 });
}, 120_000);
