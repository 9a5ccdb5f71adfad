/**
 * `npm run bench -- gate` (issue 10.4): how the regression gate behaves on this machine against the
 * embedded network. Per trial, four sides run interleaved, one round of each in turn (the order
 * rotating), `repeats` times: A and A' (the same chaincode call), T (the chaincode slower by a ninth
 * of A's mean latency: a closed-model round loses 10% of its throughput) and P (slower by a tenth of
 * A's p95: p95 rises 10%). A against A' counts false alarms (on throughput or p95), A against T
 * throughput detections, A against P p95 detections, judged with the gate's own statistics. Each trial
 * is judged again with its first 5, 10, 20, ... repeats a side and with margins of 1% to 10%, so one
 * run shows what each setting reaches and costs. A stored baseline is judged too: the previous
 * trial's A, measured minutes before and not interleaved, against this trial's sides. The delays are sized from warm-up rounds; the
 * changes actually measured are reported beside the rates.
 *
 * Bounded time: 4 + 4 x trials x repeats rounds of `TX` transactions at load 8; with the defaults (20
 * trials, 40 repeats) 3,204 rounds: ~1.2 s each on an idle 2-core machine (~65 minutes), more on a
 * loaded one. GATE_TRIALS, GATE_REPEATS and GATE_TX (transactions a round) override the sizes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareMetric, type Margin, parseMargins } from '../src/baseline/compare.ts';
import { repeatFigures } from '../src/baseline/repeat.ts';
import { median, ratioInterval } from '../src/baseline/statistics.ts';
import type { RepeatFigures } from '../src/baseline/types.ts';
import { normalizeRound } from '../src/config/round.ts';
import { runRound } from '../src/engine/manager.ts';
import { localLauncher } from '../src/engine/worker-channel.ts';
import { WorkerPool } from '../src/engine/worker-pool.ts';
import { openNetwork } from '../src/network/open.ts';

/** The margins evaluated, in percent: each is used as throughput '-m%' and p95 '+m%'. */
const MARGINS_PCT = [1, 2, 5, 10];
/** Repeats a side evaluated: the first k of each side's repeats in every trial, up to GATE_REPEATS. */
const REPEAT_STEPS = [5, 10, 20, 30, 40];
const TX = Number(process.env.GATE_TX ?? 300);
const LOAD = 8;
/** The chaincode's own wait in A: the part of the transaction a slower chaincode would stretch. */
const BASE_DELAY_MS = 20;

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * The embedded network with the gate-delay chaincode, one transaction a block (no batch-timeout
 * waits, whose quantisation would hide a small change) and signature checks on, as networks/embedded.yaml.
 */
function networkFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lb-gate-net-'));
  const file = join(dir, 'network.yaml');
  const chaincode = resolve('fixtures/chaincode/gate-delay');
  writeFileSync(
    file,
    JSON.stringify({
      type: 'embedded',
      name: 'gate',
      tls: false,
      verifySignatures: true,
      organizations: [{ mspId: 'Org1MSP', peers: 1, users: 2 }],
      orderer: { batchSize: { maxMessageCount: 1, absoluteMaxBytes: 103809024, preferredMaxBytes: 2097152 }, batchTimeout: '20ms' },
      channels: [{ name: 'mychannel', chaincodes: [{ name: 'gate-delay', path: chaincode, endorsementPolicy: "OR('Org1MSP.peer')" }] }],
    }),
  );
  return file;
}


type Sides = Record<'a' | 'a2' | 'tp' | 'p95', RepeatFigures[]>;
interface Counts {
  alarms: number;
  throughput: number;
  p95: number;
}
/** Counts by repeats a side, then by margin in percent. */
type Tally = Map<number, Map<number, Counts>>;

const SETTINGS = MARGINS_PCT.map((pct) => ({ pct, margins: parseMargins({ throughput: `-${pct}%`, p95: `+${pct}%` }) }));

function judge(m: Margin, x: RepeatFigures[], y: RepeatFigures[]) {
  return compareMetric(m, x.map((f) => f[m.metric]), y.map((f) => f[m.metric]));
}

