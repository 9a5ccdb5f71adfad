/**
 * Commit detection from filtered blocks: the connector and the real fabric-gateway client against the
 * embedded network's own Gateway and Deliver services (in this process, so that the test can count
 * the CommitStatus calls and the block streams each peer serves), and against a peer whose Deliver
 * service refuses the identity (FORBIDDEN) or is missing (UNIMPLEMENTED), as Fabric peers do.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadNetworkFile } from '../../src/config/network-file.ts';
import { createFabricGatewayConnector, parseGatewayOptions } from '../../src/connectors/fabric-gateway/index.ts';
import type { Connector, TxOutcome } from '../../src/connectors/types.ts';
import { deliverService, deliverServiceDefinition, encodeDeliverStatus } from '../../src/network/embedded/deliver.ts';
import { gatewayService, gatewayServiceDefinition } from '../../src/network/embedded/gateway.ts';
import { type RunningNetwork, startEmbeddedNetwork } from '../../src/network/embedded/network.ts';

const chaincode = (name: string) => resolve(import.meta.dirname, '../../fixtures/chaincode', name);

let dir: string;
const networks: RunningNetwork[] = [];
const servers: grpc.Server[] = [];
const connectors: Connector[] = [];

async function network(name: string, maxMessageCount: number, batchTimeout: string): Promise<RunningNetwork> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `type: embedded
name: ${name}
verifySignatures: true
organizations:
  - { mspId: Org1MSP, users: 1 }
  - { mspId: Org2MSP, users: 1 }
orderer:
  batchSize: { maxMessageCount: ${maxMessageCount} }
  batchTimeout: ${batchTimeout}
channels:
  - name: mychannel
    chaincodes:
      - { name: simple, path: ${chaincode('simple')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')" }
      - { name: counter, path: ${chaincode('counter')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')" }
`,
  );
  const net = await startEmbeddedNetwork(loadNetworkFile(file) as Parameters<typeof startEmbeddedNetwork>[0]);
  networks.push(net);
  return net;
}

/** What one test peer has served. */
interface Served {
  commitStatus: number;
  streamsOpened: number;
  streamsOpen: number;
  /** Ends every block stream from the server side, as a peer going away would. */
  endStreams(): void;
}

/**
 * Org1's peer of `net` on a server of its own: the network's real Gateway service (counting its
 * CommitStatus calls) and a Deliver service that is the network's own (`real`), refuses every seek
 * with FORBIDDEN as a peer's channel ACL would (`forbidden`), or is not there (`none`). Returns the
 * connection file that points at it.
 */
async function peerFile(net: RunningNetwork, deliver: 'real' | 'forbidden' | 'none'): Promise<{ file: string; served: Served }> {
  const peer = net.core.peersByOrg.get('Org1MSP')![0];
  const server = new grpc.Server();
  const calls = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  const served: Served = {
    commitStatus: 0,
    streamsOpened: 0,
    streamsOpen: 0,
    endStreams: () => {
      for (const c of calls) c.end();
    },
  };
  const gw = gatewayService(net.core, peer, 'test-peer');
  server.addService(gatewayServiceDefinition(), {
    ...gw,
    commitStatus: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      served.commitStatus++;
      (gw.commitStatus as grpc.handleUnaryCall<unknown, unknown>)(call, cb);
    },
  });
  if (deliver !== 'none') {
    const real = deliverService(net.core);
    server.addService(deliverServiceDefinition(), {
      ...real,
      deliverFiltered: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        served.streamsOpened++;
        served.streamsOpen++;
        calls.add(call);
        let counted = true;
        const gone = () => {
          if (counted) served.streamsOpen--;
          counted = false;
          calls.delete(call);
        };
        call.on('cancelled', gone);
        call.on('finish', gone);
        if (deliver === 'forbidden') call.on('data', () => call.write(encodeDeliverStatus(403)));
        else (real.deliverFiltered as grpc.handleBidiStreamingCall<unknown, unknown>)(call);
      },
    });
  }
  const port = await new Promise<number>((ok, fail) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))));
  servers.push(server);
  const conn = { ...net.connection, peers: [{ ...net.connection.peers[0], endpoint: `127.0.0.1:${port}`, tlsRootCertPem: undefined }], identities: net.connection.identities.filter((i) => i.mspId === 'Org1MSP') };
  const file = join(dir, `peer-${servers.length}.json`);
  await writeFile(file, JSON.stringify(conn), { mode: 0o600 });
  return { file, served };
}

async function open(file: string, options: Record<string, unknown> = {}, txTimeoutMs = 10_000): Promise<Connector> {
  const c = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, txTimeoutMs, network: { connector: 'fabric-gateway', file, options } });
  connectors.push(c);
  return c;
}

