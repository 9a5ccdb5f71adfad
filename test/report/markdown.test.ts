import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { environmentInfo, renderMarkdown, ROUND_TABLE_HEADERS, writeReports, writeReportsSync } from '../../src/report/index.ts';
import type { RunReport } from '../../src/report/types.ts';
import { openRound, queryRound, runReport, twoFileReport } from './fixtures.ts';

describe('renderMarkdown', () => {
  const md = renderMarkdown(runReport(), { htmlPath: 'ledgerbench-results/report.html' });
  const lines = md.split('\n');

  test('heading with the verdict, then a GitHub table with a result mark per round', () => {
    expect(lines[0]).toBe('## ledgerbench: simple');
    expect(md).toContain('❌ 2 of 4 rounds failed');
    const header = lines.findIndex((l) => l.startsWith('| Result |'));
    expect(lines[header]).toBe(`| Result | ${ROUND_TABLE_HEADERS.join(' | ')} |`);
    expect(lines[header + 1]).toMatch(/^\| --- \| ---: \| --- \| ---: \|/);
    expect(lines[header + 2]).toBe('| ✅ pass | 1 | open | 1000 | 0 | 50.1 | 671.00 | 44.00 | 126.50 | 49.0 | 231.00 | 352.00 |');
    expect(lines[header + 3]).toMatch(/^\| – \| 2 \| query \|/);
    expect(lines[header + 4]).toMatch(/^\| ❌ fail \| 3 \| transfer \| 2650 \| 352 \|/);
    expect(lines[header + 5]).toMatch(/^\| ⚠️ aborted \| 4 \| mint \(aborted\) \|/);
  });

  test('failing expectations and aborted rounds are listed; passing ones are not', () => {
    expect(md).toContain('### Failing expectations');
    expect(md).toContain('- **3 transfer** toHaveSuccessRateAbove: expected &gt; 99%, actual 88.3%');
    expect(md).toContain('- **4 mint** aborted: worker 1 exited unexpectedly');
    expect(md).not.toContain('toHaveThroughputAbove');
    expect(md).toContain('HTML report: ledgerbench-results/report.html');
  });

  test('an all-green run has no failure section', () => {
    const green = renderMarkdown(runReport([openRound, queryRound]));
    expect(green).toContain('✅ 2 of 2 rounds passed');
    expect(green).not.toContain('Failing expectations');
    expect(green).toContain('HTML report: report.html');
  });

  test('labels cannot break the table or inject markup', () => {
    const nasty = renderMarkdown(runReport([{ ...queryRound, label: 'a|b\n<script>x</script> *bold*' }]));
    const row = nasty.split('\n').find((l) => l.includes('a\\|b'))!;
    expect(row.split(/(?<!\\)\|/)).toHaveLength(14);
    expect(nasty).not.toContain('<script>');
    expect(row).toContain('\\*bold\\*');
  });
});

describe('renderMarkdown of a run of several test files', () => {
  const md = renderMarkdown(twoFileReport(process.cwd()));
  const lines = md.split('\n');

  test('Test numbers the rounds in run order, as the console does, and From names file and test', () => {
    const header = lines.findIndex((l) => l.startsWith('| Result |'));
    expect(lines[header]).toBe(`| Result | ${ROUND_TABLE_HEADERS.join(' | ')} | From |`);
    expect(lines[header + 1].endsWith('| --- |')).toBe(true);
    const rows = lines.slice(header + 2, header + 6).map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()));
    expect(rows.map((c) => c[2])).toEqual(['1', '2', '3', '4']);
    expect(rows.map((c) => c.at(-2))).toEqual([
      'perf/accounts.perf.ts &gt; accounts &gt; open holds 50 tps',
      'perf/accounts.perf.ts &gt; accounts &gt; query holds 100 tps',
      'perf/transfer.perf.ts &gt; transfer under contention',
      'perf/transfer.perf.ts &gt; mint ramps up',
    ]);
    // Problems name the rounds by the same numbers.
    expect(md).toContain('- **3 transfer** toHaveSuccessRateAbove');
    expect(md).toContain('- **4 mint** aborted');
  });

  test('unfinished and interrupted transactions get their own list', () => {
    expect(md).toContain('### Unsettled transactions');
    expect(md).toContain("- **3 transfer** Unfinished: 40 transaction(s) never settled (no answer within the transaction timeout, or still open when the round ended); counted as failed with reason 'unfinished', they do not stretch the elapsed time.");
    expect(md).toContain('- **3 transfer** Interrupted: 7 transaction(s) were in flight when the round was interrupted; counted neither as succeeded nor as failed.');
    expect(renderMarkdown(runReport())).not.toContain('Unsettled');
  });
});

