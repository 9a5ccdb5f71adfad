/**
 * The HTML report in a real headless Chromium, opened from file:// as a user would open it from a CI
 * artifact: no console errors, no requests beyond the file itself, every chart drawn, hostile labels
 * shown as text.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LATENCY_P95_COLOR, PALETTE } from '../../src/report/charts.ts';
import { renderHtml, writeReports } from '../../src/report/index.ts';
import type { RunReport } from '../../src/report/types.ts';
import { abortedRound, conflictRound, openRound, QUOTED_KEY, queryRound, runReport, twoFileReport } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const XSS = '<img src=x onerror=alert(1)>';
const SCRIPT_BREAK = '</script><script>window.__pwned = 1</script>';

/** The fixture run with hostile text in every place user data reaches the page. */
function hostileReport(): RunReport {
  const report = runReport([
    openRound,
    queryRound,
    {
      ...conflictRound,
      label: XSS,
      description: `desc ${XSS}`,
      origin: { file: `${process.cwd()}/perf/hostile.perf.ts`, test: `origin ${XSS}` },
      failureSamples: { [`chaincode said ${XSS}`]: [`sample ${SCRIPT_BREAK}`] },
      failuresByReason: { ...conflictRound.failuresByReason, [`chaincode said ${XSS}`]: 4 },
      conflicts: {
        ...conflictRound.conflicts!,
        hotKeys: [{ key: SCRIPT_BREAK, count: 9, readers: [XSS], writers: ['transfer'] }, ...conflictRound.conflicts!.hotKeys],
      },
      resources: [{ ...openRound.resources![2], name: SCRIPT_BREAK }],
      phases: { [XSS]: openRound.phases.endorse, ...conflictRound.phases },
    },
    abortedRound,
  ]);
  report.name = `bench ${XSS}`;
  report.config.benchmark = { test: { name: XSS, note: SCRIPT_BREAK } };
  return report;
}

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install Debian's chromium package; the HTML report tests need a real browser and do not skip`);
  }
  dir = await mkdtemp(join(tmpdir(), 'lb-report-html-'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface PageRun {
  errors: string[];
  foreignRequests: string[];
  failedRequests: string[];
  dialogs: string[];
}

describe('HTML report in Chromium', () => {
  test('loads from file:// without errors or requests, draws every chart, shows hostile text as text', async () => {
    const written = await writeReports(hostileReport(), dir);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const run: PageRun = { errors: [], foreignRequests: [], failedRequests: [], dialogs: [] };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') run.errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => run.errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (r.url() !== pathToFileURL(written.html).href && !r.url().startsWith('data:')) run.foreignRequests.push(r.url());
    });
    page.on('requestfailed', (r) => run.failedRequests.push(r.url()));
    page.on('dialog', (d) => {
      run.dialogs.push(d.message());
      void d.dismiss();
    });
    try {
      await page.goto(pathToFileURL(written.html).href, { waitUntil: 'load' });
      // Read right after `load`: charts must be drawn by then, not eventually.
      const state = await page.evaluate(() => ({
        ready: document.body.dataset.chartsReady,
        declared: Number(document.body.dataset.charts),
        holders: document.querySelectorAll('[data-chart]').length,
        canvases: document.querySelectorAll('[data-chart] canvas').length,
        imgs: document.querySelectorAll('img').length,
        pwned: (window as unknown as { __pwned?: number }).__pwned,
        // Rendered text is what a reader sees; textContent would also hold the scripts' source.
        text: document.body.innerText,
        title: document.title,
      }));
      expect(state.ready).toBe('true');
      // open: rate, latency, dist, phases, cpu, mem; query: rate, latency, dist;
      // transfer: rate, latency, dist, phases, cpu, mem; mint: rate, latency, dist.
      expect(state.declared).toBe(18);
      expect(state.holders).toBe(18);
      expect(state.canvases).toBe(18);
      expect(state.imgs).toBe(0);
      expect(state.pwned).toBeUndefined();
      expect(state.text).toContain(XSS);
      expect(state.text).toContain(`chaincode said ${XSS}`);
      expect(state.text).toContain(`perf/hostile.perf.ts > origin ${XSS}`);
      expect(state.text).toContain(`sample ${SCRIPT_BREAK}`);
      expect(state.text).toContain(SCRIPT_BREAK);
      expect(state.title).toContain(XSS);

      // Each chart's canvas holds pixels of its first line's colour: lines were drawn, not only axes.
      const [r0, g0, b0] = [1, 3, 5].map((i) => Number.parseInt(PALETTE[0].slice(i, i + 2), 16));
      const linePixels = await page.evaluate(
        ([r, g, b]) =>
          Array.from(document.querySelectorAll<HTMLCanvasElement>('[data-chart] canvas')).map((c) => {
            const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < px.length; i += 4) {
              if (px[i + 3] > 200 && Math.abs(px[i] - r) < 40 && Math.abs(px[i + 1] - g) < 40 && Math.abs(px[i + 2] - b) < 40) n++;
            }
            return n;
          }),
        [r0, g0, b0],
      );
      expect(linePixels).toHaveLength(18);
      for (const n of linePixels) expect(n).toBeGreaterThan(20);

      const summaryRows = await page.locator('table.summary tbody tr').count();
      expect(summaryRows).toBe(4);
      await expect(page.locator('#round-3 .badge').first().textContent()).resolves.toBe('fail');
      await expect(page.locator('#round-4 .abort').textContent()).resolves.toContain('worker 1 exited unexpectedly');

      const artifacts = resolve('test-artifacts');
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });

      expect(run.errors).toEqual([]);
      expect(run.foreignRequests).toEqual([]);
      expect(run.failedRequests).toEqual([]);
      expect(run.dialogs).toEqual([]);
    } finally {
      await page.close();
    }
  });

  test('a run without series, resources or phases has no charts and is still ready', async () => {
    const bare = runReport([{ ...queryRound, series: [], latency: { ...queryRound.latency, count: 0 } }]);
    const file = join(dir, 'bare.html');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, renderHtml(bare));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const state = await page.evaluate(() => ({ ready: document.body.dataset.chartsReady, charts: document.body.dataset.charts }));
      expect(state).toEqual({ ready: 'true', charts: '0' });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

/** Pixels of a canvas within `tolerance` of the colour `#rrggbb`, counted in the page. */
async function colourPixels(page: import('playwright-core').Page, selector: string, hex: string, tolerance = 30): Promise<number> {
  const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return page.evaluate(
    ([sel, [r, g, b], tol]) => {
      const c = document.querySelector<HTMLCanvasElement>(sel as string);
      if (!c) return -1;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 200 && Math.abs(px[i] - r) < tol && Math.abs(px[i + 1] - g) < tol && Math.abs(px[i + 2] - b) < tol) n++;
      }
      return n;
    },
    [selector, rgb, tolerance] as const,
  );
}

