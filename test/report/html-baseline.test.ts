/**
 * report.html beside the baseline, in a real headless Chromium (Debian's, as test/report/html.test.ts):
 * a compared round shows its verdict, change, interval and margin per figure, and a chart in which the
 * baseline's latency distribution is drawn as a line of its own beside the round's; a baseline recorded
 * without histograms says how to get the overlay; a refused baseline names what differs.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BASELINE_COLOR, baselineChart, CURVE_PERCENTILES, PALETTE } from '../../src/report/charts.ts';
import { renderHtml } from '../../src/report/index.ts';
import { decodeHistogram, latencyAtPercentiles } from '../../src/stats/hdr.ts';
import { BASELINE_HISTOGRAM, CANDIDATE_HISTOGRAM, comparedRound, gatedReport } from './baseline-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install Debian's chromium package; the HTML report tests need a real browser and do not skip`);
  }
  dir = await mkdtemp(join(tmpdir(), 'lb-report-baseline-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Pixels of the canvas under `selector` within 30 of `#rrggbb` in each channel; -1 without a canvas. */
function colourPixels(page: Page, selector: string, hex: string): Promise<number> {
  const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return page.evaluate(
    ([sel, [r, g, b]]) => {
      const c = document.querySelector<HTMLCanvasElement>(sel as string);
      if (!c) return -1;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 200 && Math.abs(px[i] - r) < 30 && Math.abs(px[i + 1] - g) < 30 && Math.abs(px[i + 2] - b) < 30) n++;
      }
      return n;
    },
    [selector, rgb] as const,
  );
}

describe('the baseline overlay', () => {
  test('the chart holds two curves, each read from its histogram', () => {
    const spec = baselineChart(comparedRound(), 'c0');
    expect(spec?.series.map((s) => s.label)).toEqual(['baseline (recorded 2026-12-01T09:00:00.000Z, 5 repeats)', 'this run, 5 repeats']);
    const points = CURVE_PERCENTILES.map(([, p]) => p);
    expect(spec?.series[0].values).toEqual(latencyAtPercentiles(decodeHistogram(BASELINE_HISTOGRAM), points));
    expect(spec?.series[1].values).toEqual(latencyAtPercentiles(decodeHistogram(CANDIDATE_HISTOGRAM), points));
    // The candidate's longer tail: its p99 lies well above the baseline's.
    const p99 = CURVE_PERCENTILES.findIndex(([name]) => name === 'p99');
    expect(spec!.series[1].values[p99]!).toBeGreaterThan(1.2 * spec!.series[0].values[p99]!);
  });

  test('in A/B mode the lines are named after the two checkouts', () => {
    const r = comparedRound();
    const spec = baselineChart({ ...r, baseline: { ...r.baseline!, file: '../main', recordedAt: undefined, baselineRepeats: 3, candidateRepeats: 3, against: { checkout: '/w/main', order: 'ABBAAB' } } }, 'c0');
    expect(spec?.series.map((s) => s.label)).toEqual(['other checkout ../main, 3 repeats', 'this checkout, 3 repeats']);
  });

  test('no overlay without a comparison or without the baseline histogram', () => {
    const r = comparedRound();
    expect(baselineChart({ ...r, baseline: undefined }, 'c0')).toBeNull();
    expect(baselineChart({ ...r, baseline: { ...r.baseline!, baselineLatencyHistogram: undefined } }, 'c0')).toBeNull();
    expect(baselineChart({ ...r, baseline: { ...r.baseline!, baselineLatencyHistogram: 'damaged' } }, 'c0')).toBeNull();
  });

  test('in Chromium: verdict table, both distributions drawn, the old baseline\'s note, the refused one\'s differences', async () => {
    const file = join(dir, 'gated.html');
    await writeFile(file, renderHtml(gatedReport()));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      // Warnings left out: the pixel reads below make Chromium advise willReadFrequently.
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(await page.evaluate(() => document.body.dataset.chartsReady)).toBe('true');

      // Round 1: the comparison, figure by figure, then the overlay inside the same section.
      const section = page.locator('#round-1');
      await expect(section.locator('p.baseline-head').textContent()).resolves.toBe('regression in 2 of 2 figures against ledgerbench-baseline.json (recorded 2026-12-01T09:00:00.000Z, 5 repeats; this run 5 repeats)');
      const rows = await section.locator('table.baseline tbody tr').allInnerTexts();
      expect(rows.map((r) => r.split('\t'))).toEqual([
        ['throughput', '-12.8%', '-15.0% .. -11.0%', '-5%', 'regression', '872.0', '1000.0'],
        ['p95', '+31.0%', '+22.0% .. +40.0%', '+10%', 'regression', '124.60', '95.10'],
      ]);
      const overlay = section.locator('#c0-baseline');
      await expect(overlay.locator('canvas').count()).resolves.toBe(1);
      const legend = await overlay.locator('.u-legend').innerText();
      expect(legend).toContain('baseline (recorded 2026-12-01T09:00:00.000Z, 5 repeats)');
      expect(legend).toContain('this run, 5 repeats');

      // Both lines are on the canvas, each in quantity: the baseline's in its own colour, which the
      // round's other charts do not use (their count shows what "not drawn" looks like).
      const baselinePixels = await colourPixels(page, '#c0-baseline canvas', BASELINE_COLOR);
      const ownPixels = await colourPixels(page, '#c0-baseline canvas', PALETTE[0]);
      const elsewhere = await colourPixels(page, '#c0-dist canvas', BASELINE_COLOR);
      expect(baselinePixels).toBeGreaterThan(1500);
      expect(ownPixels).toBeGreaterThan(500);
      expect(elsewhere).toBeLessThan(50);

      // Round 2: compared, no histogram in its baseline: no overlay, and how to get one.
      await expect(page.locator('#c1-baseline').count()).resolves.toBe(0);
      await expect(page.locator('#round-2 table.baseline tbody tr').first().innerText()).resolves.toContain('no change');
      await expect(page.locator('#round-2').innerText()).resolves.toContain('This baseline has no latency distribution to draw (it was recorded before ledgerbench kept histograms); record it again with npx vitest run --project perf -u to see it here.');

      // Round 3: refused, with what differs, no table and no overlay.
      const refused = page.locator('#round-3');
      await expect(refused.locator('p.baseline-head').textContent()).resolves.toContain('baseline from a different definition, not compared');
      await expect(refused.locator('ul.differences').innerText()).resolves.toBe('differs: rateControl.opts.tps: 200 -> 400');
      await expect(refused.locator('table.baseline').count()).resolves.toBe(0);
      await expect(page.locator('#c2-baseline').count()).resolves.toBe(0);

      const artifacts = resolve('test-artifacts');
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'report-baseline.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