describe('results.json', () => {
  test('keeps each round\'s origin, and failure samples within their limits and without key material', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'lb-report-json-'));
    try {
      const paths = writeReportsSync(twoFileReport('/work/project'), join(tmp, 'out'));
      const text = await readFile(paths.json, 'utf8');
      const parsed = JSON.parse(text) as RunReport;
      expect(parsed.rounds.map((r) => r.origin)).toEqual([
        { file: '/work/project/perf/accounts.perf.ts', test: 'accounts > open holds 50 tps' },
        { file: '/work/project/perf/accounts.perf.ts', test: 'accounts > query holds 100 tps' },
        { file: '/work/project/perf/transfer.perf.ts', test: 'transfer under contention' },
        { file: '/work/project/perf/transfer.perf.ts', test: 'mint ramps up' },
      ]);
      const samples = parsed.rounds[2].failureSamples?.['endorse: chaincode error'] ?? [];
      expect(samples).toHaveLength(3);
      expect(samples[1]).toContain('profile said [REDACTED]');
      expect(samples[2]).toHaveLength(500);
      expect(text).not.toContain('MIGHAgEAMBMG');
      expect(parsed.rounds[2]).toMatchObject({ unfinished: 40, interrupted: 7 });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('writeReports', () => {
  test('writes the three files into a new folder and appends the summary to $GITHUB_STEP_SUMMARY', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'lb-report-write-'));
    const previous = process.env.GITHUB_STEP_SUMMARY;
    const summaryFile = join(tmp, 'step-summary.md');
    await writeFile(summaryFile, '# earlier step\n');
    process.env.GITHUB_STEP_SUMMARY = summaryFile;
    try {
      const dir = join(tmp, 'out', 'run-1');
      const paths = await writeReports(runReport(), dir);
      expect(paths).toEqual({ json: join(dir, 'results.json'), html: join(dir, 'report.html'), markdown: join(dir, 'summary.md') });
      for (const p of Object.values(paths)) expect(existsSync(p)).toBe(true);
      expect(await readFile(paths.markdown, 'utf8')).toContain('HTML report: report.html');
      const step = await readFile(summaryFile, 'utf8');
      expect(step.startsWith('# earlier step\n## ledgerbench: simple')).toBe(true);
      expect(step).toContain(`HTML report: ${relative(process.cwd(), paths.html).replace(/_/g, '\\_')}`);
      await writeReports(runReport(), dir);
      expect((await readFile(summaryFile, 'utf8')).match(/## ledgerbench: simple/g)).toHaveLength(2);
    } finally {
      if (previous === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = previous;
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('environmentInfo', () => {
  test('machine, Node and the versions of ledgerbench and the SDKs installed here', () => {
    const env = environmentInfo();
    expect(env.node).toBe(process.version);
    expect(env.cpuCount).toBeGreaterThan(0);
    expect(env.totalMemoryBytes).toBeGreaterThan(0);
    expect(env.cpus.length).toBeGreaterThan(0);
    expect(env.versions.ledgerbench).toBe('0.1.0');
    // Whatever npm installed here: 1.11 / Vitest 4 on Node 20, 1.12 / Vitest 5 in CI's Node 22 run.
    for (const name of ['@hyperledger/fabric-gateway', 'fabric-network', 'vitest']) {
      expect(env.versions[name]).toBe(installedVersion(name));
    }
  });
});

/** The version in node_modules/<name>/package.json, read without the code under test. */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
}
