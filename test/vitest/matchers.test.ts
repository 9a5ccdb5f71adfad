import { describe, expect, test } from 'vitest';
import { ledgerbenchMatchers, measuredRow } from '../../src/vitest/matchers.ts';
import { deadRound, transferRound } from './rounds.ts';

expect.extend(ledgerbenchMatchers);

/** The figures of transferRound() as the failure message must print them. */
const ROW = [/round 'transfer' \(#2\)/, /succ 5930, fail 70/, /send rate 199\.8 tps, throughput 197\.1 tps/, /min 3\.12 avg 41\.37 p50 35\.20 p95 121\.60 p99 238\.90 max 412\.50/];

/** Runs a failing expectation and returns its message, failing the test if it passed instead. */
function failure(run: () => void): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(TypeError);
    return (err as Error).message;
  }
  throw new Error('the expectation passed but should have failed');
}

function expectRow(message: string) {
  for (const part of ROW) expect(message).toMatch(part);
}

describe('toHaveThroughputAbove', () => {
  test('passes below the measured throughput, fails above it with the measured row', () => {
    const r = transferRound();
    expect(r).toHaveThroughputAbove(190);
    const message = failure(() => expect(r).toHaveThroughputAbove(198));
    expect(message).toMatch(/expected throughput above 198 tps, measured 197\.1 tps/);
    expectRow(message);
  });

  test('.not inverts the verdict and says so', () => {
    const r = transferRound();
    expect(r).not.toHaveThroughputAbove(198);
    expect(() => expect(r).not.toHaveThroughputAbove(190)).toThrow(/expected not throughput above 190 tps, measured 197\.1 tps[\s\S]*succ 5930, fail 70/);
  });

  test('the limit is exclusive: equal is not above', () => {
    expect(() => expect(transferRound()).toHaveThroughputAbove(197.1)).toThrow(/throughput above 197\.1 tps/);
  });
});

describe('toHaveSendRateNear', () => {
  test('default tolerance is 5%', () => {
    const r = transferRound();
    expect(r).toHaveSendRateNear(200);
    // 199.8 against 220 is 9.18% off.
    const message = failure(() => expect(r).toHaveSendRateNear(220));
    expect(message).toMatch(/send rate within 5\.0% of 220 tps, measured 199\.8 tps \(9\.18% off\)/);
    expectRow(message);
  });

  test('an explicit tolerance widens or narrows the band', () => {
    const r = transferRound();
    expect(r).toHaveSendRateNear(220, 0.1);
    expect(() => expect(r).toHaveSendRateNear(200, 0.0001)).toThrow(/within 0\.0% of 200 tps/);
    expect(r).not.toHaveSendRateNear(100);
  });
});

describe('toHaveSuccessRateAbove', () => {
  test('compares succeeded / (succeeded + failed) with the ratio', () => {
    const r = transferRound();
    expect(r).toHaveSuccessRateAbove(0.98);
    const message = failure(() => expect(r).toHaveSuccessRateAbove(0.99));
    expect(message).toMatch(/success rate above 99\.00%, measured 98\.83% \(5930\/6000\)/);
    expectRow(message);
  });

  test('a round with no transactions at all never passes', () => {
    const empty = deadRound({ failed: 0, failuresByReason: {} });
    expect(() => expect(empty).toHaveSuccessRateAbove(0)).toThrow(/measured 0\.00% \(0\/0\)/);
  });
});

describe('toHaveNoFailures', () => {
  test('fails with the failures by reason', () => {
    const message = failure(() => expect(transferRound()).toHaveNoFailures());
    expect(message).toMatch(/expected no failed transactions, measured 70 failed \(ENDORSEMENT_POLICY_FAILURE: 12; MVCC_READ_CONFLICT: 58\)/);
    expectRow(message);
  });

  test('every matcher fails on an aborted round, whatever its figures, and says why', () => {
    const aborted = transferRound({ aborted: { reason: 'the network went away: embedded-network:x (pid 1) exited' } });
    for (const check of [
      () => expect(aborted).toHaveThroughputAbove(1),
      () => expect(aborted).toHaveSuccessRateAbove(0.5),
      () => expect(aborted).toHaveP95LatencyBelow('1h'),
    ]) {
      expect(failure(check)).toMatch(/but the round was aborted \(the network went away: embedded-network:x \(pid 1\) exited\)/);
    }
    expect(aborted.expectations.every((e) => !e.pass)).toBe(true);
    // The same figures on a round that ran to its end pass.
    const whole = transferRound({});
    expect(whole).toHaveThroughputAbove(1);
  });

  test('passes on a clean round, fails on an aborted one even without failed transactions', () => {
    const clean = transferRound({ failed: 0, failuresByReason: {}, conflicts: undefined });
    expect(clean).toHaveNoFailures();
    const aborted = transferRound({ failed: 0, failuresByReason: {}, aborted: { reason: 'worker 1 exited with code 3', workerIndex: 1, exitCode: 3 } });
    const message = failure(() => expect(aborted).toHaveNoFailures());
    expect(message).toMatch(/worker 1 exited with code 3/);
    expect(message).toMatch(/aborted: worker 1 exited with code 3/);
  });
});

