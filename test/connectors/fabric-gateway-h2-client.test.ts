/**
 * h2-client.ts, the connector's own gRPC client over node:http2, against real grpc-js servers (the
 * wire protocol the Go peers speak too): answers, statuses with details, deadlines, limits, streams,
 * TLS with a name override, a server that is not there or goes away, and a connection that stops
 * answering PINGs.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type Http2ServiceError, Http2GrpcClient, type Http2Target, MessageReader } from '../../src/connectors/fabric-gateway/h2-client.ts';
import { createCa, issueCert } from '../../src/network/embedded/identities.ts';

const bytes = (b: Buffer): Buffer => b;
const unary = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: bytes,
  requestDeserialize: bytes,
  responseSerialize: bytes,
  responseDeserialize: bytes,
});
const bidi = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({ ...unary(path), requestStream: true, responseStream: true });

const servers: grpc.Server[] = [];
const clients: Http2GrpcClient[] = [];
const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) s.forceShutdown();
  for (const c of closers.splice(0)) c();
});

/** What the test server saw. */
interface Seen {
  cancelled: number;
  timeouts: Array<number | undefined>;
}

/** A grpc-js server with the test's methods; `creds` for TLS. */
async function server(creds = grpc.ServerCredentials.createInsecure(), port = 0): Promise<{ port: number; seen: Seen; server: grpc.Server }> {
  const seen: Seen = { cancelled: 0, timeouts: [] };
  const s = new grpc.Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  s.addService(
    { echo: unary('/t.T/Echo'), fail: unary('/t.T/Fail'), silent: unary('/t.T/Silent'), stream: bidi('/t.T/Stream') } as grpc.ServiceDefinition,
    {
      echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const deadline = call.getDeadline();
        seen.timeouts.push(deadline === Infinity ? undefined : Number(deadline) - Date.now());
        cb(null, call.request);
      },
      fail: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const metadata = new grpc.Metadata();
        metadata.set('grpc-status-details-bin', Buffer.from(call.request));
        cb({ code: grpc.status.ABORTED, details: 'chaincode said: no 100% ✗\nsecond line', metadata });
      },
      silent: (call: grpc.ServerUnaryCall<Buffer, Buffer>) => {
        call.on('cancelled', () => seen.cancelled++);
      },
      stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('cancelled', () => seen.cancelled++);
        call.on('data', (b: Buffer) => {
          const text = b.toString();
          if (text === 'end') call.end();
          else if (text === 'fail') call.emit('error', { code: grpc.status.NOT_FOUND, details: 'no such channel' });
          else call.write(Buffer.from(`echo ${text}`));
        });
      },
    },
  );
  const bound = await new Promise<number>((r, j) => s.bindAsync(`127.0.0.1:${port}`, creds, (e, p) => (e ? j(e) : r(p))));
  servers.push(s);
  return { port: bound, seen, server: s };
}

function client(target: Partial<Http2Target> & { endpoint: string }): Http2GrpcClient {
  const c = new Http2GrpcClient({ maxReceiveBytes: 100 * 1024 * 1024, maxSendBytes: 100 * 1024 * 1024, ...target });
  clients.push(c);
  return c;
}

function call(c: Http2GrpcClient, method: string, message: Buffer, deadline?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => c.makeUnaryRequest(method, bytes, bytes, message, { deadline }, (err, v) => (err ? reject(err) : resolve(v!))));
}

async function failure(p: Promise<unknown>): Promise<Http2ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as Http2ServiceError;
  }
  throw new Error('the call succeeded');
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

