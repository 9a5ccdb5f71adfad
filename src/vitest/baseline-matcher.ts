/**
 * `expect(r).toBeWithinBaseline({ throughput: '-5%', p95: '+10%' })`: the regression gate. It fails
 * only when a figure is worse than its margin with confidence (see src/baseline/statistics.ts),
 * reports improvements without failing, refuses a baseline of another benchmark definition, and in
 * update mode (`vitest -u`, LEDGERBENCH_UPDATE_BASELINE=1) marks the round for the reporter to record.
 */
import { relative } from 'node:path';
import { inject, TestRunner } from 'vitest';
import { compareRepeats, type Margin, parseMargins } from '../baseline/compare.ts';
import { fingerprintDifferences } from '../baseline/fingerprint.ts';
import { repeatsOf } from '../baseline/repeat.ts';
import { baselineKey, figureColumns, findEntry, readBaseline, UPDATE_COMMAND, UPDATE_ENV } from '../baseline/store.ts';
import type { AbFigures, BaselineComparison, BaselineKey, BaselineSettings, GateMetric, GatedRound } from '../baseline/types.ts';
import { baselineHeadline, baselineSource, metricLine } from '../report/baseline.ts';
import type { RoundResult } from '../stats/types.ts';
import { AB_ENV } from './ab-checkout.ts';
import { measuredRow } from './matchers.ts';

/** The provide/inject key of the baseline settings. */
export const BASELINE_KEY = 'ledgerbench:baseline';

declare module 'vitest' {
  export interface ProvidedContext {
    'ledgerbench:baseline': BaselineSettings;
  }
}

/** Fewer repeats than this cannot reach 95% confidence against a baseline of the same size. */
const MIN_REPEATS = 3;

/** The verdict and the message of one toBeWithinBaseline() call. */
export interface BaselineJudgement {
  comparison: BaselineComparison;
  message: string;
}

/**
 * Judges `round` against the baseline file in `settings` (the pure part of the matcher). `siblings`
 * are the rounds of the same test, which tell a label used twice apart.
 */
export function judgeAgainstBaseline(round: GatedRound, margins: unknown, settings: BaselineSettings, siblings: readonly RoundResult[] = [round]): BaselineJudgement {
  const parsed = parseMargins(margins);
  const key = baselineKey(round, siblings);
  const file = relative(process.cwd(), settings.path) || settings.path;
  const candidate = repeatsOf(round);
  const base = { file, key, candidateRepeats: candidate.length, metrics: [] };
  const name = `round '${key.round}' of '${key.test}' (${key.file})`;
  const refuse = (status: BaselineComparison['status'], message: string, extra: Partial<BaselineComparison> = {}): BaselineJudgement => ({ comparison: { ...base, status, pass: false, ...extra }, message });
  if (round.aborted) return refuse('compared', `${name} was aborted (${round.aborted.reason}), so it is not compared with its baseline`);
  if (candidate.length < MIN_REPEATS) {
    return refuse('compared', `${name} ran ${candidate.length} time(s): toBeWithinBaseline needs at least ${MIN_REPEATS} repeats to tell noise from a change; fix: add repeat: 5 to its benchRound() options`);
  }
  if (round.ab) return judgeAgainstOtherCheckout(round, round.ab, parsed, name, key, candidate.length);
  const entry = findEntry(readBaseline(settings.path), key);
  if (settings.update === 'all' || (settings.update === 'new' && !entry)) {
    return { comparison: { ...base, status: 'recorded', pass: true }, message: `${name} will be recorded in ${file}` };
  }
  if (!entry) {
    return refuse('missing', `no baseline for ${name} in ${file}; fix: record one with \`${UPDATE_COMMAND}\` (or ${UPDATE_ENV}=1), then commit ${file} or keep it as a CI artifact`);
  }
  const found = { recordedAt: entry.recordedAt, baselineRepeats: entry.repeats.throughput.length };
  const differences = round.fingerprint ? fingerprintDifferences(entry.fingerprint, round.fingerprint) : ['fingerprint: the round carries none (run it with benchRound())'];
  if (differences.length > 0) {
    return refuse(
      'different definition',
      `the baseline of ${name} in ${file} (recorded ${entry.recordedAt}) was measured with a different benchmark definition, so it is not compared:\n  ${differences.join('\n  ')}\n  fix: if the change is intended, record a new baseline with \`${UPDATE_COMMAND}\``,
      { ...found, differences },
    );
  }
  const metrics = compareRepeats(parsed, entry.repeats, candidate);
  const pass = metrics.every((m) => m.verdict !== 'regression' && m.verdict !== 'too few repeats');
  const histogram = entry.latencyHistograms ? { baselineLatencyHistogram: entry.latencyHistograms.merged } : {};
  const comparison: BaselineComparison = { ...base, ...found, status: 'compared', metrics, pass, ...histogram };
  const hint = metrics.some((m) => m.verdict === 'too few repeats') ? `\n  fix: the baseline has too few repeats; record it again with repeat: 5 and \`${UPDATE_COMMAND}\`` : '';
  return { comparison, message: `${name}: ${baselineHeadline(comparison)} against ${baselineSource(comparison)}\n  ${metrics.map(metricLine).join('\n  ')}${hint}` };
}