describe('latency matchers', () => {
  test('accept a number of ms and duration strings', () => {
    const r = transferRound();
    expect(r).toHaveP95LatencyBelow(200);
    expect(r).toHaveP95LatencyBelow('250ms');
    expect(r).toHaveP95LatencyBelow('1.5s');
    expect(r).toHaveP99LatencyBelow('0.25s');
    expect(r).toHaveAvgLatencyBelow(50);
    expect(r).toHaveLatencyPercentileBelow(50, '36ms');
    expect(r).toHaveLatencyPercentileBelow(99.9, '0.5s');
  });

  test('fail with the limit in ms, the measured value and the row', () => {
    const r = transferRound();
    const p95 = failure(() => expect(r).toHaveP95LatencyBelow('0.1s'));
    expect(p95).toMatch(/expected p95 latency below 100\.00 ms, measured 121\.60 ms/);
    expectRow(p95);
    expect(failure(() => expect(r).toHaveP99LatencyBelow(200))).toMatch(/p99 latency below 200\.00 ms, measured 238\.90 ms/);
    expect(failure(() => expect(r).toHaveAvgLatencyBelow('40ms'))).toMatch(/average latency below 40\.00 ms, measured 41\.37 ms/);
    expect(failure(() => expect(r).toHaveLatencyPercentileBelow(99.9, 300))).toMatch(/p99\.9 latency below 300\.00 ms, measured 390\.10 ms/);
    expect(failure(() => expect(r).toHaveLatencyPercentileBelow(75, 50))).toMatch(/p75 latency below 50\.00 ms, measured 52\.80 ms/);
  });

  test('.not works on latency', () => {
    const r = transferRound();
    expect(r).not.toHaveP95LatencyBelow(100);
    expect(() => expect(r).not.toHaveP95LatencyBelow('1s')).toThrow(/expected not p95 latency below 1000\.00 ms/);
  });

  test('a round without successful transactions has no latency to pass with', () => {
    const message = failure(() => expect(deadRound()).toHaveP95LatencyBelow('10s'));
    expect(message).toMatch(/measured no successful transactions/);
    expect(message).toMatch(/succ 0, fail 400/);
  });
});

