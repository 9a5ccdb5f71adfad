/**
 * Checking the field names of a configuration mapping: a name that is neither used nor known to
 * Caliper is an error that suggests the closest known name (a typo such as `monitors` for `monitor`
 * must not switch something off unseen); a name Caliper accepts but ledgerbench has no use for is
 * accepted with one warning per field.
 */
import { ConfigError } from './errors.ts';

/** The field names one mapping may hold. */
export interface FieldRules {
  /** What the mapping is, for messages: `test`, `a round`, `the file`. */
  what: string;
  /** Fields that are read. */
  used: readonly string[];
  /** Fields accepted for compatibility that change nothing here, each with why (for the warning). */
  noEffect?: Readonly<Record<string, string>>;
}

/** Where the mapping sits and where its problems go. */
export interface FieldSite {
  source: string;
  /** Dotted path of the mapping ('' for the document). */
  path: string;
  /** Line of a dotted path in the file, when known. */
  lineOf?: (path: string) => number | undefined;
  warnings: NoEffectWarnings;
}

/** Joins a mapping path and a key into the key's dotted path. */
export function fieldPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** ` (line N)` when the file gives the field's line, else ''. */
export function lineNote(site: Pick<FieldSite, 'lineOf'>, path: string): string {
  const line = site.lineOf?.(path);
  return line === undefined ? '' : ` (line ${line})`;
}

/**
 * Throws a ConfigError for the first field that `rules` do not know, and records a warning for each
 * field that has no effect. YAML merge keys are expanded before this runs, so `<<` never reaches it.
 */
export function checkFields(value: Record<string, unknown>, rules: FieldRules, site: FieldSite): void {
  const noEffect = rules.noEffect ?? {};
  const known = [...rules.used, ...Object.keys(noEffect)];
  for (const key of Object.keys(value)) {
    const path = fieldPath(site.path, key);
    if (rules.used.includes(key)) continue;
    if (Object.hasOwn(noEffect, key)) {
      site.warnings.add(path, noEffect[key]);
      continue;
    }
    const closest = closestName(key, known);
    const list = `fields of ${rules.what}: ${known.join(', ')}`;
    throw new ConfigError(site.source, path, `is not a field of ${rules.what}${lineNote(site, path)}`, closest ? `rename it to \`${closest}\` (${list})` : `remove it, or use one of the ${list}`);
  }
}

/**
 * The known name a typo most likely meant: the smallest edit distance (insertions, deletions,
 * substitutions and swaps of neighbours, ignoring case), if it is small for the name's length.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/** Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * Warnings about fields that have no effect, one line per field: the same field in several rounds
 * (`test.rounds[0].chaincodeID`, `test.rounds[1].chaincodeID`, ...) is one line naming the first and
 * counting the others, so a file with many rounds does not flood the log.
 */
export class NoEffectWarnings {
  private readonly byField = new Map<string, { first: string; count: number; why: string }>();

  /** Records that the field at `path` has no effect, and why. */
  add(path: string, why: string): void {
    const key = path.replace(/\[\d+\]/g, '[]');
    const seen = this.byField.get(key);
    if (seen) seen.count++;
    else this.byField.set(key, { first: path, count: 1, why });
  }

  /** Hands one line per field to `warn`, naming the file and field. */
  flush(source: string, warn: (message: string) => void): void {
    for (const { first, count, why } of this.byField.values()) {
      const more = count > 1 ? ` (and ${count - 1} more like it)` : '';
      warn(`${source}: ${first}${more}: has no effect here; ${why}`);
    }
    this.byField.clear();
  }
}
