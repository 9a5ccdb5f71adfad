/** The end of an update run (`vitest -u`): the rounds toBeWithinBaseline() marked go into the baseline file. */
import { relative } from 'node:path';
import type { RoundResult } from '../stats/types.ts';
import { entryOf, writeBaseline } from './store.ts';
import type { BaselineEntry, BaselineSettings, GatedRound } from './types.ts';

/**
 * Writes the baseline entries of the rounds marked `recorded` and returns the line to print, or null
 * when the run recorded none. An interrupted run records nothing: half a run is no baseline.
 */
export function recordBaselines(rounds: RoundResult[], settings: BaselineSettings, interrupted: boolean): string | null {
  if (settings.update === 'none') return null;
  const marked = (rounds as GatedRound[]).filter((r) => r.baseline?.status === 'recorded');
  if (marked.length === 0) return null;
  const file = relative(process.cwd(), settings.path) || settings.path;
  if (interrupted) return `ledgerbench: baseline ${file} not updated: the run was interrupted`;
  const entries = marked.map((r) => (r.baseline ? entryOf(r, r.baseline.key) : null)).filter((e): e is BaselineEntry => e !== null);
  const done = writeBaseline(settings.path, entries, settings.update);
  return `ledgerbench: baseline ${file}: ${done.added} added, ${done.updated} updated${done.kept ? `, ${done.kept} kept (update mode new)` : ''}`;
}
