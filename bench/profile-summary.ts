/**
 * Splits a V8 CPU profile (node --cpu-prof, e.g. from bench/profile-embedded.ts with PROFILE_WORKER=1
 * or PROFILE_NETWORK=1) into the stages of a transaction: each sample goes to the stage of the
 * innermost frame that names one (by its script), so a native call (a socket write, an OpenSSL
 * sign) counts for the stage that made it.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile>... [--per N] [--last S]
 *
 * --per N: also µs per transaction for N transactions; --last S: only the last S seconds of samples
 * (the measured window, without start-up and module loading).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Stage of a frame by its script, or undefined when the frame says nothing (native, anonymous). */
export function stageOf(url: string, fn: string): string | undefined {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  // Native work no JavaScript frame asked for: HTTP/2 framing and TLS records in C++, libuv.
  if (fn === '(program)') return 'native, unattributed (C++ HTTP/2, TLS, libuv)';
  if (fn === '(root)') return 'idle';
  if (/signer\.ts$/.test(url) || /internal\/crypto\/sig/.test(url)) return 'signing';
  if (/node:(internal\/)?(tls|_tls)|internal\/tls/.test(url)) return 'TLS';
  if (/@grpc\/grpc-js/.test(url)) return 'gRPC (grpc-js)';
  if (/fabric-gateway\/h2-client\.[jt]s$/.test(url)) return 'gRPC (h2-client)';
  if (/node:(internal\/)?http2|internal\/http2/.test(url)) return 'HTTP/2 (node)';
  if (/node:net|internal\/stream_base_commons|node:internal\/streams/.test(url)) return 'sockets and streams (node)';
  if (/google-protobuf|@hyperledger\/fabric-protos/.test(url)) return 'protobuf';
  if (/@hyperledger\/fabric-gateway/.test(url)) return 'proposal build (fabric-gateway)';
  if (/internal\/crypto|node:crypto/.test(url)) return 'hashing and ids (node:crypto)';
  if (/\/src\//.test(url) && !/node_modules/.test(url)) return 'our code';
  if (/node_modules/.test(url)) return 'other libraries';
  if (url.startsWith('node:')) return 'node internals (timers, promises, ...)';
  return undefined;
}

/** ms of samples per stage (idle included; callers drop it); `lastS`: only samples of the profile's last `lastS` seconds. */
export function summarize(profile: Profile, lastS = Number.POSITIVE_INFINITY): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const stage = new Map<number, string>();
  const visit = (id: number, inherited: string): void => {
    const n = byId.get(id)!;
    const own = stageOf(n.callFrame.url, n.callFrame.functionName) ?? inherited;
    stage.set(id, own);
    for (const c of n.children ?? []) visit(c, own === 'idle' ? 'node internals (timers, promises, ...)' : own);
  };
  visit(profile.nodes[0].id, 'idle');
  const out = new Map<string, number>();
  const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (totalUs - at > lastS * 1e6) return;
    const s = stage.get(id) ?? 'unknown';
    out.set(s, (out.get(s) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return out;
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string' }, last: { type: 'string' } } });
  const per = values.per ? Number(values.per) : undefined;
  for (const file of positionals) {
    const stages = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, values.last ? Number(values.last) : undefined);
    stages.delete('idle');
    const total = [...stages.values()].reduce((a, b) => a + b, 0);
    console.log(`${file}: ${total.toFixed(0)} ms busy${per ? `, ${((total / per) * 1000).toFixed(0)} µs per transaction` : ''}`);
    for (const [s, ms] of [...stages].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${s.padEnd(40)} ${((ms / total) * 100).toFixed(1).padStart(5)} %${per ? `  ${((ms / per) * 1000).toFixed(0).padStart(5)} µs/tx` : ''}`);
    }
  }
}
