import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { TrafficModel } from '../../src/core/types.js';
import { testContext } from '../helpers/context.js';

const GA = resolve('test/fixtures/ga');

describe('tidemark import of aggregated GA CSV reports', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-import-ga-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a GA4 pages + hours export gives the page mix, sessions and the hourly shape, and says where each part came from', async () => {
    const ctx = testContext({ cwd: tmp });
    const code = await runCli(['import', join(GA, 'ga4-en-pages-hours.csv'), '-o', 'ga4.json'], ctx);
    expect(code, ctx.err()).toBe(0);
    const model = JSON.parse(readFileSync(join(tmp, 'ga4.json'), 'utf8')) as TrafficModel;
    // Views 12,345 / 3,210 / 987; the `(not set)` row is left out.
    expect(model.endpoints.map((e) => [e.key, e.count])).toEqual([
      ['GET /', 12_345],
      ['GET /products/:id', 3210], // an integer segment is an id by its shape
      ['GET /cart', 987],
    ]);
    // Sessions are the sum of the Hour section (6,762); pages per session = 16,542 / 6,762.
    expect(model.sessions.count).toBe(6762);
    expect(model.sessions.length.mean).toBe(2.45);
    // 7 days (20231101–20231107); hour 20 has 480 sessions → 68.571 per day; it is the peak.
    expect(model.span.days).toBe(7);
    expect(model.arrivals.sessionsPerHour[20]).toBe(68.571);
    expect(model.arrivals.peak.hourOfDay).toBe(20);
    expect(model.arrivals.hourly[4]).toBeCloseTo(22 / 6762, 5);
    expect(model.provenance.sources).toEqual([{ name: join(GA, 'ga4-en-pages-hours.csv'), format: 'ga-csv', lines: 34, accepted: 34, rejected: 0 }]);
    expect(model.provenance.parts?.endpoints).toEqual([join(GA, 'ga4-en-pages-hours.csv')]);
    expect(model.provenance.parts?.['arrivals.hourly']).toEqual([join(GA, 'ga4-en-pages-hours.csv')]);
    expect(ctx.err()).toContain('aggregated report gave endpoints, arrivals.hourly, arrivals.daily');
  });

  it('a UA report in German (decimal comma, dates by day) is read with its numbers right', async () => {
    const ctx = testContext({ cwd: tmp });
    const code = await runCli(['import', join(GA, 'ua-de-pages-days.csv'), '-o', 'ua.json'], ctx);
    expect(code, ctx.err()).toBe(0);
    const model = JSON.parse(readFileSync(join(tmp, 'ua.json'), 'utf8')) as TrafficModel;
    expect(model.endpoints[0]).toMatchObject({ key: 'GET /', count: 2546 });
    expect(model.span.days).toBe(7);
    expect(model.sessions.count).toBeGreaterThan(0);
    // By date only: a flat day.
    expect(new Set(model.arrivals.sessionsPerHour).size).toBe(1);
  });

  it('--format ga-csv forces the reader; a browser report gives the session count and means', async () => {
    const ctx = testContext({ cwd: tmp });
    const code = await runCli(['import', '--format', 'ga-csv', join(GA, 'ua-nl-browsers.csv'), '-o', 'browsers.json'], ctx);
    expect(code, ctx.err()).toBe(0);
    expect(ctx.err()).toContain('--format ga-csv');
    // A browser report: sessions add up over browsers (2,546 + 449 + 411), and its pages per
    // session and durations are averaged weighted by sessions; no pages, no period, so no rate.
    expect(ctx.err()).toContain('aggregated report gave sessions.length, sessions.durationSec, sessions.count');
    const model = JSON.parse(readFileSync(join(tmp, 'browsers.json'), 'utf8')) as TrafficModel;
    expect(model.sessions.count).toBe(3406);
    expect(model.sessions.length.mean).toBeCloseTo((1.15 * 2546 + 2.16 * 449 + 2.35 * 411) / 3406, 2);
    expect(model.sessions.durationSec.mean).toBeCloseTo((31 * 2546 + 79 * 449 + 97 * 411) / 3406, 2);
    expect(model.arrivals.sessionsPerHour.every((n) => n === 0)).toBe(true);
    expect(model.span.days).toBe(0);
  });

  it('a report with nothing the model uses is said to be so', async () => {
    const ctx = testContext({ cwd: tmp });
    const code = await runCli(['import', join(GA, 'test_load_version_and_os.csv'), '-o', 'os.json'], ctx);
    expect(code, ctx.err()).toBe(0);
    expect(ctx.err()).toContain('aggregated report gave sessions.count');
  });

  it('an unknown --format lists the line, document and aggregate formats', async () => {
    const ctx = testContext({ cwd: tmp });
    const code = await runCli(['import', '--format', 'gacsv', join(GA, 'ua-nl-browsers.csv')], ctx);
    expect(code).toBe(2);
    expect(ctx.err()).toMatch(/unknown format "gacsv".*\n.*combined.*har.*ga-csv/);
  });
});
