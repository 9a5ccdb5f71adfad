/**
 * Writing the reports stays linear in their input: a Caliper round with a few MiB of inline
 * `arguments` once took about eight minutes to write, because redact()'s URL-password pattern was
 * tried from every letter of every string and ran to the end of each run of letters (quadratic).
 *
 * No absolute time limit (the machine is shared): the same writer is timed on 1 MiB and on 4 MiB of
 * arguments in one run, and 4x the input must cost well under 16x (quadratic) the time. Each size is
 * timed three times and the fastest kept, so a stall of the machine does not decide the verdict.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { redact, writeReports } from '../../src/report/index.ts';
import type { RunReport } from '../../src/report/types.ts';
import { runReport } from './fixtures.ts';

const MiB = 1024 * 1024;

/**
 * Workload arguments of about `mib` MiB in the shapes benchmark files carry: a long base64 blob and a
 * long run of letters (a preloaded asset, a generated payload) and many small asset records.
 */
function bigArguments(mib: number): Record<string, unknown> {
  const quarter = (mib * MiB) / 4;
  const assets = Array.from({ length: Math.round(quarter / 80) }, (_, i) => ({ id: `asset_${i}`, owner: 'Tomoko', color: 'blue', size: i, appraisedValue: 300 + i }));
  return {
    payload: Buffer.alloc((quarter * 3) / 4, 7).toString('base64'),
    letters: 'abcdefgh'.repeat(quarter / 8),
    url: 'https://admin:adminpw@ca.org1.example.com:7054',
    assets,
  };
}

function reportWith(mib: number): RunReport {
  const report = runReport();
  report.config.benchmark = { test: { name: 'big', rounds: [{ label: 'create', txNumber: 10, workload: { module: 'create.js', arguments: bigArguments(mib) } }] } };
  return report;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-report-linear-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Fastest of three runs of `work`, in ms. */
async function fastest(work: () => Promise<unknown> | unknown): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await work();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Below this a measurement is mostly timer and scheduler noise, so a ratio of two says nothing. */
const NOISE_FLOOR_MS = 20;

/**
 * Times `work` on inputs growing 4x a step, from 16 KiB to 4 MiB, and returns the time ratios of the
 * steps that could be judged. It stops at the first step that grew 8x or more: a quadratic writer
 * (16x a step) then fails within seconds instead of spending minutes on the larger inputs.
 */
async function growth(work: (mib: number) => Promise<unknown> | unknown): Promise<Array<{ from: number; to: number; ratio: number }>> {
  const sizes = [1 / 64, 1 / 16, 1 / 4, 1, 4];
  const ratios: Array<{ from: number; to: number; ratio: number }> = [];
  let previous = await fastest(() => work(sizes[0]));
  for (let i = 1; i < sizes.length; i++) {
    const now = await fastest(() => work(sizes[i]));
    if (previous >= NOISE_FLOOR_MS || i === sizes.length - 1) {
      ratios.push({ from: sizes[i - 1], to: sizes[i], ratio: now / previous });
      if (now / previous >= 8) break;
    }
    previous = now;
  }
  return ratios;
}

describe('reports with multi-MiB round arguments', () => {
  test('redact() costs about 4x, not 16x, for 4x the arguments, up to 4 MiB', async () => {
    const inputs = new Map([1 / 64, 1 / 16, 1 / 4, 1, 4].map((mib) => [mib, reportWith(mib).config]));
    const ratios = await growth((mib) => redact(inputs.get(mib)));
    expect(ratios.at(-1)?.to).toBe(4);
    for (const r of ratios) expect(r.ratio, `${r.from} MiB -> ${r.to} MiB (all steps: ${JSON.stringify(ratios)})`).toBeLessThan(8);
    // The URL's password is still removed, the letters and records kept.
    const out = redact(inputs.get(4)) as { benchmark: { test: { rounds: Array<{ workload: { arguments: ReturnType<typeof bigArguments> } }> } } };
    const args = out.benchmark.test.rounds[0].workload.arguments;
    expect(args.url).toBe('https://admin:[REDACTED]@ca.org1.example.com:7054');
    expect(args.letters).toHaveLength(MiB);
  }, 120_000);

  test('writing results.json, report.html and summary.md costs about 4x, not 16x, for 4x the arguments, up to 4 MiB', async () => {
    const inputs = new Map([1 / 64, 1 / 16, 1 / 4, 1, 4].map((mib) => [mib, reportWith(mib)]));
    const ratios = await growth((mib) => writeReports(inputs.get(mib)!, join(dir, String(mib))));
    expect(ratios.at(-1)?.to).toBe(4);
    for (const r of ratios) expect(r.ratio, `${r.from} MiB -> ${r.to} MiB (all steps: ${JSON.stringify(ratios)})`).toBeLessThan(8);
    const written = await writeReports(inputs.get(4)!, join(dir, 'large'));
    // The arguments are in the files (results.json pretty-prints, report.html shows the configuration).
    expect((await stat(written.json)).size).toBeGreaterThan(4 * MiB);
    expect((await stat(written.html)).size).toBeGreaterThan(4 * MiB);
  }, 120_000);
});
