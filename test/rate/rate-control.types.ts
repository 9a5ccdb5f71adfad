/**
 * Type-level test of `benchRound({ rateControl })`, checked by `npx tsc --noEmit` (this file is in
 * tsconfig's include and outside Vitest's): each `@ts-expect-error` fails the type check when the
 * line below it stops being an error, that is when the union loosens back to a plain string.
 */
import type { BenchRoundOptions } from '../../src/config/round.ts';
import type { RateControl } from '../../src/rate/public-types.ts';

type Rate = NonNullable<BenchRoundOptions['rateControl']>;

export const accepted: Rate[] = [
  { type: 'fixed-rate', opts: { tps: 100 } },
  { type: 'fixed-load', opts: { transactionLoad: 4, startingTps: 1 } },
  { type: 'fixed-backlog', opts: { unfinished_per_client: 5 } },
  { type: 'fixed-feedback-rate', opts: { tps: 50, transactionLoad: 10 } },
  { type: 'linear-rate', opts: { startingTps: 10, finishingTps: 100 } },
  { type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [{ type: 'zero-rate' }, { type: 'fixed-rate', opts: { tps: 5 } }] } },
  { type: 'zero-rate' },
  { type: 'maximum-rate', opts: { tps: 5, step: 5 } },
  { type: 'record-rate', opts: { rateController: { type: 'fixed-rate', opts: { tps: 5 } }, pathTemplate: 'r-<R>-<C>.txt', outputFormat: 'BIN_LE' } },
  { type: 'replay-rate', opts: { pathTemplate: 'r-<R>-<C>.txt' } },
];

export const refused: Rate[] = [
  // @ts-expect-error a misspelt controller type
  { type: 'fixed-rat', opts: { tps: 100 } },
  // @ts-expect-error a misspelt option
  { type: 'fixed-rate', opts: { tsp: 100 } },
  // @ts-expect-error fixed-rate needs tps
  { type: 'fixed-rate' },
  // @ts-expect-error an option of another controller
  { type: 'fixed-load', opts: { tps: 100 } },
  // @ts-expect-error a nested controller is checked too
  { type: 'composite-rate', opts: { weights: [1], rateControllers: [{ type: 'linear', opts: {} }] } },
  // @ts-expect-error not a trace format
  { type: 'replay-rate', opts: { pathTemplate: 'x', inputFormat: 'CSV' } },
];

/** Every registered controller must be a member of the union (checked at run time in validation.test.ts). */
export const UNION_TYPES: Record<RateControl['type'], true> = {
  'fixed-rate': true,
  'fixed-load': true,
  'fixed-backlog': true,
  'fixed-feedback-rate': true,
  'linear-rate': true,
  'composite-rate': true,
  'zero-rate': true,
  'maximum-rate': true,
  'record-rate': true,
  'replay-rate': true,
};