/**
 * Judges one comparison of each kind at every setting, adding to `tally`: A (from `base`) against
 * A', T and P (from `candidate`), with the first k repeats of each. Returns the ratios at full size.
 */
function tallyTrial(tally: Tally, base: Sides, candidate: Sides): { aa: number[]; tp: number; p95: number } {
  for (const [k, byPct] of tally) {
    const first = (xs: RepeatFigures[]) => xs.slice(0, k);
    for (const { pct, margins } of SETTINGS) {
      const metric = (name: string): Margin => margins.find((m) => m.metric === name) as Margin;
      const counts = byPct.get(pct) as Counts;
      const aa = margins.map((m) => judge(m, first(base.a), first(candidate.a2)));
      const tp = judge(metric('throughput'), first(base.a), first(candidate.tp));
      const p95 = judge(metric('p95'), first(base.a), first(candidate.p95));
      if (aa.some((c) => c.verdict === 'regression')) counts.alarms++;
      if (tp.verdict === 'regression') counts.throughput++;
      if (p95.verdict === 'regression') counts.p95++;
    }
  }
  const ratio = (key: 'throughput' | 'p95', x: RepeatFigures[], y: RepeatFigures[]) => ratioInterval(x.map((f) => f[key]), y.map((f) => f[key])).ratio;
  return { aa: [ratio('throughput', base.a, candidate.a2), ratio('p95', base.a, candidate.a2)], tp: ratio('throughput', base.a, candidate.tp), p95: ratio('p95', base.a, candidate.p95) };
}

function newTally(steps: number[]): Tally {
  return new Map(steps.map((k) => [k, new Map(MARGINS_PCT.map((pct) => [pct, { alarms: 0, throughput: 0, p95: 0 }]))]));
}

/** The tally as figures: `<prefix>r<k>_m<pct>_<rate>`. */
function rateFigures(prefix: string, tally: Tally, comparisons: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, byPct] of tally) {
    for (const [pct, c] of byPct) {
      out[`${prefix}r${k}_m${pct}_false_alarm_rate`] = round3(c.alarms / comparisons);
      out[`${prefix}r${k}_m${pct}_detection_throughput`] = round3(c.throughput / comparisons);
      out[`${prefix}r${k}_m${pct}_detection_p95`] = round3(c.p95 / comparisons);
    }
  }
  return out;
}

