/**
 * The floor under issue #3: CPU that a bare @grpc/grpc-js unary call costs on this machine (client
 * and server in one process, raw bytes, no protobuf), with the channel options the embedded network
 * and the fabric-gateway connector use. A Fabric transaction makes three such calls (Endorse, Submit,
 * CommitStatus), so three times this figure is spent on transport before any Fabric work.
 *
 *   npx tsx bench/profile-grpc.ts [--calls N] [--inflight N] [--bytes N] [--rounds N]
 */
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    inflight: { type: 'string', default: '200' },
    bytes: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '2' },
  },
});

const identity = (b: Buffer): Buffer => b;
const method: grpc.MethodDefinition<Buffer, Buffer> = {
  path: '/bench.Echo/Call',
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
};

async function measure(label: string, options: grpc.ChannelOptions): Promise<void> {
  const server = new grpc.Server(options);
  const reply = Buffer.alloc(Number(values.bytes), 1);
  server.addService({ call: method } as grpc.ServiceDefinition, {
    call: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, reply),
  });
  const port = await new Promise<number>((r, j) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))));
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
  const request = Buffer.alloc(Number(values.bytes), 2);
  const one = (): Promise<void> =>
    new Promise((r, j) =>
      client.makeUnaryRequest(method.path, identity, identity, request, { deadline: Date.now() + 30_000 }, (e) => (e ? j(e) : r())),
    );
  const total = Number(values.calls);
  const run = async (n: number): Promise<void> => {
    let left = n;
    const loop = async (): Promise<void> => {
      while (left-- > 0) await one();
    };
    await Promise.all(Array.from({ length: Number(values.inflight) }, loop));
  };
  await run(2000); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(total);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  console.log(
    `${label.padEnd(34)} ${(((cpu.user + cpu.system) / total) | 0).toString().padStart(4)} us CPU/call (client+server)  ${Math.round(total / (wall / 1000))} calls/s on one thread`,
  );
  client.close();
  server.forceShutdown();
}

const variants: Array<[string, grpc.ChannelOptions]> = [
  ['defaults', {}],
  ['channelz off', { 'grpc.enable_channelz': 0 }],
  ['channelz off, 4 MiB client window', { 'grpc.enable_channelz': 0, 'grpc-node.flow_control_window': 4 << 20 }],
];
// Interleaved rounds: the machine is shared, so compare figures of the same round.
for (let round = 0; round < Number(values.rounds); round++) for (const [label, options] of variants) await measure(label, options);
