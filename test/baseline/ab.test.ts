/**
 * A/B mode without networks: the interleaving order and what it keeps, the mapping of files into the
 * other checkout with its errors, and the matcher's verdicts against the other checkout's repeats.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { pairOrder, runInterleaved } from '../../src/baseline/ab.ts';
import { repeatFigures } from '../../src/baseline/repeat.ts';
import type { GatedRound, RoundFingerprint } from '../../src/baseline/types.ts';
import type { RoundResult } from '../../src/stats/types.ts';
import { checkAbRoot, inOtherCheckout, otherCheckoutFile } from '../../src/vitest/ab-checkout.ts';
import { judgeAgainstBaseline } from '../../src/vitest/baseline-matcher.ts';
import { transferRound } from '../vitest/rounds.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledgerbench-ab-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fingerprint: RoundFingerprint = { workload: { path: 'workloads/t.ts', sha256: 'aa' }, arguments: {}, rateControl: { type: 'fixed-load', opts: { transactionLoad: 2 } }, txNumber: 60, workers: 1, trim: 10, network: { path: 'network.yaml', sha256: 'bb' } };

describe('interleaving', () => {
  test('pairs alternate their order: A B, B A, A B, ...', () => {
    expect([0, 1, 2, 3].map(pairOrder)).toEqual([['A', 'B'], ['B', 'A'], ['A', 'B'], ['B', 'A']]);
  });

  test('n repeats a side, A merged with B beside it, only the merged round left on the test', async () => {
    const meta: { ledgerbench?: RoundResult[] } = { ledgerbench: [transferRound({ label: 'earlier' })] };
    const ran: string[] = [];
    const merged = await runInterleaved(3, '/other', async (side, i) => {
      ran.push(`${side}${i}`);
      const r = { ...transferRound({ throughput: side === 'A' ? 100 + i : 200 + i, roundIndex: ran.length }), fingerprint };
      meta.ledgerbench!.push(r);
      return r;
    }, meta);
    expect(ran).toEqual(['A0', 'B0', 'B1', 'A1', 'A2', 'B2']);
    expect(merged.repeats?.map((r) => r.throughput)).toEqual([100, 101, 102]);
    expect(merged.ab).toMatchObject({ checkout: '/other', order: 'ABBAAB', fingerprint });
    expect(merged.ab?.repeats.map((r) => r.throughput)).toEqual([200, 201, 202]);
    expect(meta.ledgerbench?.map((r) => r.label)).toEqual(['earlier', 'transfer']);
    expect(meta.ledgerbench?.[1]).toBe(merged);
  });

  test('a repeat that aborts ends both sides, and says which side', async () => {
    const merged = await runInterleaved(3, '/other', async (side, i) => ({ ...transferRound(side === 'B' && i === 1 ? { aborted: { reason: 'network went away' } } : {}), fingerprint }));
    expect(merged.ab?.order).toBe('ABB');
    expect(merged.ab?.aborted).toBe('repeat 2 of the round: network went away');
    expect(merged.repeats).toHaveLength(1);
  });
});

describe('the other checkout', () => {
  test('a file of this checkout is the one at the same place in the other; one outside is shared', () => {
    expect(inOtherCheckout('/a/perf/x.ts', '/b', '/a')).toBe('/b/perf/x.ts');
    expect(inOtherCheckout('workloads/w.ts', '/b', '/a')).toBe('/b/workloads/w.ts');
    expect(inOtherCheckout('/elsewhere/net.yaml', '/b', '/a')).toBe('/elsewhere/net.yaml');
  });

  test('a missing folder or file is an error naming the variable, the path and the fix', () => {
    expect(() => checkAbRoot(join(dir, 'nope'), 'LEDGERBENCH_AB')).toThrow(/LEDGERBENCH_AB=\S+nope: no such folder; fix: point it at the other checkout's root/);
    mkdirSync(join(dir, 'a', 'networks'), { recursive: true });
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'networks', 'n.yaml'), 'type: noop\n');
    expect(checkAbRoot(join(dir, 'b'), 'LEDGERBENCH_AB')).toBe(join(dir, 'b'));
    expect(() => otherCheckoutFile(join(dir, 'a', 'networks', 'n.yaml'), join(dir, 'b'), 'network file', join(dir, 'a'))).toThrow(
      /A\/B mode \(LEDGERBENCH_AB=\S+\): the other checkout has no network file at networks\/n\.yaml \(looked for \S+b\/networks\/n\.yaml\); fix: compare checkouts of the same project/,
    );
  });
});

describe('toBeWithinBaseline in A/B mode', () => {
  /** A's round with throughputs `a`, B's repeats with `b`, as runInterleaved() leaves them. */
  function abRound(a: number[], b: number[], o: { bFingerprint?: RoundFingerprint; aborted?: string } = {}): GatedRound {
    const runs = (tps: number[]) => tps.map((t) => repeatFigures(transferRound({ throughput: t })));
    const round: GatedRound = { ...transferRound(), origin: { file: 'perf/t.perf.ts', test: 't' }, fingerprint, repeats: runs(a) };
    round.ab = { checkout: join(process.cwd(), '..', 'other-checkout'), repeats: runs(b), fingerprint: o.bFingerprint ?? fingerprint, order: 'ABBAAB', ...(o.aborted ? { aborted: o.aborted } : {}) };
    return round;
  }
  // A damaged baseline file: A/B mode must never read it.
  const settings = () => {
    const path = join(dir, 'ledgerbench-baseline.json');
    writeFileSync(path, '{ damaged');
    return { path, update: 'all' as const };
  };

  test('slower than the other checkout: a regression, named against it, and nothing is recorded', () => {
    const j = judgeAgainstBaseline(abRound([150, 152, 149], [200, 203, 198]), { throughput: '-10%' }, settings());
    expect(j.comparison).toMatchObject({ status: 'compared', pass: false, against: { order: 'ABBAAB' }, baselineRepeats: 3 });
    expect(j.message).toMatch(/regression in 1 of 1 figures against the other checkout \.\.\/other-checkout \(measured in this run, 3 repeats interleaved ABBAAB; this run 3 repeats\)\n {2}throughput -25\.\d% \[/);
  });

  test('faster: an improvement, which passes; the same: no change', () => {
    expect(judgeAgainstBaseline(abRound([250, 252, 249], [200, 203, 198]), { throughput: '-10%' }, settings()).comparison.metrics[0].verdict).toBe('improvement');
    expect(judgeAgainstBaseline(abRound([200, 202, 199], [201, 199, 200]), { throughput: '-10%' }, settings()).comparison).toMatchObject({ pass: true, metrics: [expect.objectContaining({ verdict: 'no change' })] });
  });

  test('another definition in the other checkout is refused with what differs; an aborted B is not compared', () => {
    const other = { ...fingerprint, workload: { path: 'workloads/t.ts', sha256: 'cc' } };
    const j = judgeAgainstBaseline(abRound([200, 201, 199], [200, 201, 199], { bFingerprint: other }), { throughput: '-10%' }, settings());
    expect(j.comparison).toMatchObject({ status: 'different definition', pass: false, differences: ['workload.sha256: "cc" -> "aa"'] });
    expect(j.message).toMatch(/runs a different benchmark definition in the other checkout \.\.\/other-checkout \(LEDGERBENCH_AB\), so they are not compared:\n {2}workload\.sha256/);
    const aborted = judgeAgainstBaseline(abRound([200, 201, 199], [200], { aborted: 'repeat 2 of the round: worker 0 exited' }), { throughput: '-10%' }, settings());
    expect(aborted.comparison.pass).toBe(false);
    expect(aborted.message).toContain('the repeats of the other checkout ../other-checkout (LEDGERBENCH_AB) were aborted (repeat 2 of the round: worker 0 exited)');
  });
});
