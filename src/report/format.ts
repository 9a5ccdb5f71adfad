/**
 * Number, unit and text formatting shared by the terminal tables, the HTML page and the Markdown
 * summary, so the same figure reads the same everywhere.
 */
import { isAbsolute, relative } from 'node:path';

/** Shown wherever a figure is unknown (null, NaN, infinite). */
export const UNKNOWN = '-';

/** True for a finite number; null, undefined, NaN and infinities are "unknown". */
export function known(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** Fixed decimals, or '-' when unknown. */
export function fixed(n: number | null | undefined, decimals: number): string {
  return known(n) ? n.toFixed(decimals) : UNKNOWN;
}

/** Latency in milliseconds with two decimals (the unit every table header names). */
export function ms(n: number | null | undefined): string {
  return fixed(n, 2);
}

/** A rate in transactions per second with one decimal, as Caliper prints it. */
export function tps(n: number | null | undefined): string {
  return fixed(n, 1);
}

/** A CPU share in percent with two decimals, e.g. `17.40%`. */
export function percent(n: number | null | undefined): string {
  return known(n) ? `${n.toFixed(2)}%` : UNKNOWN;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units: `512 B`, `164.4 KiB`, `1.3 GiB`; '-' when unknown. */
export function bytes(n: number | null | undefined): string {
  if (!known(n)) return UNKNOWN;
  if (Math.abs(n) < 1024) return `${Math.round(n)} B`;
  let v = n;
  let unit = '';
  for (const u of BYTE_UNITS) {
    v /= 1024;
    unit = u;
    if (Math.abs(v) < 1024) break;
  }
  return `${v.toFixed(1)} ${unit}`;
}

/** A count with thousands separators that do not depend on the machine's locale. */
export function count(n: number | null | undefined): string {
  if (!known(n)) return UNKNOWN;
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A duration in seconds as `950 ms`, `42.0 s`, `3 min 05 s` or `1 h 02 min`. */
export function duration(sec: number | null | undefined): string {
  if (!known(sec)) return UNKNOWN;
  if (sec < 1) return `${Math.round(sec * 1000)} ms`;
  if (sec < 60) return `${sec.toFixed(1)} s`;
  const s = Math.round(sec);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

// C0/C1 controls (newlines, ESC of ANSI sequences) and bidi overrides would break a table's box or
// let a label repaint the terminal; zero-width characters would break alignment.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** User text made safe for one terminal cell: control, zero-width and bidi characters become spaces. */
export function oneLine(text: string): string {
  return text.replace(UNSAFE_CHARS, ' ');
}

/** Columns a code point takes in a monospace terminal: 2 for East Asian wide forms, 0 for combining marks. */
function charWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Width of text in terminal columns (Korean, Chinese and Japanese characters count two). */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/**
 * Shortens text to at most `max` columns by cutting out its middle, as Caliper does with long container
 * names (`dev-peer0.org1.example.co...nk-v0`): both the prefix and the suffix of names tell them apart.
 */
export function truncateMiddle(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  const chars = [...text];
  const budget = Math.max(max - 3, 2);
  const headBudget = Math.ceil(budget / 2);
  const tailBudget = budget - headBudget;
  let head = '';
  let used = 0;
  for (const ch of chars) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > headBudget) break;
    head += ch;
    used += w;
  }
  let tail = '';
  used = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = charWidth(chars[i].codePointAt(0)!);
    if (used + w > tailBudget) break;
    tail = chars[i] + tail;
    used += w;
  }
  return `${head}...${tail}`;
}

/** Pads text with spaces to `width` columns, on the right (`left` alignment) or the left. */
export function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * Where a round came from, as a reader finds it: the file relative to `cwd` (absolute when it is
 * outside), then the test's full name, e.g. `perf/transfer.perf.ts > transfer holds 200 tps`.
 */
export function originText(origin: { file: string; test?: string } | undefined, cwd = process.cwd()): string {
  if (!origin) return '';
  const rel = relative(cwd, origin.file);
  const file = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : origin.file;
  return origin.test ? `${file} > ${origin.test}` : file;
}

/** A plain figure: integers with thousands separators, fractions with three significant digits. */
export function figure(n: number | null | undefined): string {
  if (!known(n)) return UNKNOWN;
  if (Number.isInteger(n)) return count(n);
  const abs = Math.abs(n);
  return abs >= 100 ? count(n) : n.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}
