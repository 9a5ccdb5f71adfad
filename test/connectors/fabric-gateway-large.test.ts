/**
 * Responses larger than grpc-js's 4 MiB default, and endorsements that differ, through the connector
 * and the real embedded network (a gRPC Gateway server in its own process), with the
 * fixtures/chaincode/large-payload chaincode.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createFabricGatewayConnector } from '../../src/connectors/fabric-gateway/index.ts';
import type { Connector, NetworkRef } from '../../src/connectors/types.ts';
import type { ConnectionFile } from '../../src/network/embedded/network.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';

const FOUR_MIB = 4 * 1024 * 1024;
const chaincode = resolve(import.meta.dirname, '../../fixtures/chaincode/large-payload');

let dir: string;
let handle: NetworkHandle;
let conn: ConnectionFile;
const connectors: Connector[] = [];

async function open(ref: NetworkRef): Promise<Connector> {
  const c = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, txTimeoutMs: 20_000, network: ref });
  connectors.push(c);
  return c;
}

/** A Fabric connection profile (test-network shape) for the embedded network's first peer. */
async function profileFor(grpcOptions: string): Promise<string> {
  const peer = conn.peers[0];
  const id = conn.identities.find((i) => i.mspId === peer.mspId)!;
  await writeFile(join(dir, 'user.pem'), id.certPem);
  await writeFile(join(dir, 'user_sk'), id.keyPem, { mode: 0o600 });
  const file = join(dir, `profile-${connectors.length}.yaml`);
  await writeFile(
    file,
    `name: embedded-as-profile
version: 1.0.0
organizations:
  Org1:
    mspid: ${peer.mspId}
    peers: [${peer.name}]
peers:
  ${peer.name}:
    url: grpc://${peer.endpoint}
    grpcOptions:
${grpcOptions}
ledgerbench:
  channel: mychannel
  identities:
    - { mspId: ${id.mspId}, certPath: user.pem, keyPath: user_sk }
`,
  );
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-fgw-large-'));
  const file = join(dir, 'network.yaml');
  await writeFile(
    file,
    `type: embedded
name: large-payload
organizations:
  - { mspId: Org1MSP, users: 1 }
  - { mspId: Org2MSP, users: 1 }
orderer:
  batchSize: { maxMessageCount: 10 }
  batchTimeout: 100ms
channels:
  - name: mychannel
    chaincodes:
      - { name: large, path: ${chaincode}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')" }
      - { name: large-both, path: ${chaincode}, endorsementPolicy: "AND('Org1MSP.peer','Org2MSP.peer')" }
`,
  );
  handle = await startNetwork(file);
  conn = JSON.parse(await readFile(handle.ref.file!, 'utf8')) as ConnectionFile;
  // 50 assets of 100 kB, written 10 to a transaction: a batch read of all of them is ~5 MB.
  const c = await open(handle.ref);
  for (let from = 0; from < 50; from += 10) {
    expect(await c.submit({ contract: 'large', fn: 'writeBatch', args: ['big', String(from), '10', '100000'] })).toMatchObject({ ok: true });
  }
}, 120_000);

afterAll(async () => {
  for (const c of connectors) await c.close();
  await handle?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('message size limits are Fabric client limits (100 MiB), not grpc-js defaults', () => {
  test('a batch read of 50 x 100 kB assets (> 4 MiB) succeeds as evaluate and as submit', async () => {
    const c = await open(handle.ref);
    const ev = await c.evaluate({ contract: 'large', fn: 'readBatch', args: ['big', '50'] });
    expect(ev.reason).toBeUndefined();
    expect(ev.ok).toBe(true);
    expect(ev.payload!.length).toBeGreaterThan(FOUR_MIB);
    expect((JSON.parse(Buffer.from(ev.payload!).toString()) as unknown[]).length).toBe(50);
    // Endorse returns the result inside the prepared transaction: the same limit applies.
    const sub = await c.submit({ contract: 'large', fn: 'readBatch', args: ['big', '50'] });
    expect(sub).toMatchObject({ ok: true });
    expect(sub.payload!.length).toBeGreaterThan(FOUR_MIB);
  });

  test("a profile's grpcOptions set the limit, in the Fabric SDKs' spelling too", async () => {
    // 20 x 100 kB = 2 MB: under grpc-js's 4 MiB default, over the 1 MiB the profile asks for.
    const small = await open({ connector: 'fabric-gateway', file: await profileFor('      grpc-max-receive-message-length: 1048576') });
    const out = await small.evaluate({ contract: 'large', fn: 'readBatch', args: ['big', '20'] });
    expect(out).toMatchObject({ ok: false, stage: 'evaluate', reason: 'evaluate: RESOURCE_EXHAUSTED (message size limit)' });
    expect(out.message).toMatch(/larger than max/);
    const dotted = await open({ connector: 'fabric-gateway', file: await profileFor('      grpc.max_receive_message_length: 1048576') });
    expect(await dotted.evaluate({ contract: 'large', fn: 'readBatch', args: ['big', '20'] })).toMatchObject({ ok: false });
    const unlimited = await open({ connector: 'fabric-gateway', file: await profileFor('      grpc-max-receive-message-length: -1') });
    expect(await unlimited.evaluate({ contract: 'large', fn: 'readBatch', args: ['big', '50'] })).toMatchObject({ ok: true });
  });

  test('a bad size in grpcOptions is a ConfigError naming the field', async () => {
    const file = await profileFor('      grpc-max-send-message-length: 100MB');
    await expect(open({ connector: 'fabric-gateway', file })).rejects.toThrow(
      /peers\.peer0\.org1\.example\.com\.grpcOptions\.grpc-max-send-message-length: must be a size in bytes/,
    );
  });
});

describe('differing endorsements', () => {
  test('two endorsers returning different results: reason endorse: endorsement mismatch', async () => {
    const c = await open(handle.ref);
    const out = await c.submit({ contract: 'large-both', fn: 'random', args: [] });
    expect(out).toMatchObject({ ok: false, stage: 'endorse', reason: 'endorse: endorsement mismatch' });
  });
});