describe('unary calls', () => {
  test('an answer comes back byte for byte, and the deadline travels as grpc-timeout', async () => {
    const { port, seen } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    expect((await call(c, '/t.T/Echo', Buffer.from('hello'), Date.now() + 5000)).toString()).toBe('hello');
    expect(seen.timeouts[0]).toBeGreaterThan(4000);
    expect(seen.timeouts[0]).toBeLessThanOrEqual(5000);
    // Several MiB span many DATA frames both ways.
    const big = Buffer.alloc(5 * 1024 * 1024 + 3, 7);
    big[big.length - 1] = 9;
    expect((await call(c, '/t.T/Echo', big)).equals(big)).toBe(true);
    expect(seen.timeouts[1]).toBeUndefined();
  });

  test("20,000 calls on one connection, 50 at a time, all answered: finished streams are not reset (Node's server drops a connection after 1,000 invalid frames)", async () => {
    const { port } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    const request = Buffer.alloc(3000, 2);
    let started = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (started++ < 20_000) await call(c, '/t.T/Echo', request, Date.now() + 10_000).catch((err: Error) => failures.push(err.message));
      }),
    );
    expect(failures.slice(0, 3)).toEqual([]);
  });

  test('thousands of calls in flight on one connection, and thousands expiring at once: every one ends with its own status, none with the connection', async () => {
    const { port } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    const request = Buffer.alloc(3000, 5);
    const failures: string[] = [];
    // The silent calls stay open until their deadline, the echoes are answered meanwhile.
    const silent = Array.from({ length: 6000 }, () => failure(call(c, '/t.T/Silent', request, Date.now() + 3000)));
    const echoes = await Promise.all(Array.from({ length: 200 }, () => call(c, '/t.T/Echo', request, Date.now() + 20_000).catch((err: Error) => failures.push(err.message))));
    expect(failures.slice(0, 3)).toEqual([]);
    expect(echoes.every((a) => Buffer.isBuffer(a))).toBe(true);
    // The server ends them at the same deadline; had the client reset streams the server had closed,
    // the server would have dropped the connection after 1,000 and the rest would be UNAVAILABLE.
    const codes = new Map<number, number>();
    for (const err of await Promise.all(silent)) codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
    expect(Object.fromEntries(codes)).toEqual({ [grpc.status.DEADLINE_EXCEEDED]: 6000 });
    expect((await call(c, '/t.T/Echo', request, Date.now() + 5000)).length).toBe(3000);
  });

  test("a status is the server's: code, percent-decoded message and the binary details fabric-gateway reads", async () => {
    const { port } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    const details = Buffer.from([0, 1, 2, 250, 251]);
    const err = await failure(call(c, '/t.T/Fail', details));
    expect(err.code).toBe(grpc.status.ABORTED);
    expect(err.details).toBe('chaincode said: no 100% ✗\nsecond line');
    expect(err.message).toBe('10 ABORTED: chaincode said: no 100% ✗\nsecond line');
    expect(err.metadata.get('grpc-status-details-bin')).toEqual([details]);
  });

  test('a method the server does not have is UNIMPLEMENTED', async () => {
    const { port } = await server();
    const err = await failure(call(client({ endpoint: `127.0.0.1:${port}` }), '/t.T/Nope', Buffer.from('x')));
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  test('a server that does not answer: DEADLINE_EXCEEDED soon after the deadline, and the server sees the call end', async () => {
    const { port, seen } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    const t0 = Date.now();
    const err = await failure(call(c, '/t.T/Silent', Buffer.from('x'), Date.now() + 300));
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect.poll(() => seen.cancelled).toBe(1);
    // A deadline already past fails without a call.
    expect((await failure(call(c, '/t.T/Echo', Buffer.from('x'), Date.now() - 1))).code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  test('message size limits both ways, in the words the connector classifies', async () => {
    const { port } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}`, maxReceiveBytes: 1000, maxSendBytes: 2000 });
    const tooBigToSend = await failure(call(c, '/t.T/Echo', Buffer.alloc(2001)));
    expect(tooBigToSend).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'Sent message larger than max (2001 vs. 2000)' });
    const tooBigToTake = await failure(call(c, '/t.T/Echo', Buffer.alloc(1500)));
    expect(tooBigToTake).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'Received message larger than max (1500 vs. 1000)' });
    expect((await call(c, '/t.T/Echo', Buffer.alloc(1000, 1))).length).toBe(1000);
  });
});

describe('connections', () => {
  test('no server: UNAVAILABLE, at once for a second after the failure, then a new attempt reaches a server that came up', async () => {
    const port = await closedPort();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    await c.connect(1000);
    const first = await failure(call(c, '/t.T/Echo', Buffer.from('x'), Date.now() + 5000));
    expect(first.code).toBe(grpc.status.UNAVAILABLE);
    expect(first.details).toMatch(/ECONNREFUSED/);
    await server(undefined, port);
    // Within the back-off the call is refused without trying, with the reason of the last failure.
    const during = await failure(call(c, '/t.T/Echo', Buffer.from('x'), Date.now() + 5000));
    expect(during).toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(during.details).toMatch(/no connection to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(c, '/t.T/Echo', Buffer.from('back'), Date.now() + 5000)).toString()).toBe('back');
  });

  test('a server that goes away mid-call: UNAVAILABLE, and the next call opens a new connection', async () => {
    const first = await server();
    const c = client({ endpoint: `127.0.0.1:${first.port}` });
    const pending = failure(call(c, '/t.T/Silent', Buffer.from('x'), Date.now() + 10_000));
    await new Promise((r) => setTimeout(r, 200));
    first.server.forceShutdown();
    const err = await pending;
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    // No back-off: the connection was up, so the next call tries again at once.
    await server(undefined, first.port);
    expect((await call(c, '/t.T/Echo', Buffer.from('again'), Date.now() + 5000)).toString()).toBe('again');
  });

  test('TLS with the name in the certificate given as the server name; without it the handshake fails', async () => {
    const ca = await createCa('tlsca.test', 'test');
    const cert = await issueCert(ca, { commonName: 'peer0.org1.test', ou: 'peer', organization: 'test', altNames: ['peer0.org1.test'] });
    const creds = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cert.certPem), private_key: Buffer.from(cert.keyPem) }], false);
    const { port } = await server(creds);
    const named = client({ endpoint: `127.0.0.1:${port}`, tlsRootCertPem: ca.certPem, serverName: 'peer0.org1.test' });
    expect((await call(named, '/t.T/Echo', Buffer.from('secure'), Date.now() + 5000)).toString()).toBe('secure');
    const unnamed = client({ endpoint: `127.0.0.1:${port}`, tlsRootCertPem: ca.certPem });
    const err = await failure(call(unnamed, '/t.T/Echo', Buffer.from('x'), Date.now() + 5000));
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.details).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list|altnames/i);
  });

  test('a connection whose PINGs go unanswered is given up before the call deadline', async () => {
    const { port } = await server();
    // A TCP relay that can stop relaying, as a peer's host that vanished from the network would.
    let frozen = false;
    const sockets: Socket[] = [];
    const relay: NetServer = createServer((inbound) => {
      const outbound = connect(port, '127.0.0.1');
      sockets.push(inbound, outbound);
      inbound.on('data', (d) => frozen || outbound.write(d));
      outbound.on('data', (d) => frozen || inbound.write(d));
      inbound.on('error', () => {});
      outbound.on('error', () => {});
    });
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    closers.push(() => {
      for (const s of sockets) s.destroy();
      relay.close();
    });
    const c = client({ endpoint: `127.0.0.1:${(relay.address() as { port: number }).port}`, keepaliveMs: 100, keepaliveTimeoutMs: 300 });
    expect((await call(c, '/t.T/Echo', Buffer.from('x'), Date.now() + 5000)).toString()).toBe('x');
    frozen = true;
    const t0 = Date.now();
    const err = await failure(call(c, '/t.T/Echo', Buffer.from('y'), Date.now() + 20_000));
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.details).toMatch(/no PING answer within 300 ms/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('an idle client does not keep its process alive', async () => {
    const { port } = await server();
    const script = `
      import { Http2GrpcClient } from ${JSON.stringify(new URL('../../src/connectors/fabric-gateway/h2-client.ts', import.meta.url).pathname)};
      const c = new Http2GrpcClient({ endpoint: '127.0.0.1:${port}', maxReceiveBytes: -1, maxSendBytes: -1 });
      c.makeUnaryRequest('/t.T/Echo', (b) => b, (b) => b, Buffer.from('x'), { deadline: Date.now() + 5000 }, (err, v) => console.log(err ? err.message : v.toString()));
    `;
    const child = fork('--input-type=module', [], { execArgv: ['--import', 'tsx', '--input-type=module', '-e', script], stdio: 'pipe' });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const [code] = (await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(() => r(['hung']), 10_000))])) as [unknown];
    if (code === 'hung') child.kill();
    expect(code).toBe(0);
    expect(out.trim()).toBe('x');
  });
});

describe('streams', () => {
  test('messages both ways, then the server ends the stream: end', async () => {
    const { port } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    const s = c.makeBidiStreamRequest('/t.T/Stream', bytes, bytes);
    const got: string[] = [];
    s.on('data', (b: Buffer) => got.push(b.toString()));
    const ended = new Promise<string>((r) => {
      s.on('end', () => r('end'));
      s.on('error', (e) => r(`error ${e.message}`));
    });
    s.write(Buffer.from('a'));
    s.write(Buffer.from('b'));
    s.write(Buffer.from('end'));
    expect(await ended).toBe('end');
    expect(got).toEqual(['echo a', 'echo b']);
  });

  test('a status from the server is an error event; cancel() ends the stream on both sides', async () => {
    const { port, seen } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    const failing = c.makeBidiStreamRequest('/t.T/Stream', bytes, bytes);
    const err = new Promise<Http2ServiceError>((r) => failing.on('error', r));
    failing.write(Buffer.from('fail'));
    expect(await err).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such channel' });

    const cancelled = c.makeBidiStreamRequest('/t.T/Stream', bytes, bytes);
    const first = new Promise((r) => cancelled.once('data', r));
    const ended = new Promise<Http2ServiceError>((r) => cancelled.on('error', r));
    cancelled.write(Buffer.from('x'));
    await first;
    cancelled.cancel();
    expect((await ended).code).toBe(grpc.status.CANCELLED);
    await expect.poll(() => seen.cancelled).toBe(1);
  });

  test('an open stream alone keeps no deadline timer running (it would wake the worker ten times a second)', async () => {
    const { port } = await server();
    const c = client({ endpoint: `127.0.0.1:${port}` });
    const s = c.makeBidiStreamRequest('/t.T/Stream', bytes, bytes);
    s.on('error', () => {}); // CANCELLED when the client is closed after the test
    const first = new Promise((r) => s.once('data', r));
    s.write(Buffer.from('x'));
    await first;
    const timers = { set: vi.spyOn(globalThis, 'setInterval'), cleared: vi.spyOn(globalThis, 'clearInterval') };
    try {
      await call(c, '/t.T/Echo', Buffer.from('y'), Date.now() + 5000);
      expect(timers.set).toHaveBeenCalledTimes(1);
      expect(timers.cleared).toHaveBeenCalledWith(timers.set.mock.results[0].value);
    } finally {
      timers.set.mockRestore();
      timers.cleared.mockRestore();
    }
  });
});

describe('MessageReader', () => {
  const frame = (body: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);

  test('messages split across chunks and sharing chunks come out whole, in order', () => {
    const out: string[] = [];
    const reader = new MessageReader(-1, (m) => out.push(m.toString()));
    const wire = Buffer.concat([frame(Buffer.from('one')), frame(Buffer.from('')), frame(Buffer.from('three'))]);
    for (const cut of [[1, 4, 9], [0, 20], [2, 3, 5, 7, 11, 13]]) {
      out.length = 0;
      let at = 0;
      for (const end of [...cut, wire.length]) {
        expect(reader.push(wire.subarray(at, end))).toBeUndefined();
        at = end;
      }
      expect(out).toEqual(['one', '', 'three']);
    }
  });

  test('a compressed message is refused', () => {
    const reader = new MessageReader(-1, () => {});
    expect(reader.push(Buffer.from([1, 0, 0, 0, 1, 65]))).toMatchObject({ code: grpc.status.INTERNAL });
  });
});
