/**
 * Type-level checks of the matcher declarations, run by the typecheck (`tsc --noEmit`) under this
 * repository's Vitest 4; package.test.ts checks them under Vitest 5 in an installed project. Both
 * `@ts-expect-error` lines fail the typecheck if the matchers were untyped (`any`) or missing.
 */
import { expect } from 'vitest';
import type { RoundResult } from 'ledgerbench';

export async function matchersAreTyped(r: RoundResult): Promise<void> {
  expect(r).toHaveThroughputAbove(190);
  expect(r).not.toHaveNoMvccConflicts();
  expect(r).toHaveLatencyPercentileBelow(99.9, '1.5s');
  await expect(Promise.resolve(r)).resolves.toHaveP95LatencyBelow(250);
  // @ts-expect-error a misspelt matcher is a type error
  expect(r).toHaveThroughputAbov(190);
  // @ts-expect-error a percentile the matcher does not know
  expect(r).toHaveLatencyPercentileBelow(42, '1s');
}
