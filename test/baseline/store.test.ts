/**
 * Baselines without Vitest around them: fingerprints and their differences, merged repeats, the
 * file's format and merging, the update modes, and the matcher's judgement on each kind of baseline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { fingerprintDifferences, roundFingerprint } from '../../src/baseline/fingerprint.ts';
import { recordBaselines } from '../../src/baseline/record.ts';
import { mergeRepeats, repeatCount } from '../../src/baseline/repeat.ts';
import { baselineKey, entryOf, readBaseline, updateMode, writeBaseline } from '../../src/baseline/store.ts';
import type { BaselineSettings, GatedRound } from '../../src/baseline/types.ts';
import type { RoundSpec } from '../../src/config/types.ts';
import type { RoundResult } from '../../src/stats/types.ts';
import { judgeAgainstBaseline } from '../../src/vitest/baseline-matcher.ts';
import { transferRound } from '../vitest/rounds.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledgerbench-baseline-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function spec(workload: string, o: Partial<RoundSpec> = {}): RoundSpec {
  return { label: 'transfer', roundIndex: 0, txDuration: 30, rateControl: { type: 'fixed-rate', opts: { tps: 200 } }, workers: 2, workload: { module: workload, arguments: { accounts: 10 } }, trim: 0, txTimeoutMs: 30_000, source: 'x.perf.ts', ...o };
}

/** A round repeated with throughputs `tps` (p95 following), from perf/transfer.perf.ts. */
function repeated(tps: number[], fingerprint = fp(), p95 = 120): GatedRound {
  const runs = tps.map((t, i) => transferRound({ throughput: t, roundIndex: i, latency: { ...transferRound().latency, p95: (p95 * 200) / t } }));
  return { ...mergeRepeats(runs), origin: { file: 'perf/transfer.perf.ts', test: 'transfer holds' }, fingerprint };
}

let fpCache: ReturnType<typeof roundFingerprint> | undefined;
function fp() {
  if (!fpCache) {
    const w = join(tmpdir(), 'ledgerbench-fp-workload.ts');
    const n = join(tmpdir(), 'ledgerbench-fp-network.yaml');
    writeFileSync(w, 'export default {};\n');
    writeFileSync(n, 'type: delay\n');
    fpCache = roundFingerprint(spec(w), n, tmpdir());
  }
  return fpCache;
}

