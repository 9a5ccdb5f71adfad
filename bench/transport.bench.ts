/**
 * Issue #12: what one gRPC call costs the client through each of the connector's transports
 * (grpc-js, and h2-client.ts over node:http2), against a grpc-js echo server in another process, and
 * what this machine charges a process for waking up at all. The second is the floor under every
 * per-transaction CPU figure measured at a modest rate: a timer callback that does nothing costs
 * far more CPU at 100 wake-ups a second than at 1,000, as the cores drop into idle between them.
 *
 * `npx tsx bench/transport.bench.ts --echo-server` is the server process (started by the bench).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { median } from '../src/baseline/statistics.ts';
import { Http2GrpcClient } from '../src/connectors/fabric-gateway/h2-client.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;
const bytes = (b: Buffer): Buffer => b;
const METHOD = '/bench.Echo/Call';
/** About an Endorse request's size (a proposal with one argument and the creator's certificate). */
const MESSAGE_BYTES = 3000;

/** CPU microseconds of this process per `n` things done while `work` ran. */
async function cpuPer(n: number, work: () => Promise<void>): Promise<number> {
  const c0 = process.cpuUsage();
  await work();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

/** CPU a timer wake-up that does nothing costs, at `rate` a second for `seconds`. */
function wakeupCost(rate: number, seconds: number): Promise<number> {
  const n = rate * seconds;
  return cpuPer(n, () => new Promise<void>((done) => {
    let i = 0;
    const timer = setInterval(() => {
      if (++i >= n) {
        clearInterval(timer);
        done();
      }
    }, 1000 / rate);
  }));
}

type Call = () => Promise<void>;

/** `n` calls with `inflight` outstanding at a time. */
const closedLoop = (call: Call, n: number, inflight: number) => async () => {
  let started = 0;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (started++ < n) await call();
  }));
};

/** Calls sent at `rate` a second for `seconds`, each on its own timer tick, as a rate controller does. */
const paced = (call: Call, rate: number, seconds: number) => async () => {
  const t0 = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = t0 + (i * 1000) / rate - performance.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    pending.push(call());
  }
  await Promise.all(pending);
};

function echoServer(): void {
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  const reply = Buffer.alloc(MESSAGE_BYTES, 1);
  const method = { path: METHOD, requestStream: false, responseStream: false, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes };
  server.addService({ call: method } as grpc.ServiceDefinition, { call: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, reply) });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => process.send?.(err ? { error: err.message } : { port }));
}

/**
 * Figures: `wakeup_us_at_<rate>_per_s`; `unary_<grpcjs|http2>_{closed,rate_200}_us_per_call` (the
 * median of `repeats` measurements, the transports alternating); `unary_http2_to_grpcjs_*` ratios.
 */
export async function benchTransport(repeats = 3): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const rate of [100, 1000]) out[`wakeup_us_at_${rate}_per_s`] = round2(await wakeupCost(rate, 5));

  const server: ChildProcess = fork(import.meta.filename, ['--echo-server'], { execArgv: process.execArgv });
  try {
    const [hello] = (await once(server, 'message')) as [{ port?: number; error?: string }];
    if (!hello.port) throw new Error(`bench transport: the echo server did not start: ${hello.error}`);
    const endpoint = `127.0.0.1:${hello.port}`;
    const request = Buffer.alloc(MESSAGE_BYTES, 2);
    const grpcJs = new grpc.Client(endpoint, grpc.credentials.createInsecure(), { 'grpc.enable_channelz': 0 });
    const http2 = new Http2GrpcClient({ endpoint, maxReceiveBytes: -1, maxSendBytes: -1 });
    const calls: Record<'grpcjs' | 'http2', Call> = {
      grpcjs: () => new Promise((ok, fail) => grpcJs.makeUnaryRequest(METHOD, bytes, bytes, request, { deadline: Date.now() + 10_000 }, (e) => (e ? fail(e) : ok()))),
      http2: () => new Promise((ok, fail) => http2.makeUnaryRequest(METHOD, bytes, bytes, request, { deadline: Date.now() + 10_000 }, (e) => (e ? fail(e) : ok()))),
    };
    const seen: Record<string, number[]> = {};
    try {
      for (const call of Object.values(calls)) await closedLoop(call, 3000, 50)(); // connections and JIT warm
      for (let i = 0; i < repeats; i++) {
        for (const [kind, call] of Object.entries(calls)) {
          (seen[`unary_${kind}_closed_us_per_call`] ??= []).push(await cpuPer(20_000, closedLoop(call, 20_000, 50)));
          (seen[`unary_${kind}_rate_200_us_per_call`] ??= []).push(await cpuPer(1600, paced(call, 200, 8)));
        }
      }
    } finally {
      grpcJs.close();
      http2.close();
    }
    for (const [k, xs] of Object.entries(seen)) out[k] = round2(median(xs));
    for (const mode of ['closed', 'rate_200']) out[`unary_http2_to_grpcjs_${mode}`] = round2(out[`unary_http2_${mode}_us_per_call`] / out[`unary_grpcjs_${mode}_us_per_call`]);
  } finally {
    server.kill();
  }
  return out;
}

if (process.argv.includes('--echo-server')) echoServer();