describe('conflict matchers', () => {
  test('toHaveNoMvccConflicts names the hottest keys', () => {
    const message = failure(() => expect(transferRound()).toHaveNoMvccConflicts());
    expect(message).toMatch(/expected no MVCC conflicts, measured 58 \(account_17 x31, account_4 x27\)/);
    expect(message).toMatch(/conflicts: MVCC_READ_CONFLICT 58/);
    expectRow(message);
    expect(transferRound({ conflicts: undefined })).toHaveNoMvccConflicts();
    // Phantom reads count as MVCC conflicts; other validation codes do not.
    expect(() => expect(transferRound({ conflicts: { byCode: { PHANTOM_READ_CONFLICT: 2 }, hotKeys: [] } })).toHaveNoMvccConflicts()).toThrow(/measured 2/);
    expect(transferRound({ conflicts: { byCode: { ENDORSEMENT_POLICY_FAILURE: 9 }, hotKeys: [] } })).toHaveNoMvccConflicts();
  });

  test('toHaveConflictRateBelow compares conflicts / all transactions', () => {
    const r = transferRound(); // 58 / 6000 = 0.97%
    expect(r).toHaveConflictRateBelow(0.01);
    const message = failure(() => expect(r).toHaveConflictRateBelow(0.005));
    expect(message).toMatch(/MVCC conflict rate below 0\.50%, measured 0\.97% \(58\/6000; account_17 x31/);
    expectRow(message);
    expect(r).not.toHaveConflictRateBelow(0.005);
  });
});

describe('bad input', () => {
  test.each([
    ['-5', -5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ["'fast'", 'fast'],
    ["'250 parsecs'", '250 parsecs'],
    ['an empty string', ''],
    ['an object', {}],
    ['null', null],
  ])('latency limit %s is a TypeError', (_name, limit) => {
    const r = transferRound();
    expect(() => expect(r).toHaveP95LatencyBelow(limit as never)).toThrow(TypeError);
    expect(() => expect(r).toHaveP95LatencyBelow(limit as never)).toThrow(/toHaveP95LatencyBelow: limit must be milliseconds or a duration string such as '1\.5s'/);
    expect(() => expect(r).toHaveLatencyPercentileBelow(95, limit as never)).toThrow(TypeError);
    expect(r.expectations).toEqual([]);
  });

  test('an unknown percentile is a TypeError listing the ones there are', () => {
    expect(() => expect(transferRound()).toHaveLatencyPercentileBelow(42 as never, 100)).toThrow(TypeError);
    expect(() => expect(transferRound()).toHaveLatencyPercentileBelow(42 as never, 100)).toThrow(/percentile must be one of 50, 75, 90, 95, 99, 99\.9, got 42/);
  });

  test('rates, ratios and tolerances out of range are TypeErrors', () => {
    const r = transferRound();
    expect(() => expect(r).toHaveThroughputAbove('190' as never)).toThrow(TypeError);
    expect(() => expect(r).toHaveThroughputAbove(Number.NaN)).toThrow(/toHaveThroughputAbove: tps must be a non-negative number, got NaN/);
    expect(() => expect(r).toHaveSendRateNear(0)).toThrow(/toHaveSendRateNear: tps must be a positive number/);
    expect(() => expect(r).toHaveSendRateNear(200, -0.1)).toThrow(TypeError);
    // 99 instead of 0.99: a ratio is 0..1, and the message says so instead of failing every run.
    expect(() => expect(r).toHaveSuccessRateAbove(99)).toThrow(/toHaveSuccessRateAbove: ratio must be between 0 and 1 \(0\.99 for 99%\), got 99/);
    expect(() => expect(r).toHaveConflictRateBelow(-1)).toThrow(TypeError);
    expect(r.expectations).toEqual([]);
  });

  test.each([
    ['undefined', undefined, /got undefined/],
    ['null', null, /got null/],
    ['a number', 197, /got number/],
    ['a plain object', { throughput: 200 }, /got object/],
    ['an un-awaited round', Promise.resolve(transferRound()), /got a Promise: await benchRound\(\)/],
  ])('%s as the received value is a TypeError', (_name, received, detail) => {
    const run = () => expect(received).toHaveThroughputAbove(1);
    expect(run).toThrow(TypeError);
    expect(run).toThrow(/toHaveThroughputAbove: expected the RoundResult that benchRound\(\) returns/);
    expect(run).toThrow(detail);
  });
});

describe('expectation outcomes', () => {
  test('every call records matcher, expected, actual and verdict on the round', () => {
    const r = transferRound();
    expect(r).toHaveThroughputAbove(190);
    expect(() => expect(r).toHaveP95LatencyBelow(100)).toThrow();
    expect(r).not.toHaveNoFailures();
    expect(() => expect(r).not.toHaveSuccessRateAbove(0.5)).toThrow();
    expect(r).toHaveLatencyPercentileBelow(99.9, '1s');
    expect(r).toHaveSendRateNear(200, 0.01);
    expect(r).toHaveConflictRateBelow(0.01);
    expect(() => expect(r).toHaveNoMvccConflicts()).toThrow();
    expect(r).toHaveAvgLatencyBelow('1s');
    expect(r).toHaveP99LatencyBelow(300);
    expect(r.expectations).toEqual([
      { matcher: 'toHaveThroughputAbove', expected: 'throughput above 190 tps', actual: '197.1 tps', pass: true },
      { matcher: 'toHaveP95LatencyBelow', expected: 'p95 latency below 100.00 ms', actual: '121.60 ms', pass: false },
      { matcher: 'not.toHaveNoFailures', expected: 'no failed transactions', actual: expect.stringMatching(/^70 failed/), pass: true },
      { matcher: 'not.toHaveSuccessRateAbove', expected: 'success rate above 50.00%', actual: '98.83% (5930/6000)', pass: false },
      { matcher: 'toHaveLatencyPercentileBelow', expected: 'p99.9 latency below 1000.00 ms', actual: '390.10 ms', pass: true },
      { matcher: 'toHaveSendRateNear', expected: 'send rate within 1.0% of 200 tps', actual: '199.8 tps (0.10% off)', pass: true },
      { matcher: 'toHaveConflictRateBelow', expected: 'MVCC conflict rate below 1.00%', actual: expect.stringMatching(/^0\.97% \(58\/6000/), pass: true },
      { matcher: 'toHaveNoMvccConflicts', expected: 'no MVCC conflicts', actual: expect.stringMatching(/^58 /), pass: false },
      { matcher: 'toHaveAvgLatencyBelow', expected: 'average latency below 1000.00 ms', actual: '41.37 ms', pass: true },
      { matcher: 'toHaveP99LatencyBelow', expected: 'p99 latency below 300.00 ms', actual: '238.90 ms', pass: true },
    ]);
  });

  test('outcomes survive a JSON round trip (they go into results.json)', () => {
    const r = transferRound();
    expect(r).toHaveThroughputAbove(100);
    expect(JSON.parse(JSON.stringify(r)).expectations).toEqual(r.expectations);
  });
});

describe('measuredRow', () => {
  test('prints conflicts and the abort reason only when there are some', () => {
    const clean = measuredRow(transferRound({ conflicts: undefined }));
    expect(clean).not.toMatch(/conflicts|aborted/);
    const aborted = measuredRow(deadRound({ aborted: { reason: 'network went away' } }));
    expect(aborted).toMatch(/round 'dead' \(#2\): succ 0, fail 400/);
    expect(aborted).toMatch(/aborted: network went away/);
  });
});
