import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decideDecimal,
  detectAnalyticsCsv,
  gaCsvFormat,
  parseAnalyticsCsv,
  parseLocaleNumber,
  separatorEvidence,
  summarizeAggregate,
} from '../../src/formats/ga-csv.js';

const FIXTURES = new URL('../fixtures/ga/', import.meta.url);
const text = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

describe('locale numbers', () => {
  it.each<[string, ReturnType<typeof separatorEvidence>]>([
    ['1.234,56', ','],
    ['1,234.56', '.'],
    ['1,234,567', '.'],
    ['1.234.567', ','],
    ['"99,88%"', ','],
    ['99,88%', ','],
    ['1,15', ','],
    ['45.10%', '.'],
    ['2,533', 'ambiguous'],
    ['2.546', 'ambiguous'],
    ['1234.567', '.'],
    ['437', 'none'],
    ['00:01:19', 'none'],
    ['(not set)', 'none'],
    ['US$ 0,00', ','],
    ['0,00 €', ','],
  ])('%s shows %s', (cell, want) => {
    expect(separatorEvidence(cell.replace(/^"|"$/g, ''))).toBe(want);
  });

  it.each<[string, ',' | '.', number]>([
    ['2,533', '.', 2533],
    ['2.546', ',', 2546],
    ['99,88%', ',', 99.88],
    ['45.10%', '.', 45.1],
    ['1,15', ',', 1.15],
    ['1.234.567,5', ',', 1234567.5],
    ['00:01:19', '.', 79],
    ['01:00:00', ',', 3600],
    ['<00:00:01', '.', 1],
    ['1m 19s', '.', 79],
    ['45s', '.', 45],
    ['1h 2m 3s', '.', 3723],
    ['US$ 0,00', ',', 0],
    ['€1,234.50', '.', 1234.5],
    ['12 345', ',', 12345],
    ['-3', '.', -3],
  ])('parseLocaleNumber(%s, decimal %s) = %d', (cell, decimal, want) => {
    expect(parseLocaleNumber(cell, decimal)).toBeCloseTo(want, 9);
  });

  it.each(['(not set)', 'Chrome', '40.0.2214.111', '', '1,'])('parseLocaleNumber(%j) is NaN', (cell) => {
    expect(parseLocaleNumber(cell, '.')).toBeNaN();
  });

  // The heuristic of ga-csv.ts (decideDecimal), one rule per case.
  it.each<[string, string[], boolean, ',' | '.' | null, ',' | '.', boolean]>([
    ['its own definite values win', ['1,15', '2,16', '2,35'], false, '.', ',', false],
    ['a count column with only "2,533": thousands', ['2,533', '437'], true, ',', '.', true],
    ['a count column with only "2.546": thousands', ['2.546', '449'], true, null, ',', true],
    ['a ratio column with only ambiguous values follows the file', ['2.546'], false, ',', ',', true],
    ['…and the file says "." too', ['2,546'], false, '.', '.', true],
    ['…and without any evidence, "." is decimal (English exports)', ['2.546'], false, null, '.', true],
    ['no separators at all', ['12', '7'], true, null, '.', false],
  ])('%s', (_name, cells, isCount, fileDecimal, decimal, ambiguous) => {
    const d = decideDecimal(cells, isCount, fileDecimal);
    expect(d.decimal).toBe(decimal);
    expect(d.ambiguous).toBe(ambiguous);
  });

  it('a file with "2,533" counts and "99,88%" rates reads each column its own way', async () => {
    const csv = ['# ----------------------------------------', '# Mixed', '# ----------------------------------------', '', 'Page,Sessions,Bounce Rate,Pages / Session',
      '/a,"2,533","99,88%","1,15"', '/b,437,"12,50%","2,00"', ',"2,970","86,19%","1,28"', ''].join('\n');
    const report = await parseAnalyticsCsv(csv);
    expect(report.rows.map((r) => [r.page, r.sessions, r.bounceRatePct, r.pagesPerSession])).toEqual([['/a', 2533, 99.88, 1.15], ['/b', 437, 12.5, 2]]);
    expect(report.totals).toMatchObject({ sessions: 2970, bounceRatePct: 86.19, pagesPerSession: 1.28 });
    expect(report.notes).toEqual(['"Sessions": "2,533" read as 2533 (a count: "," taken as thousands separator)']);
  });
});

