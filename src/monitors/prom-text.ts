/**
 * A parser for Prometheus' text exposition format 0.0.4 (what Fabric's /metrics and prom-client serve).
 * Strict on purpose: a body that is not this format (an HTML page, JSON, a proxy's error text) must be
 * reported as garbage rather than read as an empty set of metrics.
 */

/** The metric types the format declares; samples without a `# TYPE` line are `untyped`. */
export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** One sample line. */
export interface PromSample {
  /** The sample's own name, e.g. `x_bucket` inside family `x`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** All samples of one metric family. */
export interface PromFamily {
  name: string;
  type: PromType;
  samples: PromSample[];
}

/** The body could not be read as the text format; `line` is 1-based. */
export class PromParseError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'PromParseError';
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<PromType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Suffixes by which a histogram's or summary's samples belong to their family. */
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

/** Parse a whole exposition; families keyed by name, in order of appearance. Throws PromParseError. */
export function parsePromText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)\s*$/.exec(line);
      if (m) {
        const type = m[2] as PromType;
        if (!TYPES.has(type)) throw new PromParseError(i + 1, `unknown metric type '${m[2].slice(0, 20)}'`);
        if (!NAME.test(m[1])) throw new PromParseError(i + 1, 'bad metric name in TYPE line');
        const existing = families.get(m[1]);
        if (existing) existing.type = type;
        else families.set(m[1], { name: m[1], type, samples: [] });
      }
      continue; // HELP and free comments carry nothing we need
    }
    const sample = parseSampleLine(line, i + 1);
    familyOf(families, sample.name).samples.push(sample);
  }
  return families;
}

function familyOf(families: Map<string, PromFamily>, sampleName: string): PromFamily {
  const direct = families.get(sampleName);
  if (direct) return direct;
  for (const [type, suffixes] of Object.entries(SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!sampleName.endsWith(suffix)) continue;
      const fam = families.get(sampleName.slice(0, -suffix.length));
      if (fam && fam.type === type) return fam;
    }
  }
  const created: PromFamily = { name: sampleName, type: 'untyped', samples: [] };
  families.set(sampleName, created);
  return created;
}

/** `name{a="1",b="2"} value [timestamp]` */
function parseSampleLine(line: string, lineNo: number): PromSample {
  const nameMatch = NAME.exec(line);
  if (!nameMatch) throw new PromParseError(lineNo, `not a metric line: '${line.slice(0, 60)}'`);
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      while (line[pos] === ' ') pos++;
      if (line[pos] === '}') {
        pos++;
        break;
      }
      const ln = LABEL_NAME.exec(line.slice(pos));
      if (!ln) throw new PromParseError(lineNo, `bad label name in '${line.slice(0, 60)}'`);
      pos += ln[0].length;
      while (line[pos] === ' ') pos++;
      if (line[pos] !== '=' || line[pos + 1] !== '"') {
        throw new PromParseError(lineNo, `expected ="value" after label ${ln[0]}`);
      }
      pos += 2;
      let value = '';
      for (;;) {
        const ch = line[pos];
        if (ch === undefined) throw new PromParseError(lineNo, `unterminated label value of ${ln[0]}`);
        pos++;
        if (ch === '"') break;
        if (ch === '\\') {
          const esc = line[pos++];
          value += esc === 'n' ? '\n' : esc === '\\' ? '\\' : esc === '"' ? '"' : `\\${esc ?? ''}`;
        } else value += ch;
      }
      labels[ln[0]] = value;
      while (line[pos] === ' ') pos++;
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') throw new PromParseError(lineNo, `expected , or } after label ${ln[0]}`);
    }
  }
  const rest = line.slice(pos).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') {
    throw new PromParseError(lineNo, `expected a value (and optional timestamp) after ${name}`);
  }
  const value = parseValue(rest[0]);
  if (value === undefined) throw new PromParseError(lineNo, `'${rest[0].slice(0, 30)}' is not a number`);
  if (rest.length === 2 && !/^-?\d+$/.test(rest[1])) throw new PromParseError(lineNo, 'bad timestamp');
  return { name, labels, value };
}

function parseValue(text: string): number | undefined {
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes "Nan").
  switch (text.toLowerCase()) {
    case '+inf':
    case 'inf':
    case '+infinity':
    case 'infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
    case 'nan':
      return Number.NaN;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}
