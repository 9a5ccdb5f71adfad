/**
 * The baseline file: reading it (with errors that name the file and the fix), finding a round's entry,
 * and writing it back small and diff-friendly (one line per figure list, rounds sorted by key).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { environmentInfo } from '../report/environment.ts';
import { decodeHistogram } from '../stats/hdr.ts';
import type { RoundResult } from '../stats/types.ts';
import { repeatsOf } from './repeat.ts';
import type { BaselineEntry, BaselineFile, BaselineKey, BaselineUpdateMode, GatedRound, RepeatFigures } from './types.ts';

/** The default baseline file, next to the project root (the folder Vitest runs in). */
export const DEFAULT_BASELINE_FILE = 'ledgerbench-baseline.json';

/** The environment variable that asks for baselines to be written, as `vitest -u` does. */
export const UPDATE_ENV = 'LEDGERBENCH_UPDATE_BASELINE';

/** The command a user runs to record baselines, for messages. */
export const UPDATE_COMMAND = 'npx vitest run --project perf -u';

/**
 * The update mode from Vitest's resolved `update` (`-u`, `--update`, `--update=new`) and
 * LEDGERBENCH_UPDATE_BASELINE (`1`/`true`/`all`, or `new`). Vitest's own default ('new' outside CI
 * for snapshots) is not a request: baselines are written only when asked for, so a laptop's figures
 * never become the baseline by accident.
 */
export function updateMode(vitestUpdate: unknown, env = process.env[UPDATE_ENV]): BaselineUpdateMode {
  const asked = (v: unknown): BaselineUpdateMode => (v === true || v === 'all' || v === '1' || v === 'true' ? 'all' : v === 'new' ? 'new' : 'none');
  const fromVitest = asked(vitestUpdate);
  const fromEnv = asked(env);
  return fromVitest === 'all' || fromEnv === 'all' ? 'all' : fromVitest === 'new' || fromEnv === 'new' ? 'new' : 'none';
}

/** Reads a baseline file; null when there is none. A damaged file is an error naming it and the fix. */
export function readBaseline(path: string): BaselineFile | null {
  if (!existsSync(path)) return null;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not a ledgerbench baseline file (${(err as Error).message}); fix: delete it and record a new one with \`${UPDATE_COMMAND}\``, { cause: err });
  }
  const file = data as BaselineFile;
  if (file?.tool !== 'ledgerbench' || file.schemaVersion !== 1 || !Array.isArray(file.rounds)) {
    throw new Error(`${path}: not a ledgerbench baseline file of schemaVersion 1; fix: record a new one with \`${UPDATE_COMMAND}\``);
  }
  for (const entry of file.rounds) checkHistograms(path, entry);
  return file;
}

/**
 * A damaged histogram would only show much later, as a missing chart or a crash in a report: it is
 * refused here, naming the round and the field.
 */
function checkHistograms(path: string, entry: BaselineEntry): void {
  const h = entry.latencyHistograms;
  if (h === undefined) return;
  const where = `${path}: round '${entry.round}' of '${entry.test}' (${entry.file}): latencyHistograms`;
  const fix = `fix: record the baseline again with \`${UPDATE_COMMAND}\``;
  const repeats = entry.repeats?.throughput?.length;
  if (typeof h !== 'object' || h === null || typeof h.merged !== 'string' || !Array.isArray(h.repeats) || h.repeats.length !== repeats) {
    throw new Error(`${where}: must be { merged, repeats } with one histogram per repeat (${repeats}); ${fix}`);
  }
  for (const [field, text] of [['merged', h.merged], ...h.repeats.map((t, i) => [`repeats[${i}]`, t])] as Array<[string, unknown]>) {
    if (text === null && field !== 'merged') continue;
    try {
      decodeHistogram(text as string);
    } catch (err) {
      throw new Error(`${where}.${field}: ${(err as Error).message}; ${fix}`, { cause: err });
    }
  }
}

/**
 * A test file's path relative to the folder the run started in (the project root), POSIX separators:
 * not relative to the baseline file, which CI may download anywhere.
 */
