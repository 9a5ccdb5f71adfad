/**
 * The two Fabric connectors side by side (issue #8.4). Signing: fabric-common's signer (what
 * fabric-network 2.2 signs every proposal and envelope with: SHA-256 then ECDSA in JavaScript, low-S)
 * against the gateway connector's two signers. The same round: the seed's open round (v0.1 callback,
 * 2 workers, fixed rate) on one real Fabric 2.5.12 network (networks/fabric-2org.yaml, brought up
 * natively), through fabric-gateway and through fabric-legacy in turn, twice each, alternating, so
 * drift of a shared machine touches both alike. Figures per connector: throughput, latency
 * percentiles, and ledgerbench's own CPU per transaction (the workers' CPU while the round ran, from
 * RoundResult.workerUsage).
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { User } from 'fabric-common';
import { Bench } from 'tinybench';
import { normalizeRound } from '../src/config/round.ts';
import { newSigner, SIGNER_KINDS } from '../src/connectors/fabric-gateway/signer.ts';
import { writeCaliperProfile } from '../src/connectors/fabric-legacy/caliper-profile.ts';
import type { NetworkRef } from '../src/connectors/types.ts';
import { runRound } from '../src/engine/manager.ts';
import { createCa } from '../src/network/embedded/identities.ts';
import { startNetwork } from '../src/network/index.ts';
import type { RoundResult } from '../src/stats/types.ts';

type Figures = Record<string, number>;

/** A proposal is a few hundred bytes to a few KiB; 1 KiB stands in for it. */
const MESSAGE_BYTES = 1024;

/**
 * Signatures per second: fabric-common's signer (`fabric-common`) and the gateway connector's
 * (`node-crypto`, `sdk-default`), and the signing time of one transaction for each connector: both
 * sign twice (proposal, envelope), fabric-gateway with its default commit events (a third signature,
 * the commit-status request, only with `commitWait: status`).
 */
export async function benchConnectorSigning(timeMs = 500): Promise<Figures> {
  const id = await createCa('User1@org1.example.com', 'org1.example.com');
  const message = randomBytes(MESSAGE_BYTES);
  const bench = new Bench({ name: 'signers', time: timeMs, warmup: true });
  const legacy = User.createUser('bench', '', 'Org1MSP', id.certPem, id.keyPem).getSigningIdentity();
  bench.add('fabric-common', () => {
    legacy.sign(message, undefined);
  });
  for (const kind of SIGNER_KINDS) {
    const { signer, hash } = newSigner(kind, createPrivateKey(id.keyPem));
    bench.add(kind, async () => {
      await signer(hash(message));
    });
  }
  await bench.run();
  const out: Figures = {};
  for (const task of bench.tasks) {
    if (task.result.state !== 'completed') throw new Error(`signer ${task.name} did not complete: ${task.result.state}`);
    out[`${task.name}_signs_per_s`] = Math.round(task.result.throughput.mean);
  }
  out.legacy_signing_us_per_tx = Math.round((2 * 1e6) / out['fabric-common_signs_per_s']);
  out.gateway_node_crypto_signing_us_per_tx = Math.round((2 * 1e6) / out['node-crypto_signs_per_s']);
  return out;
}

/** Where the Fabric release archives are (as the tests look for them). */
const ARCHIVES = process.env.LEDGERBENCH_FABRIC_ARCHIVES ?? resolve(import.meta.dirname, '../../shared/fabric');

/**
 * The round both connectors run: 30 tps, below what this 2-core machine's network sustains (about 40
 * tps through fabric-gateway when 80 were offered), so both connectors are compared at the same load
 * rather than each at its own saturation.
 */
const ROUND: Parameters<typeof normalizeRound>[0] = { label: 'open', workload: 'open.js', workers: 2, txNumber: 300, rateControl: { type: 'fixed-rate', opts: { tps: 30 } }, arguments: { money: 100 } };

/**
 * Runs {@link ROUND} through both connectors on one Fabric 2.5.12 network. Uses FABRIC_BIN when set,
 * else unpacks fabric-2.5.12-linux-amd64.tar.xz from LEDGERBENCH_FABRIC_ARCHIVES (or ../shared/fabric)
 * into a temp folder.
 */
export async function benchConnectors(repeats = 2): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-bench-connectors-'));
  const savedBin = process.env.FABRIC_BIN;
  try {
    if (!savedBin) {
      const archive = join(ARCHIVES, 'fabric-2.5.12-linux-amd64.tar.xz');
      if (!existsSync(archive)) throw new Error(`${archive} is missing: set FABRIC_BIN to an unpacked Fabric 2.5 release or LEDGERBENCH_FABRIC_ARCHIVES to the folder with the archive`);
      execFileSync('tar', ['-xJf', archive, '-C', dir]);
      process.env.FABRIC_BIN = join(dir, '2.5.12');
    }
    const network = await startNetwork(resolve('networks/fabric-2org.yaml'));
    try {
      const refs: Record<string, NetworkRef> = {
        gateway: network.ref,
        legacy: { connector: 'fabric-legacy', file: writeCaliperProfile(network.ref.file!, join(dir, 'fabric-ccp.yaml')) },
      };
      const runs: Record<string, RoundResult[]> = { gateway: [], legacy: [] };
      let roundIndex = 0;
      for (let i = 0; i < repeats; i++) {
        for (const name of i % 2 === 0 ? ['gateway', 'legacy'] : ['legacy', 'gateway']) {
          const spec = normalizeRound(ROUND, { source: 'bench/connectors.bench.ts', field: '', baseDir: resolve('fixtures/seed-configs/benchmark/simple'), roundIndex: roundIndex++ });
          const r = await runRound(spec, { network: refs[name], runId: `bench-connectors-${i}` });
          process.stderr.write(`  ${name}: ${r.succeeded} ok ${r.failed} failed, ${r.throughput.toFixed(1)} tps, p50 ${r.latency.p50} p95 ${r.latency.p95} ms\n`);
          runs[name].push(r);
        }
      }
      const out: Figures = {};
      for (const [name, rs] of Object.entries(runs)) {
        const mean = (f: (r: RoundResult) => number) => Math.round((rs.reduce((s, r) => s + f(r), 0) / rs.length) * 10) / 10;
        out[`${name}_throughput_tps`] = mean((r) => r.throughput);
        out[`${name}_p50_ms`] = mean((r) => r.latency.p50);
        out[`${name}_p95_ms`] = mean((r) => r.latency.p95);
        out[`${name}_p99_ms`] = mean((r) => r.latency.p99);
        out[`${name}_failed`] = mean((r) => r.failed);
        // CPU while the round ran (roundCpuPercent over its elapsed time), over every worker.
        out[`${name}_cpu_ms_per_tx`] = mean((r) => ((r.workerUsage ?? []).reduce((s, u) => s + (u.roundCpuPercent / 100) * r.elapsedSec * 1000, 0)) / (r.succeeded + r.failed));
        // Whole worker lives: start-up (SDK import, connection, discovery) included.
        out[`${name}_worker_life_cpu_ms`] = mean((r) => (r.workerUsage ?? []).reduce((s, u) => s + u.cpuUserMs + u.cpuSystemMs, 0));
      }
      return out;
    } finally {
      await network.stop();
    }
  } finally {
    if (savedBin === undefined) delete process.env.FABRIC_BIN;
    rmSync(dir, { recursive: true, force: true });
  }
}