const unique = (p: string) => `${p}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const opens = (c: Connector, n: number): Promise<TxOutcome[]> => Promise.all(Array.from({ length: n }, () => c.submit({ contract: 'simple', fn: 'open', args: [unique('acct'), '10'] })));
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

// One block per transaction, cut inside the Submit call: each block is on its way to the client
// before the Submit answer is.
let eager: RunningNetwork;
// Blocks cut only by a 1 s timeout: transactions wait long enough for a stream to break under them.
let slow: RunningNetwork;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-fgw-events-'));
  eager = await network('events-eager', 1, '2s');
  slow = await network('events-slow', 500, '1s');
});

afterAll(async () => {
  for (const c of connectors) await c.close();
  for (const s of servers) s.forceShutdown();
  for (const n of networks) await n.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('commitWait: events (the default)', () => {
  test('commits are seen on one block stream, with no CommitStatus call, even when the block comes before the Submit answer', async () => {
    const { file, served } = await peerFile(eager, 'real');
    const c = await open(file);
    const outs = await opens(c, 6);
    expect(outs.map((o) => o.ok)).toEqual([true, true, true, true, true, true]);
    for (const o of outs) expect(Object.keys(o.phases ?? {})).toEqual(['endorse', 'order', 'commit']);
    expect(served).toMatchObject({ commitStatus: 0, streamsOpened: 1 });
  });

  test('a validation code comes from the filtered block: MVCC_READ_CONFLICT', async () => {
    const { file, served } = await peerFile(eager, 'real');
    const c = await open(file);
    let outs: TxOutcome[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const key = unique('hot');
      // Both endorsed against the same version before either commits: the later one conflicts.
      outs = await Promise.all([1, 2].map(() => c.submit({ contract: 'counter', fn: 'increment', args: [key] })));
      if (outs.some((o) => !o.ok)) break;
    }
    expect(outs.filter((o) => o.ok)).toHaveLength(1);
    expect(outs.find((o) => !o.ok)).toMatchObject({ stage: 'commit', reason: 'MVCC_READ_CONFLICT', validationCode: 'MVCC_READ_CONFLICT' });
    expect(served.commitStatus).toBe(0);
  });

  test('closing the connector closes its block stream', async () => {
    const { file, served } = await peerFile(eager, 'real');
    const c = await open(file);
    expect((await opens(c, 1))[0].ok).toBe(true);
    expect(served.streamsOpen).toBe(1);
    await c.close();
    await until(() => served.streamsOpen === 0);
    expect(served.streamsOpen).toBe(0);
  });

  test('a stream that breaks while transactions wait: they are answered by CommitStatus, and the stream is reopened for later ones', async () => {
    const { file, served } = await peerFile(slow, 'real');
    const c = await open(file);
    const pending = opens(c, 3);
    await until(() => slow.core.channels.get('mychannel')!.cutter.pending === 3);
    served.endStreams();
    const outs = await pending;
    expect(outs.map((o) => o.ok)).toEqual([true, true, true]);
    expect(served.commitStatus).toBe(3);
    // The next transaction starts the reopen and, while it is under way, asks CommitStatus itself.
    expect((await opens(c, 1))[0].ok).toBe(true);
    expect(served).toMatchObject({ commitStatus: 4, streamsOpened: 2, streamsOpen: 1 });
    expect((await opens(c, 2)).every((o) => o.ok)).toBe(true);
    expect(served.commitStatus).toBe(4);
  });

  test('no block before the deadline: timeout: commit', async () => {
    const { file, served } = await peerFile(slow, 'real');
    const c = await open(file, {}, 10_000);
    const out = await c.submit({ contract: 'simple', fn: 'open', args: [unique('late'), '1'], timeoutMs: 400 });
    expect(out).toMatchObject({ ok: false, stage: 'timeout', reason: 'timeout: commit' });
    expect(served.commitStatus).toBe(0);
  });
});

describe('falling back to CommitStatus', () => {
  test('commitWait: status opens no stream and asks CommitStatus for each transaction', async () => {
    const { file, served } = await peerFile(eager, 'real');
    const c = await open(file, { commitWait: 'status' });
    expect((await opens(c, 3)).every((o) => o.ok)).toBe(true);
    expect(served).toMatchObject({ commitStatus: 3, streamsOpened: 0 });
  });

  test('an identity the peer does not let read blocks (FORBIDDEN), said once on stderr', async () => {
    const { file, served } = await peerFile(eager, 'forbidden');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let warned: unknown[][] = [];
    const c = await open(file).finally(() => {
      warned = [...warn.mock.calls];
      warn.mockRestore();
    });
    expect(warned).toEqual([[expect.stringMatching(/no block stream for channel mychannel \(the peer answered status 403 \(FORBIDDEN\)\); commits are asked for with CommitStatus/)]]);
    expect((await opens(c, 3)).every((o) => o.ok)).toBe(true);
    expect(served).toMatchObject({ commitStatus: 3, streamsOpened: 1 });
    await until(() => served.streamsOpen === 0);
    expect(served.streamsOpen).toBe(0);
  });

  test('a peer without the Deliver service (UNIMPLEMENTED)', async () => {
    const { file, served } = await peerFile(eager, 'none');
    const c = await open(file);
    expect((await opens(c, 2)).every((o) => o.ok)).toBe(true);
    expect(served.commitStatus).toBe(2);
  });

  test('an unknown commitWait names the option and the choices', () => {
    expect(() => parseGatewayOptions('net.yaml', { commitWait: 'block' })).toThrow(ConfigError);
    expect(() => parseGatewayOptions('net.yaml', { commitWait: 'block' })).toThrow(/options\.commitWait.*unknown commit wait "block"[\s\S]*events, status/);
  });

  test('an unknown transport names the option and the choices; http2 is the default', () => {
    expect(() => parseGatewayOptions('net.yaml', { transport: 'grpc' })).toThrow(/options\.transport.*unknown transport "grpc"[\s\S]*http2, grpc-js/);
    expect(parseGatewayOptions('net.yaml', {}).transport).toBe('http2');
  });
});
