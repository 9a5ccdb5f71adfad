import { describe, expect, test } from 'vitest';
import { displayWidth } from '../../src/report/format.ts';
import { RESOURCE_TABLE_HEADERS, ROUND_TABLE_HEADERS, resourceTable, roundDetails, roundTable } from '../../src/report/index.ts';
import { abortedRound, conflictRound, openRound, queryRound, twoFileReport } from './fixtures.ts';

const rounds = [openRound, queryRound, conflictRound, abortedRound];

/** Cells of a `| a | b |` line, trimmed. */
function cells(line: string): string[] {
  return line
    .slice(1, -1)
    .split(' | ')
    .map((c) => c.trim());
}

/** Every line of a box has the same terminal width and starts and ends with a border. */
function expectIntactBox(table: string): void {
  const lines = table.split('\n');
  const width = displayWidth(lines[0]);
  for (const l of lines) {
    expect(displayWidth(l)).toBe(width);
    expect(l[0]).toMatch(/[+|]/);
    expect(l.at(-1)).toMatch(/[+|]/);
  }
  // Column borders line up on every line (positions of + and | in rules and rows).
  const borders = (l: string) => [...l].flatMap((ch, i) => (ch === '|' || ch === '+' ? [i] : []));
  expect(borders(lines[1])).toEqual(borders(lines[0]));
}

describe('roundTable', () => {
  const table = roundTable(rounds);
  const lines = table.split('\n');

  test("has Caliper's columns in Caliper's order, then p95 and p99, with units in the headers", () => {
    expect(cells(lines[1])).toEqual([...ROUND_TABLE_HEADERS]);
    expect(ROUND_TABLE_HEADERS.slice(0, 9)).toEqual([
      'Test',
      'Name',
      'Succ',
      'Fail',
      'Send Rate (TPS)',
      'Max Latency (ms)',
      'Min Latency (ms)',
      'Avg Latency (ms)',
      'Throughput (TPS)',
    ]);
    expect(lines[0]).toMatch(/^\+-+\+/);
    expect(lines[2]).toMatch(/^\|-+\|/);
    expect(lines).toHaveLength(4 + rounds.length);
  });

  test('rows carry the figures, latency in ms with two decimals, rates with one', () => {
    expect(cells(lines[3])).toEqual(['1', 'open', '1000', '0', '50.1', '671.00', '44.00', '126.50', '49.0', '231.00', '352.00']);
    expect(cells(lines[5]).slice(0, 4)).toEqual(['3', 'transfer', '2650', '352']);
    expect(cells(lines[6])[1]).toBe('mint (aborted)');
  });

  test('numbers are right-aligned, names left-aligned, and the box is intact', () => {
    expectIntactBox(table);
    const succ = lines[4].split('|')[3];
    expect(succ).toBe(' 1000 ');
    expect(lines[3].split('|')[2]).toMatch(/^ open +$/);
    expect(lines[3].split('|')[5]).toMatch(/^ +50\.1 $/);
  });

  test('no ANSI codes without colour, colour only where asked', () => {
    expect(table).not.toContain('\u001b[');
    const coloured = roundTable(rounds, { color: true });
    expect(coloured).toContain('\u001b[31m');
    // Colour does not change the text once the codes are stripped.
    // eslint-disable-next-line no-control-regex -- stripping ANSI codes
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(table);
  });

  test('a long, wide or hostile label does not break the box', () => {
    const long = { ...queryRound, label: `한국어 라벨 ${'very-long-label-'.repeat(10)}end` };
    const hostile = { ...queryRound, label: 'evil\nname\u001b[2J\twith\u202etricks' };
    const t = roundTable([openRound, long, hostile]);
    expectIntactBox(t);
    const rows = t.split('\n');
    expect(cells(rows[4])[1]).toContain('...');
    expect(cells(rows[4])[1]).toMatch(/^한국어 라벨/);
    expect(cells(rows[4])[1]).toMatch(/label-end$/);
    expect(t).not.toContain('\u001b');
    expect(t).not.toContain('\u202e');
    expect(rows).toHaveLength(7);
  });

  test("'-' for latency when no transaction succeeded", () => {
    const none = { ...queryRound, succeeded: 0, failed: 10, latency: { ...queryRound.latency, count: 0 } };
    const row = cells(roundTable([none]).split('\n')[3]);
    expect(row.slice(5, 8)).toEqual(['-', '-', '-']);
    expect(row.slice(9)).toEqual(['-', '-']);
  });
});

describe('resourceTable', () => {
  const table = resourceTable(openRound);
  const lines = table.split('\n');

  test("Caliper's resource columns with averages, binary units, '-' for unknown", () => {
    expect(cells(lines[1])).toEqual([...RESOURCE_TABLE_HEADERS]);
    expect(cells(lines[3])).toEqual(['Process', 'node worker.js (worker 0)', '96.8 MiB', '88.0 MiB', '34.40%', '21.50%', '-', '-', '-', '-']);
    expect(cells(lines[5])).toEqual(['Docker', 'peer0.org1.example.com', '205.6 MiB', '186.9 MiB', '31.41%', '19.63%', '684.8 KiB', '509.1 KiB', '0 B', '1.3 MiB']);
    expect(cells(lines[6]).slice(4, 6)).toEqual(['-', '-']);
    expectIntactBox(table);
  });

  test('GiB and bytes, and long container names cut in the middle like Caliper', () => {
    const big = {
      ...openRound.resources![2],
      name: 'dev-peer0.org1.example.com-very-long-chaincode-name-with-a-hash-0123456789abcdef',
      memoryMaxBytes: 1.5 * 1024 ** 3,
      trafficInBytes: 70,
    };
    const t = resourceTable({ ...openRound, resources: [big] });
    const row = cells(t.split('\n')[3]);
    expect(row[1]).toMatch(/^dev-peer0\.org1\..*\.\.\..*0123456789abcdef$/);
    expect(displayWidth(row[1])).toBeLessThanOrEqual(40);
    expect(row[2]).toBe('1.5 GiB');
    expect(row[6]).toBe('70 B');
    expectIntactBox(t);
  });

  test("'' when the round has no resource rows", () => {
    expect(resourceTable(queryRound)).toBe('');
  });
});

