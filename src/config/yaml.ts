import { readFileSync } from 'node:fs';
import { CORE_SCHEMA, EVENT_ID, getScalarValue, load, mergeTag, parseEvents, type Event } from 'js-yaml';
import { ConfigError } from './errors.ts';

/**
 * YAML 1.2's core schema plus merge keys (`<<: *anchor`): Caliper's own configs share settings through
 * anchors and merges, and js-yaml 5 leaves `<<` as an ordinary key unless asked.
 */
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/** A parsed YAML file and where its keys are. */
export interface YamlDocument {
  /** The parsed value, merge keys expanded. */
  data: unknown;
  /**
   * The 1-based line of the key at a dotted path such as `test.rounds[1].chaincodeID`; undefined for
   * paths that are not written in the file (values merged in from an anchor, defaults).
   */
  lineOf(path: string): number | undefined;
  /**
   * Whether the value at a dotted path carries an anchor (`simpleArgs: &simple-args`): Caliper files
   * keep shared settings under top-level keys of their own choosing, used only through aliases.
   */
  isAnchored(path: string): boolean;
}

/**
 * Reads and parses a YAML (or JSON) file. Syntax errors come back as ConfigError with the line and
 * column, so the user can jump straight to the spot.
 */
export function readYamlFile(file: string): unknown {
  return readYamlDocument(file).data;
}

/** {@link readYamlFile} with the lines of the file's keys, for errors that point at a field. */
export function readYamlDocument(file: string): YamlDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '(file)', `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'check the path; relative paths resolve against the current folder');
  }
  const data = parseYaml(text, file);
  let layout: Layout | undefined;
  // Only errors and anchors need the layout: the second pass over the text runs when one is asked for.
  const get = () => (layout ??= layoutOf(text, file));
  return { data, lineOf: (path) => get().lines.get(path), isAnchored: (path) => get().anchored.has(path) };
}

/** Where the keys of a file are, and which values carry anchors. */
interface Layout {
  lines: Map<string, number>;
  anchored: Set<string>;
}

/**
 * Parses YAML text read elsewhere (a network file, a connection profile) the way every ledgerbench
 * YAML is read: merge keys expanded, a syntax error as a ConfigError naming `file`, line and column.
 */
export function parseYaml(text: string, file: string): unknown {
  try {
    return load(text, { filename: file, schema: SCHEMA });
  } catch (err) {
    const e = err as { mark?: { line: number; column: number }; reason?: string; message: string };
    const where = e.mark ? `line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '(syntax)';
    throw new ConfigError(file, where, `YAML syntax error: ${e.reason ?? e.message}`, 'fix the YAML at that position (indentation and `key: value` pairs are the usual culprits)');
  }
}

/** One open mapping or sequence while walking the parser's events. */
interface Frame {
  kind: 'map' | 'seq';
  path: string;
  /** Mapping: the next scalar is a key. */
  expectKey: boolean;
  key: string;
  /** Sequence: index of the next item. */
  index: number;
}

/** Lines of every mapping key written in the text and the anchored values, by dotted path. */
function layoutOf(text: string, file: string): Layout {
  const out = new Map<string, number>();
  const anchored = new Set<string>();
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  let events: Event[];
  try {
    events = parseEvents(text, { filename: file });
  } catch {
    return { lines: out, anchored };
  }
  const stack: Frame[] = [];
  const childPath = (): string => {
    const top = stack.at(-1);
    if (!top) return '';
    if (top.kind === 'seq') return `${top.path}[${top.index}]`;
    return top.path ? `${top.path}.${top.key}` : top.key;
  };
  const valueDone = () => {
    const top = stack.at(-1);
    if (!top) return;
    if (top.kind === 'seq') top.index++;
    else top.expectKey = true;
  };
  for (const ev of events) {
    if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) {
      const top = stack.at(-1);
      // A collection used as a key (rare in configs) gets no path of its own.
      const path = top?.kind === 'map' && top.expectKey ? '?' : childPath();
      if (top?.kind === 'map' && top.expectKey) {
        top.key = '?';
        top.expectKey = false;
      }
      if (ev.anchorStart !== -1) anchored.add(path);
      stack.push({ kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', path, expectKey: true, key: '', index: 0 });
    } else if (ev.type === EVENT_ID.SCALAR) {
      const top = stack.at(-1);
      if (top?.kind === 'map' && top.expectKey) {
        top.key = getScalarValue(text, ev);
        top.expectKey = false;
        const path = top.path ? `${top.path}.${top.key}` : top.key;
        if (!out.has(path)) out.set(path, lineAt(ev.valueStart));
      } else {
        if (ev.anchorStart !== -1) anchored.add(childPath());
        valueDone();
      }
    } else if (ev.type === EVENT_ID.ALIAS) {
      valueDone();
    } else if (ev.type === EVENT_ID.POP) {
      if (stack.pop()) valueDone();
    }
  }
  return { lines: out, anchored };
}