/**
 * A/B mode: the same statistics against the other checkout's repeats, measured interleaved in this
 * run; no baseline file is read or written. The definitions must match as a baseline's must.
 */
function judgeAgainstOtherCheckout(round: GatedRound, ab: AbFigures, margins: Margin[], name: string, key: BaselineKey, candidateRepeats: number): BaselineJudgement {
  const file = relative(process.cwd(), ab.checkout) || '.';
  const base = { file, key, candidateRepeats, baselineRepeats: ab.repeats.length, against: { checkout: ab.checkout, order: ab.order }, metrics: [] };
  const other = `the other checkout ${file} (${AB_ENV})`;
  const refuse = (status: BaselineComparison['status'], message: string, extra: Partial<BaselineComparison> = {}): BaselineJudgement => ({ comparison: { ...base, status, pass: false, ...extra }, message });
  if (ab.aborted) return refuse('compared', `${name}: the repeats of ${other} were aborted (${ab.aborted}), so it is not compared`);
  const differences = round.fingerprint && ab.fingerprint ? fingerprintDifferences(ab.fingerprint, round.fingerprint) : ['fingerprint: a side carries none (run it with benchRound())'];
  if (differences.length > 0) {
    return refuse('different definition', `${name} runs a different benchmark definition in ${other}, so they are not compared:\n  ${differences.join('\n  ')}\n  fix: compare checkouts whose benchmark (workload, rate, network file) is the same; a changed benchmark has no A/B comparison`, { differences });
  }
  const metrics = compareRepeats(margins, figureColumns(ab.repeats), repeatsOf(round));
  const pass = metrics.every((m) => m.verdict !== 'regression' && m.verdict !== 'too few repeats');
  const comparison: BaselineComparison = { ...base, status: 'compared', metrics, pass, ...(ab.latencyHistogram ? { baselineLatencyHistogram: ab.latencyHistogram } : {}) };
  return { comparison, message: `${name}: ${baselineHeadline(comparison)} against ${baselineSource(comparison)}\n  ${metrics.map(metricLine).join('\n  ')}` };
}

function isRound(value: unknown): value is GatedRound {
  return typeof value === 'object' && value !== null && (value as RoundResult).schemaVersion === 1 && Array.isArray((value as RoundResult).expectations);
}

/** The matcher, as passed to expect.extend(). */
export const baselineMatchers = {
  toBeWithinBaseline(this: { isNot: boolean }, received: unknown, margins: unknown) {
    if (!isRound(received)) throw new TypeError('toBeWithinBaseline: expected the RoundResult that benchRound() returns');
    if (this.isNot) throw new TypeError('toBeWithinBaseline: .not is not supported; a gate that passes on a regression is not a gate');
    const settings = inject(BASELINE_KEY);
    if (!settings) throw new Error('toBeWithinBaseline runs only in a ledgerbench project: add ledgerbench() to test.projects in vitest.config.ts');
    const siblings = TestRunner.getCurrentTest()?.meta.ledgerbench ?? [received];
    const { comparison, message } = judgeAgainstBaseline(received, margins, settings, siblings);
    received.baseline = comparison;
    const expected = `within the baseline by ${Object.entries(margins as Record<string, string>).map(([k, v]) => `${k} ${v}`).join(', ')}`;
    received.expectations.push({ matcher: 'toBeWithinBaseline', expected, actual: baselineHeadline(comparison), pass: comparison.pass });
    return { pass: comparison.pass, message: () => `${message}\n  ${measuredRow(received)}` };
  },
};

/** The matcher's type; `R` is what a matcher returns. */
export interface BaselineMatchers<R = unknown> {
  /**
   * Fails when a figure is worse than its margin with 95% confidence against the round's baseline
   * (`'-5%'` for throughput and successRate, `'+10%'` for latencies: avg, p50 ... p999).
   */
  toBeWithinBaseline(margins: { [K in GateMetric]?: string }): R;
}