/** Runs the calibration and returns its figures for bench/results.json. */
export async function benchGate(trials = Number(process.env.GATE_TRIALS ?? 20), repeats = Number(process.env.GATE_REPEATS ?? 40)): Promise<Record<string, number>> {
  const file = networkFile();
  const network = await openNetwork(file);
  const pool = new WorkerPool(localLauncher);
  let roundIndex = 0;
  const roundSeconds: number[] = [];
  const run = async (delayMs: number): Promise<RepeatFigures> => {
    const spec = normalizeRound(
      { label: `gate ${delayMs} ms`, txNumber: TX, trim: 20, rateControl: { type: 'fixed-load', opts: { transactionLoad: LOAD } }, workload: resolve('fixtures/chaincode/gate-delay/workload.ts'), arguments: { delayMs } },
      { source: 'bench/gate.bench.ts', field: '', baseDir: process.cwd(), roundIndex: roundIndex++ },
    );
    const t0 = performance.now();
    const r = await runRound(spec, { network: network.ref, runId: 'gate', pool });
    roundSeconds.push((performance.now() - t0) / 1000);
    if (r.aborted || r.failed > 0) throw new Error(`gate bench round failed: ${r.aborted?.reason ?? JSON.stringify(r.failuresByReason)}`);
    return repeatFigures(r);
  };
  const steps = [...new Set([...REPEAT_STEPS.filter((k) => k < repeats), repeats])];
  // Interleaved: A against the other sides of its own trial, as A/B mode measures.
  const interleaved = newTally(steps);
  // Stored baseline: the previous trial's A (minutes earlier, the first trial's from the last) against
  // this trial's other sides, as a baseline recorded before the candidate runs.
  const stored = newTally(steps);
  const all: Sides[] = [];
  const injected = { throughput: [] as number[], p95: [] as number[] };
  // Deviations of ln(figure) of the A and A' rounds from their trial's mean: the repeat-to-repeat noise
  // the gate has to see through (within trials, so slow drift between trials does not count).
  const noise = { throughput: [] as number[], p95: [] as number[] };
  try {
    // Warm-up (JIT, connections, the chaincode's first calls), then A's mean and p95, which size the delays.
    await run(BASE_DELAY_MS);
    const warm = [await run(BASE_DELAY_MS), await run(BASE_DELAY_MS), await run(BASE_DELAY_MS)];
    const tpExtra = round3(median(warm.map((w) => w.avg)) / 9);
    const p95Extra = round3(median(warm.map((w) => w.p95)) / 10);
    const delays = { a: BASE_DELAY_MS, a2: BASE_DELAY_MS, tp: BASE_DELAY_MS + tpExtra, p95: BASE_DELAY_MS + p95Extra };
    const order = Object.keys(delays) as Array<keyof Sides>;
    process.stderr.write(`bench gate: T adds ${tpExtra} ms, P adds ${p95Extra} ms to the chaincode; ${trials} trials x ${repeats} repeats\n`);
    for (let t = 0; t < trials; t++) {
      const sides: Sides = { a: [], a2: [], tp: [], p95: [] };
      for (let i = 0; i < repeats; i++) {
        // The order rotates, so each side takes every place in turn: none always runs after a change.
        for (let j = 0; j < order.length; j++) {
          const side = order[(i + j) % order.length];
          sides[side].push(await run(delays[side]));
        }
      }
      all.push(sides);
      for (const key of ['throughput', 'p95'] as const) {
        const logs = [...sides.a, ...sides.a2].map((f) => Math.log(f[key]));
        const mean = sum(logs) / logs.length;
        noise[key].push(...logs.map((v) => v - mean));
      }
      const ratios = tallyTrial(interleaved, sides, sides);
      injected.throughput.push(ratios.tp);
      injected.p95.push(ratios.p95);
      const sofar = [...(interleaved.get(repeats) as Map<number, Counts>)].map(([pct, c]) => `${pct}%: ${c.alarms}/${c.throughput}/${c.p95}`).join(', ');
      process.stderr.write(`bench gate: trial ${t + 1}/${trials}: A/A ${ratios.aa.map((r) => r.toFixed(3)).join(' ')}; T ${ratios.tp.toFixed(3)}; P ${ratios.p95.toFixed(3)}; so far at ${repeats} repeats (alarms/T found/P found) ${sofar}\n`);
    }
    for (let t = 0; t < all.length && all.length > 1; t++) tallyTrial(stored, all[(t + all.length - 1) % all.length], all[t]);
  } finally {
    await pool.close();
    await network.stop();
    rmSync(join(file, '..'), { recursive: true, force: true });
  }
  const perRound = median(roundSeconds);
  const cost: Record<string, number> = {};
  for (const k of steps) {
    // A pull request's gate runs the candidate's repeats against a stored baseline; an A/B job runs both.
    cost[`r${k}_perf_seconds_per_comparison`] = round3(perRound * k);
    cost[`r${k}_perf_seconds_per_ab_comparison`] = round3(perRound * k * 2);
  }
  return {
    trials,
    repeats,
    load_average_at_end: round3(loadavg()[0]),
    injected_throughput_ratio_median: round3(median(injected.throughput)),
    injected_p95_ratio_median: round3(median(injected.p95)),
    // Standard deviation of a repeat's figure around its trial's mean, in percent (of ln, pooled).
    repeat_noise_throughput_pct: round3(100 * Math.sqrt(sum(noise.throughput.map((d) => d * d)) / Math.max(noise.throughput.length - trials, 1))),
    repeat_noise_p95_pct: round3(100 * Math.sqrt(sum(noise.p95.map((d) => d * d)) / Math.max(noise.p95.length - trials, 1))),
    round_seconds_median: round3(perRound),
    ...cost,
    ...rateFigures('', interleaved, trials),
    ...rateFigures('stored_', stored, trials),
    wall_seconds: round3(sum(roundSeconds)),
  };
}