describe('GA Universal export (dgapitts/google-analytics-analyzer fixture)', () => {
  it('matches the aggregates its README shows', async () => {
    const report = await parseAnalyticsCsv(createReadStream(new URL('test_load_version_and_os.csv', FIXTURES)), 'test_load_version_and_os.csv');
    expect(report.sections).toHaveLength(1);
    const [section] = report.sections;
    expect(section?.title).toEqual(['All Web Site Data']);
    expect(section?.columns).toEqual(['Browser', 'Browser Version', 'Operating System', 'Sessions']);
    expect(section?.dimensions).toEqual(['Browser', 'Browser Version', 'Operating System']);
    expect(report.kind).toBe('other');
    // README: "7374" first, the totals row `,,,"7,374"`; the rows add up to it.
    expect(report.totals?.sessions).toBe(7374);
    expect(report.totals?.line).toBe(289);
    expect(report.rows).toHaveLength(281);
    expect(report.rows.reduce((sum, r) => sum + (r.sessions ?? 0), 0)).toBe(7374);
    // README: the top rows, the version cut to its major number.
    const top = [...report.rows]
      .sort((a, b) => (b.sessions ?? 0) - (a.sessions ?? 0))
      .slice(0, 9)
      .map((r) => `${r.sessions} \t${r.values.Browser} ${String(r.values['Browser Version']).split('.')[0]} ${r.values['Operating System']}`);
    expect(top).toEqual([
      '2533 \tChrome 40 Macintosh',
      '437 \tSafari 8 iOS',
      '389 \tInternet Explorer 11 Windows',
      '347 \tChrome 36 Windows',
      '297 \tInternet Explorer 9 Windows',
      '225 \tSafari 7 iOS',
      '186 \tChrome 42 Windows',
      '171 \tInternet Explorer 8 Windows',
      '118 \t(not set) (not set) (not set)',
    ]);
    const notSet = report.rows.find((r) => r.sessions === 118);
    expect(notSet?.notSet).toBe(true);
    expect(report.rows[0]?.notSet).toBeUndefined();
    expect(report.notes).toEqual(['"Sessions": "2,533" read as 2533 (a count: "," taken as thousands separator)']);
  });

  it('reads the Dutch-locale lines of the same README', async () => {
    const report = await parseAnalyticsCsv(text('ua-nl-browsers.csv'));
    expect(report.sections[0]?.dimensions).toEqual(['Browser', 'Browserversie']);
    expect(report.rows[0]).toMatchObject({
      sessions: 2546, newUsers: 2543, bounceRatePct: 85.98, pagesPerSession: 1.15, avgSessionDurationSec: 31,
      values: { Browser: 'Chrome', Browserversie: '40.0.2214.111', '% nieuwe sessies': 99.88, Doelconversieratio: 0, Doelwaarde: 0 },
    });
    expect(report.rows.map((r) => r.avgSessionDurationSec)).toEqual([31, 79, 97]);
    expect(report.totals).toBeUndefined();
  });
});

