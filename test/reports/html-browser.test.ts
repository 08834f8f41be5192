import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LOG, DEMO_PROFILE } from '../../src/commands/demo.js';
import { importModel } from '../../src/commands/import.js';
import { loadProfile } from '../../src/commands/profile.js';
import { runLoad } from '../../src/commands/run.js';
import { modelMixOf } from '../../src/commands/write-reports.js';
import { startShopServer } from '../../src/demo/shop-server.js';
import { renderHtmlReport } from '../../src/reports/html.js';
import type { RunResults } from '../../src/reports/results.js';
import { testContext } from '../helpers/context.js';

/**
 * The HTML report of a real run, opened in the distribution's Chromium (scripts/ensure-test-packages.sh
 * installs it; CI runs that script first): no console errors, no request leaves the file, the
 * charts drew pixels. With TIDEMARK_SCREENSHOT=1 it also refreshes docs/html-report.png.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(`\n[html-browser.test.ts] SKIPPED: ${CHROMIUM} is missing; run scripts/ensure-test-packages.sh to check the HTML report in headless Chromium.\n`);
}

const DOCS_PNG = fileURLToPath(new URL('../../docs/html-report.png', import.meta.url));
interface ChartPixels {
  chart: string;
  width: number;
  height: number;
  painted: number;
  colours: number;
  dataUrlLength: number;
}

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!available)('HTML report in headless Chromium', () => {
  let dir: string;
  let htmlPath: string;
  let results: RunResults;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-html-'));
    // A ramp → spike → recover profile on the demo shop: the spike saturates its database pool,
    // so the charts have stages, a latency hockey stick and a burst of errors to show.
    const demo = JSON.parse(readFileSync(DEMO_PROFILE, 'utf8'));
    const profilePath = join(dir, 'spike.json');
    writeFileSync(
      profilePath,
      JSON.stringify({
        ...demo,
        $schema: undefined,
        name: 'spike',
        model: DEMO_LOG,
        stages: [
          { name: 'warm', duration: '2s', target: '2x' },
          { name: 'spike', duration: '2s', target: '40x' },
          { name: 'recover', duration: '2s', target: '2x' },
        ],
        thresholds: ['p95 < 500ms', 'error_rate < 1% in every 3s window', 'p99 < 2s in stage spike', 'success_rate > 95% for "GET /api/products*"'],
      }),
    );
    const ctx = testContext({ cwd: dir });
    const profile = await loadProfile(profilePath);
    const { model } = await importModel([DEMO_LOG], {}, ctx);
    const server = await startShopServer({ host: '127.0.0.1', port: 0 });
    try {
      const outcome = await runLoad({ input: profilePath, target: server.url, noOut: true }, ctx, { profile, model, source: 'spike.json (model from the demo sample)' });
      results = outcome.results;
    } finally {
      await server.close();
    }
    htmlPath = join(dir, 'report.html');
    writeFileSync(htmlPath, renderHtmlReport(results, { modelMix: modelMixOf(model) }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens with no console errors, loads nothing from outside, and draws every chart', async () => {
    expect(results.totals.requests).toBeGreaterThan(50);
    expect(results.stages.map((s) => s.name)).toEqual(['warm', 'spike', 'recover']);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    await page.waitForFunction("document.querySelectorAll('.chart canvas').length === 3", undefined, { timeout: 10_000 });

    // Evaluated in the page (as source text: the test itself is compiled without DOM types).
    const charts = await page.evaluate<ChartPixels[]>(`
      [...document.querySelectorAll('.chart canvas')].map((canvas) => {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        const colours = new Set();
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3] === 0) continue;
          painted++;
          colours.add(pixels[i] + ',' + pixels[i + 1] + ',' + pixels[i + 2]);
        }
        return {
          chart: canvas.closest('.chart').id,
          width: canvas.width,
          height: canvas.height,
          painted,
          colours: colours.size,
          dataUrlLength: canvas.toDataURL('image/png').length,
        };
      })
    `);
    const legends = await page.evaluate<string[]>("[...document.querySelectorAll('.u-legend .u-label')].map((el) => el.textContent)");
    const marks = await page.evaluate<string[]>("[...document.querySelectorAll('table.thresholds td:first-child')].map((el) => el.textContent)");

    expect(problems).toEqual([]);
    expect(requested.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
    expect(charts.map((c) => c.chart)).toEqual(['chart-latency', 'chart-rate', 'chart-errors']);
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(300);
      expect(c.height).toBeGreaterThan(100);
      // Stage bands, grid, axes and the series: a good share of the plot is painted, in many colours.
      expect(c.painted / (c.width * c.height)).toBeGreaterThan(0.2);
      expect(c.colours).toBeGreaterThan(10);
      expect(c.dataUrlLength).toBeGreaterThan(5_000);
    }
    expect(legends.filter((l) => l === 'run time')).toHaveLength(3);
    expect(legends).toEqual(expect.arrayContaining(['p95', 'achieved', 'errors', 'error rate']));
    expect(legends.some((l) => l?.startsWith('target'))).toBe(true);
    expect(marks).toEqual(results.thresholds.map((t) => (t.ok ? '✓' : '✗')));

    mkdirSync(join(DOCS_PNG, '..'), { recursive: true });
    // The screenshot in docs/ is refreshed on request only (its timestamps change every run).
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(10_000);
    if (process.env.TIDEMARK_SCREENSHOT === '1') writeFileSync(DOCS_PNG, shot);
    expect(readFileSync(DOCS_PNG).subarray(1, 4).toString()).toBe('PNG');
    await page.close();
  });
});
