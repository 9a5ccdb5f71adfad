/**
 * Cutting a monitor's samples into rounds and folding one target's samples into a ResourceRow.
 */
import type { ResourceRow } from '../stats/types.ts';

/**
 * One sample of one target. CPU and memory are instantaneous; traffic and disc are running totals kept
 * by the monitor since it started (so a round's figure is last minus first). null = could not measure.
 */
export interface ResourceSample {
  /** Epoch ms at which the sample was taken. */
  at: number;
  /** CPU %, 100 = one core. */
  cpu: number | null;
  /** Memory in bytes. */
  mem: number | null;
  netIn: number | null;
  netOut: number | null;
  discRead: number | null;
  discWrite: number | null;
}

/** A sample that knows nothing: the target was missing or unreachable at that instant. */
export function unknownSample(at: number): ResourceSample {
  return { at, cpu: null, mem: null, netIn: null, netOut: null, discRead: null, discWrite: null };
}

/** Collects samples per target while a round is open and turns them into rows when it closes. */
export class RoundSamples {
  private startedAt: number | undefined;
  private readonly byTarget = new Map<string, { type: string; samples: ResourceSample[] }>();

  /** Open a round at `now` (epoch ms); samples recorded before this are dropped. */
  open(now: number = Date.now()): void {
    this.startedAt = now;
    this.byTarget.clear();
  }

  /** True while a round is open. */
  get isOpen(): boolean {
    return this.startedAt !== undefined;
  }

  /** Keep a sample of target `name` if a round is open; otherwise it only served the monitor's deltas. */
  record(type: string, name: string, sample: ResourceSample): void {
    if (this.startedAt === undefined) return;
    let entry = this.byTarget.get(name);
    if (!entry) {
      entry = { type, samples: [] };
      this.byTarget.set(name, entry);
    }
    entry.samples.push(sample);
  }

  /** Close the round and return one row per target seen in it, in the order they were first seen. */
  close(): ResourceRow[] {
    const start = this.startedAt ?? Date.now();
    const rows = [...this.byTarget].map(([name, { type, samples }]) => summarize(type, name, samples, start));
    this.startedAt = undefined;
    this.byTarget.clear();
    return rows;
  }
}

/**
 * Fold one target's samples of a round into a row: max/avg of CPU and memory over the samples that have
 * them; traffic and disc as the increase of their running totals. When no sample saw the target at all,
 * every figure is null (unknown), never 0.
 */
export function summarize(type: string, name: string, samples: ResourceSample[], roundStartMs: number): ResourceRow {
  const seen = samples.some((s) => s.cpu !== null || s.mem !== null);
  const cpu = maxAvg(samples.map((s) => s.cpu));
  const mem = maxAvg(samples.map((s) => s.mem));
  return {
    type,
    name,
    memoryMaxBytes: mem.max,
    memoryAvgBytes: mem.avg,
    cpuMaxPercent: cpu.max,
    cpuAvgPercent: cpu.avg,
    trafficInBytes: seen ? increase(samples.map((s) => s.netIn)) : null,
    trafficOutBytes: seen ? increase(samples.map((s) => s.netOut)) : null,
    discReadBytes: seen ? increase(samples.map((s) => s.discRead)) : null,
    discWriteBytes: seen ? increase(samples.map((s) => s.discWrite)) : null,
    series: samples.map((s) => ({
      t: Math.max(0, Math.round(s.at - roundStartMs) / 1000),
      cpu: s.cpu,
      mem: s.mem,
    })),
  };
}

function maxAvg(values: Array<number | null>): { max: number | null; avg: number | null } {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length === 0) return { max: null, avg: null };
  let max = known[0];
  let sum = 0;
  for (const v of known) {
    if (v > max) max = v;
    sum += v;
  }
  return { max, avg: sum / known.length };
}

/** Last known running total minus the first; null when no sample knew it. */
function increase(totals: Array<number | null>): number | null {
  const known = totals.filter((v): v is number => v !== null);
  if (known.length === 0) return null;
  return Math.max(0, known[known.length - 1] - known[0]);
}