describe('HTML report at 1400 px, as a reader on a laptop sees it', () => {
  test('the page and the rounds table fit, rounds are numbered in run order and name their test, p95 is visible', async () => {
    const report = twoFileReport(process.cwd());
    // Per-second percentiles as a light round gives them: p95 and p99 fall in the same HDR bucket.
    report.rounds[1] = { ...report.rounds[1], series: report.rounds[1].series.map((p) => ({ ...p, p95: p.p99 })) };
    const file = join(dir, 'laptop.html');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, renderHtml(report));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const layout = await page.evaluate(() => {
        const box = document.querySelector('table.summary')!.parentElement!;
        return {
          page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
          summary: [box.scrollWidth, box.clientWidth],
          wider: Array.from(document.querySelectorAll('.scroll')).filter((d) => d.scrollWidth > d.clientWidth).length,
        };
      });
      expect(layout.page[0]).toBeLessThanOrEqual(layout.page[1]);
      // The rounds table fits its box: nothing to scroll sideways for.
      expect(layout.summary[0]).toBeLessThanOrEqual(layout.summary[1]);
      expect(layout.wider).toBe(0);

      const numbers = await page.locator('table.summary tbody tr td:nth-child(2)').allTextContents();
      expect(numbers).toEqual(['1', '2', '3', '4']);
      const ids = await page.evaluate(() => Array.from(document.querySelectorAll('section.round')).map((s) => s.id));
      expect(ids).toEqual(['round-1', 'round-2', 'round-3', 'round-4']);
      await expect(page.locator('table.summary tbody tr').nth(2).locator('.origin').textContent()).resolves.toBe('perf/transfer.perf.ts > transfer under contention');
      await expect(page.locator('#round-3 p.origin').textContent()).resolves.toBe('From perf/transfer.perf.ts > transfer under contention');

      // p95 drawn over the same values as p99 still shows its own colour, in quantity.
      const p95 = await colourPixels(page, '#c1-latency canvas', LATENCY_P95_COLOR);
      const p50 = await colourPixels(page, '#c1-latency canvas', PALETTE[0]);
      expect(p95).toBeGreaterThan(1000);
      expect(p50).toBeGreaterThan(200);

      const artifacts = resolve('test-artifacts');
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'report-1400.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('HTML round sections', () => {
  const html = renderHtml(twoFileReport(process.cwd()));
  const section = (n: number) => html.slice(html.indexOf(`<section class="round" id="round-${n}">`), html.indexOf('</section>', html.indexOf(`id="round-${n}"`)));

  test('metrics carry units, and rows where nothing happened in the round are left out', () => {
    const s = section(1);
    expect(s).toContain('count 1,000, sum 11.90 s, p50 11.00 ms, p95 24.00 ms, p99 33.00 ms');
    expect(s).toContain('max 212, avg 161');
    expect(s).toContain('increase 1,000');
    expect(s).not.toContain('0.024');
    expect(s).not.toContain('marbles');
    expect(s).toContain('2 metric row(s) with nothing over this round');
  });

  test('unfinished and interrupted transactions are shown with what they mean', () => {
    const s = section(3);
    expect(s).toContain('<li><b>Unfinished</b> 40</li>');
    expect(s).toContain('<li><b>Interrupted</b> 7</li>');
    expect(s).toContain('Unfinished: 40 transaction(s) never settled');
    expect(s).toContain('Interrupted: 7 transaction(s) were in flight when the round was interrupted; counted neither as succeeded nor as failed.');
    expect(section(1)).not.toContain('Unfinished');
  });

  test('failures show up to 3 sample messages per reason, cut to 500 characters, without key material', () => {
    const s = section(3);
    const failures = s.slice(s.indexOf('<h3>Failures by reason</h3>'), s.indexOf('</table>', s.indexOf('<h3>Failures by reason</h3>')));
    expect(failures).toContain('<th>Sample messages</th>');
    expect(failures).toContain('account_0007 has insufficient funds');
    expect(failures).toContain('profile said [REDACTED]');
    expect(failures).not.toContain('MIGHAgEAMBMG');
    expect(failures).toContain(`${'x'.repeat(499)}…`);
    expect(failures).not.toContain('x'.repeat(500));
    expect(failures).not.toContain('a fourth message');
    expect(failures.match(/<li><code>/g)).toHaveLength(3);
    expect(QUOTED_KEY).toContain('MIGHAgEAMBMG');
  });
});

describe('HTML source', () => {
  const html = renderHtml(hostileReport());

  test('fetches nothing: no external URLs, a CSP that forbids network access', () => {
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain('default-src &#39;none&#39;');
    expect(html).toContain('uPlot');
  });

  test('hostile text is escaped in markup and cannot end the JSON script element', () => {
    expect(html).not.toContain(XSS);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const json = html.slice(html.indexOf('id="lb-data">'), html.indexOf('</script>', html.indexOf('id="lb-data">')));
    expect(json).toContain('\\u003c/script>');
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  test('an interrupted run says so at the top, with the tests still running', () => {
    const page = renderHtml({ ...runReport([openRound]), interrupted: { reason: 'SIGINT', tests: ['perf/transfer.perf.ts > transfer <b>'] } });
    expect(page).toContain('<span class="badge aborted">interrupted</span>');
    expect(page).toContain('<b>Run interrupted</b> (SIGINT): these are the rounds measured until then (a round cut short is marked aborted). Still running: perf/transfer.perf.ts &gt; transfer &lt;b&gt;.');
    expect(renderHtml(runReport([openRound]))).not.toContain('Run interrupted');
  });

  test('configuration is redacted again even when the caller forgot', () => {
    expect(html).not.toContain('MIGHAgEAMBMG');
    expect(html).toContain('[REDACTED]');
  });

  test('results.json keeps the schema version and the whole report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'lb-report-json-'));
    try {
      const paths = await writeReports(runReport(), join(out, 'nested', 'results'));
      const parsed = JSON.parse(await readFile(paths.json, 'utf8')) as RunReport;
      expect(parsed.schemaVersion).toBe(1);
      expect(parsed.rounds).toHaveLength(4);
      expect(parsed.rounds[2].conflicts?.hotKeys[0].key).toBe('account_0007');
      expect(JSON.stringify(parsed)).not.toContain('MIGHAgEAMBMG');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
