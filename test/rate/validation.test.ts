import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import type { RateControlSpec } from '../../src/config/types.ts';
import { knownRateControllers, rateModel, validateRateControl } from '../../src/rate/registry.ts';
import { UNION_TYPES } from './rate-control.types.ts';

const FILE = 'bench.yaml';
const AT = 'test.rounds[0].rateControl[1]';

function failure(spec: unknown, round: Parameters<typeof validateRateControl>[3] = { txNumber: 100 }): ConfigError {
  try {
    validateRateControl(spec as RateControlSpec, FILE, AT, round);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).file).toBe(FILE);
    return e as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(spec)} to be rejected`);
}

test('knownRateControllers lists every controller, sorted', () => {
  expect(knownRateControllers()).toEqual([
    'composite-rate',
    'fixed-backlog',
    'fixed-feedback-rate',
    'fixed-load',
    'fixed-rate',
    'linear-rate',
    'maximum-rate',
    'record-rate',
    'replay-rate',
    'zero-rate',
  ]);
});

test("the public RateControl union names exactly the registry's controllers", () => {
  expect(Object.keys(UNION_TYPES).sort()).toEqual(knownRateControllers());
});

describe('valid specs pass', () => {
  const ok: [RateControlSpec, { txNumber?: number; txDuration?: number }][] = [
    [{ type: 'fixed-rate', opts: { tps: 50 } }, { txNumber: 100 }],
    [{ type: 'fixed-load', opts: { transactionLoad: 10, startTps: 5 } }, { txDuration: 10 }],
    [{ type: 'fixed-backlog', opts: { unfinished_per_client: 5, sleep_time: 100 } }, { txNumber: 10 }],
    [{ type: 'linear-rate', opts: { startingTps: 25, finishingTps: '75' } }, { txDuration: 60 }],
    [{ type: 'zero-rate' }, { txDuration: 5 }],
    [{ type: 'maximum-rate', opts: { tps: 100, step: 5, sampleInterval: 20, includeFailed: false } }, { txDuration: 60 }],
    [{ type: 'fixed-feedback-rate', opts: { tps: 100, unfinished_per_client: 100, sleep_time: 50 } }, { txNumber: 1000 }],
    [{ type: 'composite-rate', opts: { weights: [2, 1, 2], rateControllers: [{ type: 'fixed-rate', opts: { tps: 100 } }, { type: 'zero-rate' }, { type: 'fixed-rate', opts: { tps: 100 } }], logChange: true } }, { txDuration: 50 }],
    [{ type: 'composite-rate', opts: { weights: [1, 0], rateControllers: [{ type: 'fixed-rate', opts: { tps: 100 } }, { type: 'zero-rate' }] } }, { txNumber: 50 }],
    [{ type: 'record-rate', opts: { rateController: { type: 'fixed-rate', opts: { tps: 10 } }, pathTemplate: 'r<R>-<C>.bin', outputFormat: 'bin_le', logEnd: true } }, { txNumber: 5 }],
    [{ type: 'replay-rate', opts: { pathTemplate: 'r<R>-<C>.bin', inputFormat: 'BIN_BE', logWarnings: true, defaultSleepTime: 20 } }, { txNumber: 5 }],
  ];
  for (const [spec, round] of ok) {
    test(spec.type, () => {
      expect(() => validateRateControl(spec, FILE, AT, round)).not.toThrow();
    });
  }
});

describe('every validation error names the field', () => {
  const cases: [string, unknown, string, RegExp, Parameters<typeof validateRateControl>[3]?][] = [
    ['unknown type lists the known ones', { type: 'fixed-rat', opts: { tps: 1 } }, `${AT}.type`, /unknown rate controller "fixed-rat"[\s\S]*composite-rate, fixed-backlog, .*zero-rate/],
    ['missing type', { opts: { tps: 1 } }, `${AT}.type`, /must name a rate controller/],
    ['not an object', 'fixed-rate', AT, /must be an object/],
    ['opts not a mapping', { type: 'fixed-rate', opts: [1] }, `${AT}.opts`, /mapping/],
    ['stray key beside type/opts', { type: 'fixed-rate', tps: 5 }, `${AT}.tps`, /move tps under opts/],
    ['missing tps', { type: 'fixed-rate', opts: {} }, `${AT}.opts.tps`, /needs opts\.tps[\s\S]*missing/],
    ['zero tps', { type: 'fixed-rate', opts: { tps: 0 } }, `${AT}.opts.tps`, /above 0/],
    ['negative tps', { type: 'fixed-rate', opts: { tps: -5 } }, `${AT}.opts.tps`, /above 0/],
    ['non-numeric tps', { type: 'fixed-rate', opts: { tps: 'fast' } }, `${AT}.opts.tps`, /finite number[\s\S]*"fast"/],
    ['infinite tps', { type: 'fixed-rate', opts: { tps: Number.POSITIVE_INFINITY } }, `${AT}.opts.tps`, /finite number/],
    ['typo in option name', { type: 'fixed-rate', opts: { tsp: 5 } }, `${AT}.opts.tsp`, /not an option of fixed-rate[\s\S]*tps/],
    ['fractional load', { type: 'fixed-load', opts: { transactionLoad: 2.5 } }, `${AT}.opts.transactionLoad`, /whole number/],
    ['zero backlog', { type: 'fixed-backlog', opts: { unfinished_per_client: 0 } }, `${AT}.opts.unfinished_per_client`, /above 0/],
    ['linear without finishingTps', { type: 'linear-rate', opts: { startingTps: 5 } }, `${AT}.opts.finishingTps`, /missing/],
    ['linear with zero start', { type: 'linear-rate', opts: { startingTps: 0, finishingTps: 5 } }, `${AT}.opts.startingTps`, /above 0/],
    ['zero-rate in a txNumber round', { type: 'zero-rate' }, `${AT}.type`, /never finish[\s\S]*txDuration/],
    ['zero-rate with options', { type: 'zero-rate', opts: { tps: 1 } }, `${AT}.opts.tps`, /takes no options/],
    ['maximum-rate bad boolean', { type: 'maximum-rate', opts: { includeFailed: 'yes' } }, `${AT}.opts.includeFailed`, /true or false/],
    ['maximum-rate zero step', { type: 'maximum-rate', opts: { step: 0 } }, `${AT}.opts.step`, /above 0/],
    ['feedback with both load names', { type: 'fixed-feedback-rate', opts: { tps: 5, transactionLoad: 5, unfinished_per_client: 5 } }, `${AT}.opts.unfinished_per_client`, /conflicts with opts\.transactionLoad/],
    ['feedback without tps', { type: 'fixed-feedback-rate', opts: { transactionLoad: 5 } }, `${AT}.opts.tps`, /missing/],
    ['composite weights not a list', { type: 'composite-rate', opts: { weights: 1, rateControllers: [] } }, `${AT}.opts.weights`, /non-empty list/],
    ['composite length mismatch', { type: 'composite-rate', opts: { weights: [1], rateControllers: [{ type: 'zero-rate' }, { type: 'zero-rate' }] } }, `${AT}.opts.weights`, /1 entries but rateControllers has 2/],
    ['composite negative weight', { type: 'composite-rate', opts: { weights: [1, -1], rateControllers: [{ type: 'zero-rate' }, { type: 'zero-rate' }] } }, `${AT}.opts.weights[1]`, /0 or more/],
    ['composite all-zero weights', { type: 'composite-rate', opts: { weights: [0, 0], rateControllers: [{ type: 'zero-rate' }, { type: 'zero-rate' }] } }, `${AT}.opts.weights`, /all zero/],
    ['composite bad nested option', { type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [{ type: 'fixed-rate', opts: { tps: 5 } }, { type: 'fixed-rate', opts: { tps: -1 } }] } }, `${AT}.opts.rateControllers[1].opts.tps`, /above 0/],
    ['composite nested unknown type', { type: 'composite-rate', opts: { weights: [1], rateControllers: [{ type: 'nope' }] } }, `${AT}.opts.rateControllers[0].type`, /unknown rate controller/],
    ['composite zero-rate share in a txNumber round', { type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [{ type: 'fixed-rate', opts: { tps: 5 } }, { type: 'zero-rate' }] } }, `${AT}.opts.rateControllers[1].type`, /never finish/],
    ['record without rateController', { type: 'record-rate', opts: { pathTemplate: 'x' } }, `${AT}.opts.rateController`, /missing/],
    ['record without pathTemplate', { type: 'record-rate', opts: { rateController: { type: 'fixed-rate', opts: { tps: 1 } } } }, `${AT}.opts.pathTemplate`, /missing/],
    ['record bad format', { type: 'record-rate', opts: { rateController: { type: 'fixed-rate', opts: { tps: 1 } }, pathTemplate: 'x', outputFormat: 'CSV' } }, `${AT}.opts.outputFormat`, /TEXT, BIN_BE, BIN_LE[\s\S]*"CSV"/],
    ['record bad nested', { type: 'record-rate', opts: { rateController: { type: 'linear-rate', opts: { startingTps: 1 } }, pathTemplate: 'x' } }, `${AT}.opts.rateController.opts.finishingTps`, /missing/],
    ['record of zero-rate in a txNumber round', { type: 'record-rate', opts: { rateController: { type: 'zero-rate' }, pathTemplate: 'x' } }, `${AT}.opts.rateController.type`, /never finish/],
    ['replay without pathTemplate', { type: 'replay-rate', opts: {} }, `${AT}.opts.pathTemplate`, /missing/],
    ['replay empty pathTemplate', { type: 'replay-rate', opts: { pathTemplate: ' ' } }, `${AT}.opts.pathTemplate`, /non-empty string/],
    ['replay bad format', { type: 'replay-rate', opts: { pathTemplate: 'x', inputFormat: 7 } }, `${AT}.opts.inputFormat`, /TEXT, BIN_BE, BIN_LE/],
    ['replay zero defaultSleepTime', { type: 'replay-rate', opts: { pathTemplate: 'x', defaultSleepTime: 0 } }, `${AT}.opts.defaultSleepTime`, /above 0/],
  ];
  for (const [name, spec, field, message, round] of cases) {
    test(name, () => {
      const e = failure(spec, round);
      expect(e.field).toBe(field);
      expect(e.message).toMatch(message);
      expect(e.message).toContain(`${FILE}: ${field}: `);
      expect(e.fix.length).toBeGreaterThan(5);
    });
  }
});

test('rateModel labels open and closed controllers, through wrappers', () => {
  expect(rateModel({ type: 'fixed-rate', opts: { tps: 1 } })).toBe('open');
  expect(rateModel({ type: 'linear-rate', opts: { startingTps: 1, finishingTps: 2 } })).toBe('open');
  expect(rateModel({ type: 'fixed-feedback-rate', opts: { tps: 1 } })).toBe('closed');
  expect(rateModel({ type: 'record-rate', opts: { rateController: { type: 'fixed-load' }, pathTemplate: 'x' } })).toBe('closed');
  expect(rateModel({ type: 'record-rate', opts: { rateController: { type: 'maximum-rate' }, pathTemplate: 'x' } })).toBe('open');
  expect(() => rateModel({ type: 'bogus' })).toThrow(/unknown rate controller[\s\S]*fixed-rate/);
});
