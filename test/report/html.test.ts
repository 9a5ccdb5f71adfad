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
import { PALETTE } from '../../src/report/charts.ts';
import { renderHtml, writeReports } from '../../src/report/index.ts';
import type { RunReport } from '../../src/report/types.ts';
import { abortedRound, conflictRound, openRound, queryRound, runReport } from './fixtures.ts';

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