function keyPath(file: string, cwd: string): string {
  const abs = isAbsolute(file) ? file : resolve(cwd, file);
  return (relative(cwd, abs) || abs).split(sep).join('/');
}

/**
 * A round's key: its test file (relative to `cwd`), test and label. A label that comes back within
 * one test (a loop) gets `#2`, `#3` from its place among `siblings`, the test's rounds.
 */
export function baselineKey(round: RoundResult, siblings: readonly RoundResult[] = [round], cwd = process.cwd()): BaselineKey {
  const same = siblings.filter((r) => r.label === round.label);
  const nth = Math.max(same.indexOf(round), 0) + 1;
  return {
    file: keyPath(round.origin?.file ?? 'unknown', cwd),
    test: round.origin?.test ?? '',
    round: nth > 1 ? `${round.label} #${nth}` : round.label,
  };
}

const sameKey = (a: BaselineKey, b: BaselineKey) => a.file === b.file && a.test === b.test && a.round === b.round;

/** The entry for `key`, if the file has one. */
export function findEntry(file: BaselineFile | null, key: BaselineKey): BaselineEntry | undefined {
  return file?.rounds.find((e) => sameKey(e, key));
}

/** Per-repeat figures as columns: one list per figure. */
export function figureColumns(repeats: RepeatFigures[]): BaselineEntry['repeats'] {
  const keys = Object.keys(repeats[0]) as Array<keyof RepeatFigures>;
  return Object.fromEntries(keys.map((k) => [k, repeats.map((r) => r[k])])) as BaselineEntry['repeats'];
}

/** The histograms a baseline entry keeps: the merged one and each repeat's (a single run is its own merge). */
function latencyHistogramsOf(round: GatedRound): Pick<BaselineEntry, 'latencyHistograms'> {
  if (!round.latencyHistogram) return {};
  return { latencyHistograms: { merged: round.latencyHistogram, repeats: round.repeatLatencyHistograms ?? [round.latencyHistogram] } };
}

/** A round's baseline entry; null when the round cannot be one (aborted, or without its fingerprint). */
export function entryOf(round: GatedRound, key: BaselineKey, recordedAt = new Date().toISOString()): BaselineEntry | null {
  if (round.aborted || !round.fingerprint) return null;
  return {
    ...key,
    recordedAt,
    fingerprint: round.fingerprint,
    repeats: figureColumns(repeatsOf(round)),
    ...latencyHistogramsOf(round),
    environment: environmentInfo(),
  };
}

/** What writeBaseline() did, for the line the reporter prints. */
export interface BaselineWrite {
  added: number;
  updated: number;
  kept: number;
}

/**
 * Merges `entries` into the file at `path` (created if missing): `all` replaces existing entries,
 * `new` only adds missing ones; entries of rounds not run are kept as they were.
 */
export function writeBaseline(path: string, entries: BaselineEntry[], mode: Exclude<BaselineUpdateMode, 'none'>): BaselineWrite {
  const current = readBaseline(path);
  const rounds = [...(current?.rounds ?? [])];
  const result: BaselineWrite = { added: 0, updated: 0, kept: 0 };
  for (const e of entries) {
    const at = rounds.findIndex((r) => sameKey(r, e));
    if (at < 0) {
      rounds.push(e);
      result.added++;
    } else if (mode === 'all') {
      rounds[at] = e;
      result.updated++;
    } else {
      result.kept++;
    }
  }
  const order = (e: BaselineKey) => `${e.file}\u0000${e.test}\u0000${e.round}`;
  rounds.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const file: BaselineFile = { schemaVersion: 1, tool: 'ledgerbench', rounds };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatBaseline(file));
  return result;
}

/**
 * Pretty JSON with every list of plain numbers or strings on one line: a re-recorded baseline shows in
 * a diff as one changed line per figure rather than one per repeat.
 */
export function formatBaseline(file: BaselineFile): string {
  const text = JSON.stringify(file, null, 2);
  return `${text.replace(/\[\n\s+([^[\]{}]*?)\n\s*\]/g, (_, items: string) => `[${items.split(/,\n\s*/).join(', ')}]`)}\n`;
}