describe('hand-made multi-section exports', () => {
  it('UA, German: pages with totals and (not set), then a day index', async () => {
    const report = await parseAnalyticsCsv(text('ua-de-pages-days.csv'));
    expect(report.sections.map((s) => s.kind)).toEqual(['pages', 'daily']);
    expect(report.kind).toBe('pages');
    const [pages, days] = report.sections;
    expect(pages?.title).toEqual(['Alle Websitedaten', 'Seiten', '20150101-20150107']);
    expect(pages?.dateRange).toEqual({ start: '2015-01-01', end: '2015-01-07' });
    expect(report.rows.map((r) => [r.page, r.pageviews, r.uniquePageviews, r.avgTimeOnPageSec, r.entrances, r.bounceRatePct, r.exitRatePct])).toEqual([
      ['/', 2546, 1987, 79, 1234, 45.1, 38.2],
      ['/produkte/42', 1024, 876, 45, 321, 30, 25.5],
      ['/warenkorb', 512, 498, 123, 12, 8.33, 61.2],
      ['(not set)', 12, 12, 0, 0, 0, 0],
    ]);
    expect(report.rows[3]?.notSet).toBe(true);
    expect(report.totals).toMatchObject({ pageviews: 4094, uniquePageviews: 3373, entrances: 1567, bounceRatePct: 40.27 });
    expect(days?.title).toEqual(['Alle Websitedaten', 'Tagesindex', '20150101-20150107']);
    expect(days?.rows.map((r) => [r.date, r.sessions])).toEqual([
      ['2015-01-01', 310], ['2015-01-02', 1002], ['2015-01-03', 987], ['2015-01-04', 455], ['2015-01-05', 1210], ['2015-01-06', 1130], ['2015-01-07', 1094],
    ]);
    expect(days?.totals?.sessions).toBe(6188);
    const summary = summarizeAggregate(report);
    expect(summary.pageMix).toEqual([{ page: '/', pageviews: 2546 }, { page: '/produkte/42', pageviews: 1024 }, { page: '/warenkorb', pageviews: 512 }]);
    expect(summary.sessionsByDate?.['2015-01-05']).toBe(1210);
  });

  it('GA4, English: pages and screens, hour of day, date + hour without a preamble', async () => {
    const report = await parseAnalyticsCsv(text('ga4-en-pages-hours.csv'), 'ga4-en-pages-hours.csv');
    expect(report.sections.map((s) => s.kind)).toEqual(['pages', 'hourly', 'hourly']);
    const [pages, hours, dateHours] = report.sections;
    expect(pages?.title).toEqual(['Pages and screens: Page path and screen class', 'Account: Example Shop', 'Property: shop.example.com - GA4', 'All Users', 'Start date: 20231101', 'End date: 20231107']);
    expect(pages?.dateRange).toEqual({ start: '2023-11-01', end: '2023-11-07' });
    expect(pages?.rows.map((r) => [r.page, r.pageviews, r.users, r.avgTimeOnPageSec, r.values['Event count'], r.values['Total revenue']])).toEqual([
      ['/', 12345, 4321, 41.5, 30120, 0],
      ['/products/42', 3210, 1987, 65.25, 8004, 0],
      ['/cart', 987, 654, 23.1, 2100, 1234.5],
      ['(not set)', 12, 12, 0, 40, 0],
    ]);
    expect(pages?.totals).toBeUndefined();
    expect(hours?.title).toEqual(['Hour', 'Start date: 20231101', 'End date: 20231107']);
    expect(hours?.rows).toHaveLength(24);
    expect(hours?.rows.map((r) => r.hour)).toEqual([...Array(24).keys()]);
    expect(hours?.rows[12]).toMatchObject({ hour: 12, sessions: 470, pageviews: 1175 });
    // The third table follows a blank line with no preamble of its own: it keeps the title.
    expect(dateHours?.title).toEqual(hours?.title);
    expect(dateHours?.rows.map((r) => [r.date, r.hour, r.sessions])).toEqual([
      ['2023-11-01', 0, 17], ['2023-11-01', 1, 11], ['2023-11-01', 2, 6], ['2023-11-01', 3, 4], ['2023-11-01', 4, 3], ['2023-11-01', 5, 4],
    ]);
    const summary = summarizeAggregate(report);
    expect(summary.sessionsByHour?.reduce((a, b) => a + b, 0)).toBe(6762);
    expect(summary.sessionsByHour?.[20]).toBe(480);
    expect(summary.pageMix?.[0]).toEqual({ page: '/', pageviews: 12345 });
  });

  it.each<[string, string, Record<string, unknown>[]]>([
    ['US dates, month first', 'Day Index,Sessions\n1/31/15,5\n2/1/15,"1,200"\n', [{ date: '2015-01-31', sessions: 5 }, { date: '2015-02-01', sessions: 1200 }]],
    ['day first when a day is over 12', 'Day Index,Sessions\n31/1/2015,5\n1/2/2015,7\n', [{ date: '2015-01-31' }, { date: '2015-02-01' }]],
    ['GA4 compact dates', 'Date,Sessions\n20231101,5\n', [{ date: '2023-11-01' }]],
    ['GA4 Nth day from the start date', '# Start date: 20231130\n# End date: 20231202\nNth day,Sessions\n0000,5\n0002,9\n', [{ date: '2023-11-30', sessions: 5 }, { date: '2023-12-02', sessions: 9 }]],
    ['a "Grand total" row', 'Page,Views\n/a,3\nGrand total,3\n', [{ page: '/a', pageviews: 3 }]],
  ])('%s', async (_name, csv, want) => {
    const report = await parseAnalyticsCsv(csv);
    expect(report.rows).toHaveLength(want.length);
    want.forEach((w, i) => expect(report.rows[i]).toMatchObject(w));
  });

  it('a BOM, CRLF line ends and a byte stream split anywhere', async () => {
    const csv = '\ufeff# ----------------------------------------\r\n# Pages\r\n# ----------------------------------------\r\n\r\nPage,Pageviews\r\n/ä,"1,000"\r\n,"1,000"\r\n';
    const bytes = Buffer.from(csv);
    async function* pieces(): AsyncGenerator<Buffer> {
      for (let i = 0; i < bytes.length; i += 5) yield bytes.subarray(i, i + 5);
    }
    const report = await parseAnalyticsCsv(pieces());
    expect(report.rows).toEqual([{ page: '/ä', pageviews: 1000, values: { Page: '/ä', Pageviews: 1000 }, line: 6 }]);
    expect(report.totals?.pageviews).toBe(1000);
  });

  it('an empty input has no sections', async () => {
    expect(await parseAnalyticsCsv('')).toEqual({ kind: 'other', rows: [], sections: [], notes: [] });
  });
});

describe('detection', () => {
  it.each<[string, string, number]>([
    ['UA fixture', text('test_load_version_and_os.csv'), 1],
    ['a preamble, unknown columns', '# ----------------------------------------\n# Report\n# ----------------------------------------\n\nFoo,Bar\nx,1\n', 0.8],
    ['known columns without a rule', '# Report\nPage,Pageviews\n/,1\n', 0.6],
    ['GA4 with known metric names', text('ga4-en-pages-hours.csv'), 1],
    ['German UA', text('ua-de-pages-days.csv'), 1],
    ['a plain CSV', 'a,b,c\n1,2,3\n', 0],
    ['JSON', '{"log":{}}', 0],
  ])('%s', (_name, head, want) => {
    expect(detectAnalyticsCsv(head.slice(0, 4096))).toBe(want);
  });

  it('gaCsvFormat parses through the same function', async () => {
    const report = await gaCsvFormat.parse(text('ua-nl-browsers.csv'), 'nl.csv');
    expect(report.rows).toHaveLength(3);
  });
});
