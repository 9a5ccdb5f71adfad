/**
 * A plain-text table in Caliper's ASCII box style:
 *
 *   +------+------+
 *   | Name | Succ |
 *   |------|------|
 *   | open |  100 |
 *   +------+------+
 *
 * ASCII rather than Unicode box drawing because CI log viewers and old Windows consoles render it
 * everywhere, and Caliper users recognise it. Widths count terminal columns (wide CJK characters
 * count two) and ANSI colour is applied after padding, so colour never shifts the alignment.
 */
import { displayWidth, oneLine, pad, truncateMiddle } from './format.ts';

/** One column of a box table. */
export interface BoxColumn {
  header: string;
  /** Numbers read best right-aligned; names left-aligned. */
  align: 'left' | 'right';
  /** Longer cells are shortened in the middle to this many columns, so one long value cannot push the table off screen. */
  maxWidth?: number;
}

/** A cell: its text, and optionally an ANSI style applied when colour is on. */
export type BoxCell = string | { text: string; style?: Style };

/** ANSI styles the reports use. */
export type Style = 'bold' | 'red' | 'green' | 'yellow' | 'dim';

const ANSI: Record<Style, [string, string]> = {
  bold: ['\u001b[1m', '\u001b[22m'],
  red: ['\u001b[31m', '\u001b[39m'],
  green: ['\u001b[32m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  dim: ['\u001b[2m', '\u001b[22m'],
};

/** Wraps text in an ANSI style when `color` is on; returns it unchanged otherwise. */
export function paint(text: string, style: Style | undefined, color: boolean): string {
  if (!color || !style) return text;
  const [on, off] = ANSI[style];
  return `${on}${text}${off}`;
}

/** Renders rows under headers as a box table; lines end without trailing spaces and with no final newline. */
export function boxTable(columns: BoxColumn[], rows: BoxCell[][], color = false): string {
  const cell = (c: BoxCell | undefined) => (typeof c === 'string' ? { text: c } : (c ?? { text: '' }));
  const body = rows.map((row) =>
    columns.map((col, i) => {
      const c = cell(row[i]);
      const text = oneLine(c.text);
      return { text: col.maxWidth ? truncateMiddle(text, col.maxWidth) : text, style: c.style };
    }),
  );
  const widths = columns.map((col, i) => Math.max(displayWidth(col.header), ...body.map((r) => displayWidth(r[i].text))));
  const rule = (edge: string, join: string) => edge + widths.map((w) => '-'.repeat(w + 2)).join(join) + edge;
  const line = (cells: Array<{ text: string; style?: Style }>, aligns: Array<'left' | 'right'>) =>
    `| ${cells.map((c, i) => paint(pad(c.text, widths[i], aligns[i]), c.style, color)).join(' | ')} |`;
  return [
    rule('+', '+'),
    line(
      columns.map((c) => ({ text: c.header, style: 'bold' as const })),
      columns.map((c) => c.align),
    ),
    rule('|', '|'),
    ...body.map((r) =>
      line(
        r,
        columns.map((c) => c.align),
      ),
    ),
    rule('+', '+'),
  ].join('\n');
}
