/**
 * Hand-built results shaped like a real four-round Fabric run: a clean round with resources and
 * Prometheus metrics, a query round, a round with MVCC conflicts and a failed expectation, and a round
 * whose worker crashed.
 */
import type { RunReport } from '../../src/report/types.ts';
import type { LatencyStats, ResourceRow, RoundResult, SecondPoint } from '../../src/stats/types.ts';

export function latency(count: number, base: number, tail = 1): LatencyStats {
  if (count === 0) return { count: 0, min: 0, max: 0, avg: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  return {
    count,
    min: base * 0.4,
    p50: base,
    p75: base * 1.3,
    p90: base * 1.7 * tail,
    p95: base * 2.1 * tail,
    p99: base * 3.2 * tail,
    p999: base * 4.5 * tail,
    max: base * 6.1 * tail,
    avg: base * 1.15,
  };
}

/** Per-second points of a round sending `rate` tx/s with `failEvery` failures a second. */
export function series(seconds: number, rate: number, base: number, failEvery = 0): SecondPoint[] {
  return Array.from({ length: seconds }, (_, s) => {
    const wobble = 1 + 0.15 * Math.sin(s / 2);
    return {
      second: s,
      sent: rate,
      succeeded: Math.max(0, Math.round(rate * wobble) - failEvery),
      failed: failEvery,
      p50: base * wobble,
      p95: base * 2.1 * wobble,
      p99: base * 3.2 * wobble,
    };
  });
}

function resource(type: string, name: string, memMiB: number | null, cpu: number | null, seconds: number): ResourceRow {
  return {
    type,
    name,
    memoryMaxBytes: memMiB === null ? null : memMiB * 1.1 * 1024 * 1024,
    memoryAvgBytes: memMiB === null ? null : memMiB * 1024 * 1024,
    cpuMaxPercent: cpu === null ? null : cpu * 1.6,
    cpuAvgPercent: cpu,
    trafficInBytes: type === 'Docker' ? 701_235 : null,
    trafficOutBytes: type === 'Docker' ? 521_318 : null,
    discReadBytes: type === 'Docker' ? 0 : null,
    discWriteBytes: type === 'Docker' ? 1_363_148 : null,
    series: Array.from({ length: seconds }, (_, t) => ({
      t,
      cpu: cpu === null ? null : cpu * (1 + 0.5 * Math.sin(t)),
      mem: memMiB === null ? null : memMiB * 1024 * 1024 * (1 + t / 200),
    })),
  };
}

const base = {
  schemaVersion: 1 as const,
  workers: 2,
  model: 'open' as const,
  trim: 0,
  phases: {},
  expectations: [],
};

export const openRound: RoundResult = {
  ...base,
  label: 'open',
  description: 'Create accounts',
  roundIndex: 0,
  rateControl: { type: 'fixed-rate', opts: { tps: 50 } },
  txNumber: 1000,
  startedAt: '2026-11-22T10:00:02.000Z',
  elapsedSec: 20.4,
  succeeded: 1000,
  failed: 0,
  failuresByReason: {},
  sendRate: 50.1,
  throughput: 49.0,
  caliperThroughput: 49.0,
  latency: latency(1000, 110),
  correctedLatency: latency(1000, 112),
  sendLateness: latency(1000, 0.4),
  phases: { endorse: latency(1000, 12), order: latency(1000, 60), commit: latency(1000, 38) },
  series: series(20, 50, 110),
  resources: [
    resource('Process', 'node worker.js (worker 0)', 88, 21.5, 20),
    resource('Process', 'node worker.js (worker 1)', 91, 22.1, 20),
    resource('Docker', 'peer0.org1.example.com', 186.9, 19.63, 20),
    resource('Docker', 'dev-peer0.org1.example.com-simple-v0-6a9f8c1e2d', 5.3, null, 20),
  ],
  metrics: [
    {
      source: 'prometheus',
      metric: 'endorser_proposal_duration',
      labels: { chaincode: 'simple', channel: 'mychannel' },
      kind: 'histogram',
      value: { count: 1000, sum: 11.9, p50: 0.011, p95: 0.024, p99: 0.033 },
    },
    { source: 'prometheus', metric: 'ledger_blockchain_height', labels: { channel: 'mychannel' }, kind: 'gauge', value: { max: 212, avg: 160.5 } },
    { source: 'prometheus', metric: 'ledger_transaction_count', labels: {}, kind: 'counter', value: { increase: 1000 } },
  ],
  expectations: [
    { matcher: 'toHaveSuccessRateAbove', expected: '> 99%', actual: '100%', pass: true },
    { matcher: 'toHaveThroughputAbove', expected: '> 45 TPS', actual: '49.0 TPS', pass: true },
  ],
};

export const queryRound: RoundResult = {
  ...base,
  label: 'query',
  roundIndex: 1,
  workers: 2,
  rateControl: { type: 'fixed-rate', opts: { tps: 100 } },
  txNumber: 1000,
  startedAt: '2026-11-22T10:00:24.000Z',
  elapsedSec: 10.1,
  succeeded: 1000,
  failed: 0,
  failuresByReason: {},
  sendRate: 101.0,
  throughput: 99.0,
  caliperThroughput: 99.0,
  latency: latency(1000, 3.2),
  series: series(10, 100, 3.2),
  expectations: [],
};

export const conflictRound: RoundResult = {
  ...base,
  label: 'transfer',
  description: 'Transfers between 10 hot accounts',
  roundIndex: 2,
  workers: 4,
  rateControl: { type: 'fixed-load', opts: { transactionLoad: 20 } },
  model: 'closed',
  txDuration: 30,
  trim: 2,
  startedAt: '2026-11-22T10:00:36.000Z',
  elapsedSec: 28.3,
  succeeded: 2650,
  failed: 352,
  failuresByReason: { MVCC_READ_CONFLICT: 310, PHANTOM_READ_CONFLICT: 30, 'timeout after 30000 ms': 12 },
  sendRate: 106.1,
  throughput: 93.6,
  caliperThroughput: 106.0,
  latency: latency(2650, 240, 1.8),
  phases: { endorse: latency(3002, 14), order: latency(2990, 150, 1.5), commit: latency(2990, 70) },
  series: series(28, 106, 240, 12),
  conflicts: {
    byCode: { MVCC_READ_CONFLICT: 310, PHANTOM_READ_CONFLICT: 30 },
    hotKeys: [
      { key: 'account_0007', count: 121, readers: ['transfer', 'balance'], writers: ['transfer'] },
      { key: 'account_0003', count: 88, readers: ['transfer'], writers: ['transfer'] },
      { key: 'account_0001', count: 61, readers: ['transfer'], writers: ['transfer', 'mint'] },
    ],
    source: 'embedded-validator',
  },
  expectations: [
    { matcher: 'toHaveSuccessRateAbove', expected: '> 99%', actual: '88.3%', pass: false },
    { matcher: 'toHaveP95LatencyBelow', expected: '< 2 s', actual: '907.20 ms', pass: true },
  ],
};

export const abortedRound: RoundResult = {
  ...base,
  label: 'mint',
  roundIndex: 3,
  rateControl: { type: 'linear-rate', opts: { startingTps: 10, finishingTps: 200 } },
  txDuration: 60,
  startedAt: '2026-11-22T10:01:06.000Z',
  elapsedSec: 7.9,
  succeeded: 412,
  failed: 3,
  failuresByReason: { 'worker exited': 3 },
  sendRate: 52.4,
  throughput: 51.8,
  caliperThroughput: 52.2,
  latency: latency(412, 95),
  correctedLatency: latency(412, 95, 9),
  sendLateness: latency(412, 40, 20),
  series: series(8, 52, 95),
  aborted: {
    reason: 'worker 1 exited unexpectedly',
    workerIndex: 1,
    exitCode: 1,
    signal: null,
    stderrTail: "TypeError: Cannot read properties of undefined (reading 'submit')\n    at MintWorkload.submitTransaction (workloads/mint.ts:41:17)",
  },
};

export function runReport(rounds: RoundResult[] = [openRound, queryRound, conflictRound, abortedRound]): RunReport {
  return {
    schemaVersion: 1,
    tool: 'ledgerbench',
    toolVersion: '0.1.0',
    startedAt: '2026-11-22T10:00:00.000Z',
    finishedAt: '2026-11-22T10:01:15.500Z',
    name: 'simple',
    rounds,
    config: {
      benchmark: { test: { name: 'simple', workers: { type: 'local', number: 2 }, rounds: rounds.map((r) => ({ label: r.label })) } },
      network: {
        name: 'Fabric',
        organizations: { Org1: { mspid: 'Org1MSP', adminPrivateKey: { pem: '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----\n' } } },
      },
    },
    environment: {
      hostname: 'ci-runner-7',
      platform: 'linux 6.1.0',
      arch: 'x64',
      cpus: 'Intel(R) Xeon(R) CPU @ 2.20GHz',
      cpuCount: 2,
      totalMemoryBytes: 25_769_803_776,
      node: 'v20.20.0',
      versions: { ledgerbench: '0.1.0', '@hyperledger/fabric-gateway': '1.11.0' },
    },
  };
}

/** A PEM private key as an SDK error message might quote it (never a real key). */
export const QUOTED_KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';

/**
 * A run of two test files as Vitest runs them: round indexes restart at 0 in each file, and each round
 * says which file and test it came from. The second file's transfer round left transactions
 * unsettled and kept sample failure messages; the first round's metrics include a chaincode the round
 * never called.
 */
export function twoFileReport(cwd: string): RunReport {
  const file = (name: string) => `${cwd}/perf/${name}`;
  const open: RoundResult = {
    ...openRound,
    roundIndex: 0,
    origin: { file: file('accounts.perf.ts'), test: 'accounts > open holds 50 tps' },
    metrics: [
      ...openRound.metrics!,
      { source: 'prometheus', metric: 'endorser_proposal_duration', labels: { chaincode: 'marbles', channel: 'mychannel' }, kind: 'histogram', value: { count: 0, sum: 0, avg: null, p50: null, p95: null, p99: null } },
      { source: 'prometheus', metric: 'endorser_proposals_received', labels: { chaincode: 'marbles' }, kind: 'counter', value: { increase: 0 } },
    ],
  };
  const query: RoundResult = { ...queryRound, roundIndex: 1, origin: { file: file('accounts.perf.ts'), test: 'accounts > query holds 100 tps' } };
  const transfer: RoundResult = {
    ...conflictRound,
    roundIndex: 0,
    origin: { file: file('transfer.perf.ts'), test: 'transfer under contention' },
    failed: 352,
    failuresByReason: { MVCC_READ_CONFLICT: 300, unfinished: 40, 'endorse: chaincode error': 12 },
    unfinished: 40,
    interrupted: 7,
    failureSamples: {
      'endorse: chaincode error': [
        'transaction 4f2a... endorse failed: chaincode response 500, account_0007 has insufficient funds',
        `10 ABORTED: failed to endorse transaction, see attached details for more info; profile said ${QUOTED_KEY}`,
        'x'.repeat(2000),
        'a fourth message beyond the limit',
      ],
    },
  };
  const mint: RoundResult = { ...abortedRound, roundIndex: 1, origin: { file: file('transfer.perf.ts'), test: 'mint ramps up' } };
  return runReport([open, query, transfer, mint]);
}