describe('fingerprint', () => {
  test('names what differs, field by field, and nothing when the definitions match', () => {
    const w = join(dir, 'w.ts');
    const n = join(dir, 'net.yaml');
    writeFileSync(w, 'a');
    writeFileSync(n, 'type: delay');
    const a = roundFingerprint(spec(w), n, dir);
    expect(a.workload).toEqual({ path: 'w.ts', sha256: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(fingerprintDifferences(a, roundFingerprint(spec(w), n, dir))).toEqual([]);
    writeFileSync(w, 'b');
    const b = roundFingerprint(spec(w, { rateControl: { type: 'fixed-rate', opts: { tps: 300 } }, txDuration: undefined, txNumber: 100 }), n, dir);
    expect(fingerprintDifferences(a, b)).toEqual([
      'rateControl.opts.tps: 200 -> 300',
      'txDuration: 30 -> (none)',
      'txNumber: (none) -> 100',
      `workload.sha256: "${a.workload.sha256}" -> "${b.workload.sha256}"`,
    ]);
  });
});

describe('repeats', () => {
  test('merge: counts added, rates over the summed time, percentiles the median, the figures of each kept', () => {
    const runs = [100, 120, 110].map((t, i) => transferRound({ throughput: t, succeeded: 1000, elapsedSec: 1000 / t, latency: { ...transferRound().latency, p95: 10 * (i + 1) } }));
    const m = mergeRepeats(runs);
    expect(m.succeeded).toBe(3000);
    expect(m.throughput).toBeCloseTo(3000 / (10 + 1000 / 120 + 1000 / 110), 9);
    expect(m.latency.p95).toBe(20);
    expect(m.repeats?.map((r) => r.throughput)).toEqual([100, 120, 110]);
    expect(m.expectations).toEqual([]);
    expect(m.aborted).toBeUndefined();
  });

  test('an aborted repeat makes the merged round aborted, saying which', () => {
    const m = mergeRepeats([transferRound(), transferRound({ aborted: { reason: 'worker 0 exited with code 1' } })]);
    expect(m.aborted?.reason).toBe('repeat 2 of the round: worker 0 exited with code 1');
  });

  test('repeat is a whole number from 1 to 100, or a ConfigError naming the file and the fix', () => {
    expect(repeatCount(undefined, 'a.perf.ts')).toBe(1);
    expect(repeatCount(5, 'a.perf.ts')).toBe(5);
    expect(() => repeatCount(0, 'a.perf.ts')).toThrow(/a\.perf\.ts: repeat: must be a whole number from 1 to 100, got 0\n {2}fix: use e\.g\. repeat: 5/);
    expect(() => repeatCount(2.5, 'a.perf.ts')).toThrow(/got 2\.5/);
  });
});

describe('baseline file', () => {
  test('update mode: -u and the variable ask for it, Vitest\'s snapshot default does not', () => {
    expect(updateMode(undefined, undefined)).toBe('none');
    expect(updateMode(false, undefined)).toBe('none');
    expect(updateMode(true, undefined)).toBe('all');
    expect(updateMode('new', undefined)).toBe('new');
    expect(updateMode('none', '1')).toBe('all');
    expect(updateMode(false, 'new')).toBe('new');
  });

  test('written sorted, one line per figure list, merged by key; `new` keeps what is there', () => {
    const path = join(dir, 'ledgerbench-baseline.json');
    const r = repeated([200, 201, 199]);
    const key = baselineKey(r, [r], dir);
    expect(key).toEqual({ file: 'perf/transfer.perf.ts', test: 'transfer holds', round: 'transfer' });
    const entry = entryOf(r, key, '2026-12-01T00:00:00.000Z');
    if (!entry) throw new Error('no entry');
    const other = { ...entry, file: 'perf/a.perf.ts' };
    expect(writeBaseline(path, [entry, other], 'all')).toEqual({ added: 2, updated: 0, kept: 0 });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"throughput": [200, 201, 199]');
    expect(readBaseline(path)?.rounds.map((e) => e.file)).toEqual(['perf/a.perf.ts', 'perf/transfer.perf.ts']);
    const newer = entryOf(repeated([100, 101, 99]), key);
    if (!newer) throw new Error('no entry');
    expect(writeBaseline(path, [newer], 'new')).toEqual({ added: 0, updated: 0, kept: 1 });
    expect(readBaseline(path)?.rounds[1].repeats.throughput).toEqual([200, 201, 199]);
    expect(writeBaseline(path, [newer], 'all')).toEqual({ added: 0, updated: 1, kept: 0 });
    expect(readBaseline(path)?.rounds[1].repeats.throughput).toEqual([100, 101, 99]);
  });

  test('a damaged file is an error naming it and the fix', () => {
    const path = join(dir, 'b.json');
    writeFileSync(path, '{"rounds": [');
    expect(() => readBaseline(path)).toThrow(`${path}: not a ledgerbench baseline file`);
    expect(() => readBaseline(path)).toThrow(/fix: delete it and record a new one with `npx vitest run --project perf -u`/);
  });

  test('a label used twice in one test gets #2', () => {
    const a = transferRound({ origin: { file: 'x.perf.ts', test: 't' } });
    const b = transferRound({ origin: { file: 'x.perf.ts', test: 't' } });
    expect(baselineKey(b, [a, b]).round).toBe('transfer #2');
  });

  test('an aborted round is never recorded; an interrupted run records nothing', () => {
    const settings: BaselineSettings = { path: join(dir, 'b.json'), update: 'all' };
    const r = repeated([200, 201, 199]);
    r.baseline = { file: 'b.json', key: baselineKey(r, [r], dir), candidateRepeats: 3, status: 'recorded', metrics: [], pass: true };
    expect(recordBaselines([r], settings, true)).toMatch(/^ledgerbench: baseline \S+b\.json not updated: the run was interrupted$/);
    expect(readBaseline(settings.path)).toBeNull();
    expect(entryOf({ ...r, aborted: { reason: 'x' } }, r.baseline.key)).toBeNull();
    expect(recordBaselines([r], settings, false)).toMatch(/: 1 added, 0 updated$/);
    expect(readBaseline(settings.path)?.rounds).toHaveLength(1);
  });
});

describe('judgeAgainstBaseline', () => {
  const settings = (update: BaselineSettings['update'] = 'none'): BaselineSettings => ({ path: join(dir, 'ledgerbench-baseline.json'), update });
  const record = (r: GatedRound) => {
    const entry = entryOf(r, baselineKey(r, [r], dir), '2026-12-01T00:00:00.000Z');
    if (entry) writeBaseline(settings().path, [entry], 'all');
  };

  test('no baseline: fails with how to make one', () => {
    const j = judgeAgainstBaseline(repeated([200, 201, 199]), { throughput: '-5%' }, settings());
    expect(j.comparison).toMatchObject({ status: 'missing', pass: false });
    expect(j.message).toMatch(/no baseline for round 'transfer' of 'transfer holds' \(perf\/transfer\.perf\.ts\) in .*ledgerbench-baseline\.json; fix: record one with `npx vitest run --project perf -u` \(or LEDGERBENCH_UPDATE_BASELINE=1\)/);
  });

  test('update mode marks the round to record, and passes', () => {
    expect(judgeAgainstBaseline(repeated([200, 201, 199]), { throughput: '-5%' }, settings('all')).comparison).toMatchObject({ status: 'recorded', pass: true });
  });

  test('a 15% throughput loss fails, with the change, the interval, the margin and the baseline named', () => {
    record(repeated([200, 202, 198, 201, 199]));
    const j = judgeAgainstBaseline(repeated([170, 171, 169, 172, 168]), { throughput: '-5%', p95: '+10%' }, settings());
    expect(j.comparison.pass).toBe(false);
    expect(j.message).toMatch(/regression in 2 of 2 figures against \S*ledgerbench-baseline\.json \(recorded 2026-12-01T00:00:00\.000Z, 5 repeats; this run 5 repeats\)/);
    expect(j.message).toMatch(/throughput -15\.0% \[-\d+\.\d% \.\. -\d+\.\d%\] allowed -5%: regression \(median 170\.0 vs 200\.0\)/);
    expect(j.message).toMatch(/p95 \+17\.6% \[\+\d+\.\d% \.\. \+\d+\.\d%\] allowed \+10%: regression/);
  });

  test('the same figures pass; a faster candidate is reported as an improvement and passes', () => {
    record(repeated([200, 202, 198, 201, 199]));
    expect(judgeAgainstBaseline(repeated([201, 199, 200, 198, 202]), { throughput: '-5%' }, settings()).comparison).toMatchObject({ pass: true, metrics: [expect.objectContaining({ verdict: 'no change' })] });
    const faster = judgeAgainstBaseline(repeated([260, 262, 258, 261, 259]), { throughput: '-5%' }, settings());
    expect(faster.comparison).toMatchObject({ pass: true, metrics: [expect.objectContaining({ verdict: 'improvement' })] });
    expect(faster.message).toContain('within the baseline, 1 improved');
  });

  test('a baseline of another definition is refused with the fields that differ', () => {
    record(repeated([200, 202, 198]));
    const changed = { ...fp(), rateControl: { type: 'fixed-rate', opts: { tps: 400 } } };
    const j = judgeAgainstBaseline(repeated([200, 202, 198], changed), { throughput: '-5%' }, settings());
    expect(j.comparison).toMatchObject({ status: 'different definition', pass: false, differences: ['rateControl.opts.tps: 200 -> 400'] });
    expect(j.message).toMatch(/was measured with a different benchmark definition, so it is not compared:\n {2}rateControl\.opts\.tps: 200 -> 400\n {2}fix: if the change is intended, record a new baseline/);
  });

  test('fewer than 3 repeats, or an aborted round, fail with the reason', () => {
    const once: RoundResult = { ...transferRound(), origin: { file: 'perf/t.perf.ts', test: 't' } };
    expect(judgeAgainstBaseline(once, { throughput: '-5%' }, settings()).message).toMatch(/ran 1 time\(s\): toBeWithinBaseline needs at least 3 repeats .*fix: add repeat: 5/);
    const aborted = { ...repeated([1, 2, 3]), aborted: { reason: 'worker 1 exited' } };
    expect(judgeAgainstBaseline(aborted, { throughput: '-5%' }, settings()).message).toMatch(/was aborted \(worker 1 exited\)/);
  });
});