describe('roundDetails', () => {
  test("'' for a clean round", () => {
    expect(roundDetails(queryRound)).toBe('');
  });

  test('failures by reason, conflicts by code, hot keys with readers and writers, phases', () => {
    const d = roundDetails(conflictRound);
    expect(d).toMatch(/^Round 3 \(transfer\):/);
    expect(d).toContain('Failures by reason (352 of 3,002)');
    expect(d).toMatch(/\| MVCC_READ_CONFLICT +\| +310 \| 10\.3% \|/);
    expect(d).toContain('Conflicts by validation code (from embedded-validator)');
    expect(d).toMatch(/\| PHANTOM_READ_CONFLICT \| +30 \|/);
    expect(d).toMatch(/\| account_0007 \| +121 \| transfer, balance \| transfer +\|/);
    expect(d).toMatch(/\| account_0001 \| +61 \| transfer +\| transfer, mint \|/);
    expect(d).toMatch(/\| order +\| +2990 \| +60\.00 \|/);
    expect(d).toContain("Caliper's (successes + failures) is 106.0 TPS");
    // Most conflicts first.
    expect(d.indexOf('account_0007')).toBeLessThan(d.indexOf('account_0003'));
    expect(d).not.toContain('\u001b[');
  });

  test('the abort reason, the worker, its stderr tail, and the schedule falling behind', () => {
    const d = roundDetails(abortedRound);
    expect(d).toContain('Aborted: worker 1 exited unexpectedly (worker 1, exit code 1)');
    expect(d).toContain("> TypeError: Cannot read properties of undefined (reading 'submit')");
    expect(d).toContain('Sends fell behind schedule');
    expect(d).toContain('2736.00 ms');
  });

  test('hot keys beyond the top ten are counted, not listed', () => {
    const hotKeys = Array.from({ length: 14 }, (_, i) => ({ key: `k${i}`, count: 100 - i, readers: ['f'], writers: ['g'] }));
    const d = roundDetails({ ...queryRound, conflicts: { byCode: {}, hotKeys } });
    expect(d).toContain('top 10, 4 more');
    expect(d).toContain('| k9 ');
    expect(d).not.toContain('| k10 ');
  });
});

describe('rounds of several test files', () => {
  const { rounds: fromFiles } = twoFileReport('/work/project');

  test('From names the test file (relative) and the test; Test counts from firstTest in run order', () => {
    const lines = roundTable(fromFiles.slice(2), { firstTest: 3, cwd: '/work/project' }).split('\n');
    expect(cells(lines[1])).toEqual([...ROUND_TABLE_HEADERS, 'From']);
    expect(cells(lines[3])[0]).toBe('3');
    expect(cells(lines[3]).at(-1)).toBe('perf/transfer.perf.ts > transfer under contention');
    expect(cells(lines[4])[0]).toBe('4');
    expectIntactBox(lines.join('\n'));
  });

  test('without firstTest each round keeps its own number; without origins there is no From column', () => {
    expect(cells(roundTable(fromFiles.slice(2), { cwd: '/work/project' }).split('\n')[3])[0]).toBe('1');
    expect(cells(roundTable([openRound]).split('\n')[1])).toEqual([...ROUND_TABLE_HEADERS]);
  });

  test('a file outside the current folder is shown absolute; a long From loses leading folders first', () => {
    const short = { ...fromFiles[0], origin: { file: '/work/perf/a.perf.ts', test: 'open' } };
    expect(cells(roundTable([short], { cwd: '/elsewhere' }).split('\n')[3]).at(-1)).toBe('/work/perf/a.perf.ts > open');
    const line = roundTable([fromFiles[0]], { cwd: '/elsewhere' }).split('\n')[3];
    expect(cells(line).at(-1)).toBe('.../perf/accounts.perf.ts > accounts > open holds 50 tps');
    const long = { ...fromFiles[0], origin: { file: '/work/project/perf/accounts.perf.ts', test: `accounts > ${'a very long test name '.repeat(4)}end` } };
    const from = cells(roundTable([long], { cwd: '/elsewhere' }).split('\n')[3]).at(-1)!;
    expect(from).toMatch(/^\.\.\.\/accounts\.perf\.ts > .*\.\.\..*long test name end$/);
    expect(from).toHaveLength(60);
  });

  test('details say how many transactions were unfinished and interrupted, under the run number', () => {
    const text = roundDetails(fromFiles[2], { test: 3 });
    expect(text.split('\n')[0]).toBe('Round 3 (transfer):');
    expect(text).toContain("Unfinished: 40 transaction(s) never settled (no answer within the transaction timeout, or still open when the round ended); counted as failed with reason 'unfinished', they do not stretch the elapsed time.");
    expect(text).toContain('Interrupted: 7 transaction(s) were in flight when the round was interrupted; counted neither as succeeded nor as failed.');
    expect(roundDetails(openRound)).not.toContain('Unfinished');
  });
});
