import { expect } from 'vitest';
import { RoundAggregator, type RoundMeta } from '../../src/stats/aggregate.ts';
import { type RecorderOptions, TxRecorder } from '../../src/stats/recorder.ts';
import type { TxOutcome } from '../../src/connectors/types.ts';

/** One transaction as a test describes it: times in ms since the round start. */
export interface Tx {
  index: number;
  intended?: number;
  sent: number;
  end: number;
  ok?: boolean;
  reason?: string;
  phases?: Record<string, number>;
}

export const OK: TxOutcome = { ok: true };

/** Feeds transactions through onSend then onDone, as a worker would. */
export function feed(rec: TxRecorder, txs: Tx[]): void {
  for (const t of txs) rec.onSend(t.index, t.intended ?? t.sent, t.sent);
  for (const t of txs) {
    const outcome: TxOutcome = t.ok === false ? { ok: false, reason: t.reason } : t.phases ? { ok: true, phases: t.phases } : OK;
    rec.onDone(t.index, t.intended ?? t.sent, t.sent, t.end, outcome);
  }
}

export function recorder(opts: Partial<RecorderOptions> = {}): TxRecorder {
  return new TxRecorder({ workerIndex: 0, trim: 0, trimBy: 'tx', openModel: false, ...opts });
}

export function meta(over: Partial<RoundMeta> = {}): RoundMeta {
  return {
    label: 'r',
    roundIndex: 0,
    workers: 1,
    rateControl: { type: 'fixed-rate', opts: { tps: 10 } },
    model: 'closed',
    trim: 0,
    startedAt: '2026-11-01T00:00:00.000Z',
    ...over,
  };
}

/** Aggregates a single recorder's transactions into a result. */
export function resultOf(txs: Tx[], opts: Partial<RecorderOptions> = {}, over: Partial<RoundMeta> = {}) {
  const rec = recorder(opts);
  feed(rec, txs);
  const agg = new RoundAggregator(meta({ model: opts.openModel ? 'open' : 'closed', ...over }));
  agg.add(0, rec.takeSnapshot());
  return agg.result();
}

/** Asserts `actual` is within HDR precision (0.1%, plus 1 µs) of `expected`. */
export function expectHdr(actual: number | null | undefined, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.001);
}
