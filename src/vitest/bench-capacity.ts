/** benchCapacity(): find the highest rate the network sustains within a service level, inside a test. */
import { dirname } from 'node:path';
import { expect, inject, TestRunner } from 'vitest';
import { type BenchRoundOptions, normalizeRound } from '../config/round.ts';
import { type CapacityPoint, type CapacityResult, type CapacitySearch, searchCapacity } from '../engine/capacity.ts';
import { durationOrNaN } from '../stats/format.ts';
import type { RoundResult } from '../stats/types.ts';
import { runSpecInTest } from './bench-round.ts';
import { CONTEXT_KEY } from './context.ts';
import type { LatencyLimit } from './matchers.ts';

/** Options of {@link benchCapacity}: a round without its length and rate, plus the search. */
export interface BenchCapacityOptions extends Omit<BenchRoundOptions, 'txNumber' | 'txDuration' | 'rateControl' | 'trim'> {
  /** The service level each rate must hold. */
  slo: { p95?: LatencyLimit; p99?: LatencyLimit; successRate?: number; keepUp?: number };
  /** Seconds each rate runs (default 10); its first second is warm-up, left out of the figures. */
  stepDuration?: number;
  /** Start rate, growth, resolution, repeats (see CapacitySearch). */
  search?: CapacitySearch;
}

/** The capacity and its curve, with every round that was run to find it. */
export interface BenchCapacityResult extends CapacityResult {
  rounds: RoundResult[];
}

let searchesInThisFile = 0;

const limit = (v: LatencyLimit | undefined, name: string) => {
  if (v === undefined) return undefined;
  const ms = durationOrNaN(v);
  if (!(ms > 0)) throw new TypeError(`benchCapacity: slo.${name} must be milliseconds or a duration such as '2s', got ${JSON.stringify(v)}`);
  return ms;
};

/**
 * Runs open-model rounds at rising rates (then bisects) until it knows the highest offered rate at
 * which the service level holds, prints the curve, and returns it. Each step is a round of its own in
 * the reports (`<label> @ <rate> tps`).
 *
 * @example
 * const c = await benchCapacity({ label: 'open', workload: './workloads/open.ts', slo: { p95: '2s' } });
 * expect(c.capacityTps).toBeGreaterThan(200);
 */
export async function benchCapacity(options: BenchCapacityOptions): Promise<BenchCapacityResult> {
  const ctx = inject(CONTEXT_KEY);
  if (!ctx) throw new Error("benchCapacity() runs only in a ledgerbench project: add ledgerbench({ network: 'networks/embedded.yaml' }) to test.projects in vitest.config.ts");
  const testFile = TestRunner.getCurrentTest()?.file?.filepath ?? expect.getState().testPath ?? process.cwd();
  const { slo, stepDuration = 10, search = {}, ...round } = options;
  const level = { p95Ms: limit(slo.p95, 'p95'), p99Ms: limit(slo.p99, 'p99'), successRate: slo.successRate, keepUp: slo.keepUp };
  const base = searchesInThisFile++ * 1000;
  const rounds: RoundResult[] = [];
  const log = (line: string) => process.stderr.write(`[ledgerbench] ${line}\n`);
  const runAt = async (tps: number, attempt: number) => {
    const spec = normalizeRound(
      { ...round, label: `${options.label} @ ${tps} tps`, txDuration: stepDuration, trim: stepDuration > 2 ? 1 : 0, rateControl: { type: 'fixed-rate', opts: { tps } } },
      { source: testFile, field: '', baseDir: dirname(testFile), roundIndex: 10_000 + base + attempt },
    );
    const result = await runSpecInTest(spec, ctx, ctx.monitor, testFile);
    rounds.push(result);
    return result;
  };
  const result = await searchCapacity(level, search, runAt, (p) => log(`capacity '${options.label}': ${describePoint(p)}`));
  process.stdout.write(`\n${capacityTable(options.label, result)}\n`);
  return { ...result, rounds };
}

function describePoint(p: CapacityPoint): string {
  return `${p.offeredTps} tps offered -> ${p.throughput.toFixed(1)} tps, p95 ${p.p95Ms.toFixed(1)} ms: ${p.holds ? 'holds' : `fails (${p.broken})`}`;
}

/** The curve as a plain table: offered rate, throughput, p95, p99, success, verdict. */
export function capacityTable(label: string, r: CapacityResult): string {
  const rows = r.points.map((p) => [String(p.offeredTps), p.throughput.toFixed(1), p.p95Ms.toFixed(1), p.p99Ms.toFixed(1), `${(p.successRate * 100).toFixed(2)}%`, p.holds ? 'holds' : `fails: ${p.broken}`]);
  const head = ['offered tps', 'throughput', 'p95 ms', 'p99 ms', 'success', 'verdict'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const verdict = r.capacityTps > 0 ? `capacity of '${label}': ${r.capacityTps} tps${r.failedTps ? ` (${r.failedTps} tps failed)` : ''}` : `'${label}': even ${r.points[0]?.offeredTps} tps failed`;
  return [verdict, line(head), ...rows.map(line)].join('\n');
}
