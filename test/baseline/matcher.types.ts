/**
 * Type-level checks of toBeWithinBaseline() on Vitest's expect (checked by `tsc --noEmit`, never run):
 * the gated figures are typed, so a misspelt one fails the type check.
 */
import { expect } from 'vitest';
import type { BenchRoundOptions } from 'ledgerbench';
import type { GatedRound } from '../../src/baseline/types.ts';

export function typedMargins(r: GatedRound): void {
  expect(r).toBeWithinBaseline({ throughput: '-5%', p95: '+10%', successRate: '-1%' });
  // @ts-expect-error: not a gated figure
  expect(r).toBeWithinBaseline({ thruput: '-5%' });
  // @ts-expect-error: margins are strings such as '-5%'
  expect(r).toBeWithinBaseline({ throughput: 0.05 });
}

export const repeatIsAnOption: BenchRoundOptions = { label: 'x', txNumber: 10, workload: './w.ts', repeat: 5 };
