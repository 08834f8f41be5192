import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { readRecords } from '../../src/commands/read-records.js';
import { UsageError } from '../../src/core/errors.js';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { isBot, trafficClassOf } from '../../src/model/bots.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { parseModel } from '../../src/model/load.js';
import { modelSummaryJson, renderModelSummary } from '../../src/reports/model-summary.js';
import { SessionSynthesizer } from '../../src/synth/synthesizer.js';
import { parseTraffic, selectTraffic, trafficShare } from '../../src/synth/traffic-class.js';
import { testContext } from '../helpers/context.js';
import { MIN, OPTIONS, SEC, rec } from './records.js';

describe('isBot', () => {
  it.each([
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/120.0.6099.216 Safari/537.36',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)',
    'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
    'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Mozilla/5.0 (compatible; Facebot 1.0; https://developers.facebook.com/docs/sharing/webmasters/crawler)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b',
    'Mediapartners-Google',
    'curl/7.58.0',
    'Wget/1.20.3 (darwin18.6.0)',
    'python-requests/2.22.0',
    'Python-urllib/3.8',
    'Go-http-client/1.1',
    'okhttp/4.9.3',
    'Java/11.0.21',
    'Apache-HttpClient/4.5.14 (Java/11.0.21)',
    'libwww-perl/6.05',
    'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
    'axios/1.6.2',
    'Scrapy/2.11.0 (+https://scrapy.org)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/100.0.4896.88 Safari/537.36',
    'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
    'Mozilla/5.0 (Linux; Android 7.0; Moto G (4)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse',
    'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)',
    'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  ])('bot: %s', (ua) => {
    expect(isBot(ua)).toBe(true);
    expect(trafficClassOf(ua)).toBe('bot');
  });

  it.each([
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:109.0) Gecko/20100101 Firefox/111.0',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.3 Safari/605.1.15',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 11_2_5 like Mac OS X) AppleWebKit/604.5.6 (KHTML, like Gecko) Version/11.0 Mobile/15D60 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 5.1.1; KFFOWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/81.2.16 like Chrome/81.0.4044.138 Safari/537.36',
    'Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Mobile Safari/537.36',
    'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0)',
    'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko',
    '',
    'desktop', // GA4's device category
  ])('not a bot: %s', (ua) => {
    expect(isBot(ua)).toBe(false);
    expect(trafficClassOf(ua)).toBe('human');
  });

  it('a phone named Cubot with a crawler inside is still a crawler', () => {
    expect(isBot('Mozilla/5.0 (Linux; Android 9; CUBOT P30) Googlebot/2.1')).toBe(true);
  });

  describe('on real logs', () => {
    const distinct = async (path: string): Promise<{ bots: string[]; people: number }> => {
      const stream = await readRecords([path], {}, { cwd: '/', stdin: testContext().stdin });
      const agents = new Set<string>();
      for await (const r of stream.records) agents.add(r.userAgent);
      return { bots: [...agents].filter(isBot).sort(), people: [...agents].filter((a) => !isBot(a)).length };
    };
    const local = (path: string): string => fileURLToPath(new URL(`../fixtures/formats/${path}`, import.meta.url));

    it('finds the crawler and the scripts in test fixtures', async () => {
      expect(await distinct(local('filebeat-2019/nginx-access/test.log'))).toEqual({
        bots: ['Mozilla/5.0 (compatible; Facebot 1.0; https://developers.facebook.com/docs/sharing/webmasters/crawler)'],
        people: 5, // three Firefox and Chrome builds, "Amazon CloudFront", and no user agent
      });
      expect((await distinct(local('filebeat-2019/apache-access/ubuntu-2.2.22.log'))).bots).toEqual(['Wget/1.13.4 (linux-gnu)']);
      expect((await distinct(local('goaccess/ci-vcombined.log'))).bots).toEqual(['Wget/1.14 (linux-gnu)']);
    });

    const SHARED = new URL('../../../shared/fixtures/', import.meta.url);
    it.skipIf(!existsSync(fileURLToPath(new URL('INDEX.md', SHARED))))('finds search engines, SEO crawlers, curl and headless Chrome in ../shared/fixtures', async () => {
      const shared = (path: string): string => fileURLToPath(new URL(path, SHARED));
      const iis = await distinct(shared('lnav/logfile_w3c_big.0'));
      expect(iis.bots).toEqual([
        'Mozilla/5.0 (compatible; AhrefsBot/5.0;  http://ahrefs.com/robot/)',
        'Mozilla/5.0 (compatible; Googlebot/2.1;  http://www.google.com/bot.html)',
        'Mozilla/5.0 (compatible; MJ12bot/v1.4.5; http://www.majestic12.co.uk/bot.php? )',
        'Mozilla/5.0 (compatible; bingbot/2.0;  http://www.bing.com/bingbot.htm)',
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; Google Web Preview Analytics) Chrome/27.0.1453 Safari/537.36 (compatible; Googlebot/2.1;  http://www.google.com/bot.html)',
        'NerdyBot',
      ]);
      expect(iis.people).toBe(5);
      const cloudfront = await distinct(shared('elastic-integrations/aws-cloudfront_logs/test-cloudfront.log'));
      expect(cloudfront.bots).toEqual(['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/100.0.4896.88 Safari/537.36', 'curl/7.55.1']);
      const traefik = await distinct(shared('elastic-integrations/traefik-access/test-format-json.log'));
      expect(traefik.bots).toEqual(['MapFishPrint/UNAVAILABLE Apache-HttpClient/4.5.14 (Java/11.0.21)', 'curl/7.64.1', 'curl/7.67.0']);
    });
  });
});

const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/**
 * 30 people (home → product → cart, 3 requests, 10 s apart) and 10 crawlers (robots.txt, then
 * 5 product pages 1 s apart, 6 requests), all within an hour.
 */
function mixedModel(): TrafficModel {
  const records: LogRecord[] = [];
  for (let s = 0; s < 30; s++) {
    const at = s * MIN;
    const client = `10.0.0.${s}`;
    records.push(rec({ at, client, userAgent: CHROME, path: '/' }));
    records.push(rec({ at: at + 10 * SEC, client, userAgent: CHROME, path: `/products/${s}` }));
    records.push(rec({ at: at + 20 * SEC, client, userAgent: CHROME, method: 'POST', path: '/cart' }));
  }
  for (let s = 0; s < 10; s++) {
    const at = s * 3 * MIN + 30 * SEC;
    const client = `66.249.66.${s}`;
    records.push(rec({ at, client, userAgent: GOOGLEBOT, path: '/robots.txt' }));
    for (let k = 1; k <= 5; k++) records.push(rec({ at: at + k * SEC, client, userAgent: GOOGLEBOT, path: `/products/${s * 5 + k}` }));
  }
  records.sort((a, b) => a.timeMs - b.timeMs);
  const b = new ModelBuilder(OPTIONS);
  for (const r of records) b.add(r);
  return JSON.parse(JSON.stringify(b.finish())) as TrafficModel;
}

describe('traffic classes in the model', () => {
  const model = mixedModel();

  it('keeps all traffic at the top and each class apart', () => {
    expect(model.sessions.count).toBe(40);
    expect(model.totals.requests).toBe(150);
    expect(model.endpoints.find((e) => e.key === 'GET /products/:id')?.count).toBe(80); // the mix of all traffic
    const { human, bot } = model.sessions.classes as NonNullable<TrafficModel['sessions']['classes']>;
    expect(human).toMatchObject({ count: 30, requests: 90 });
    expect(bot).toMatchObject({ count: 10, requests: 60 });
    expect(human.entry).toEqual({ 'GET /': 1 });
    expect(bot.entry).toEqual({ 'GET /robots.txt': 1 });
    expect(bot.length).toMatchObject({ min: 6, max: 6 });
    expect(bot.thinkTimeMs?.p50).toBe(1000);
    expect(human.thinkTimeMs?.p50).toBe(10_000);
    expect(bot.transitions?.['GET /products/:id']).toEqual({ 'GET /products/:id': 0.8, $exit: 0.2 });
    expect(human.transitions?.['GET /products/:id']).toEqual({ 'POST /cart': 1 });
    // All traffic: both entries, both walks.
    expect(model.sessions.entry).toEqual({ 'GET /': 0.75, 'GET /robots.txt': 0.25 });
    expect(model.sessions.length).toMatchObject({ count: 40, min: 3, max: 6 });
    expect(parseModel(model, 'model.json')).toBe(model);
  });

  it('writes no copy of the statistics when one class is all the traffic', () => {
    const b = new ModelBuilder(OPTIONS);
    for (let i = 0; i < 5; i++) b.add(rec({ at: i * SEC, userAgent: CHROME, path: `/p/${i}` }));
    const people = b.finish();
    expect(people.sessions.classes).toEqual({ human: { count: 1, requests: 5 }, bot: { count: 0, requests: 0 } });
  });

  it('shows the bot share in tidemark inspect', () => {
    expect(modelSummaryJson(model).sessions.bots).toEqual({ sessions: 10, requests: 60, sessionShare: 0.25, requestShare: 0.4 });
    expect(renderModelSummary(model)).toContain('  bots       10 sessions (25.0%), 60 requests (40.0%) by user agent');
    // An older model (no classes) says nothing about bots rather than "0".
    const older = structuredClone(model);
    delete older.sessions.classes;
    expect(modelSummaryJson(older).sessions.bots).toBeNull();
    expect(renderModelSummary(older)).not.toContain('bots ');
  });
});

describe('--traffic: replaying one class', () => {
  const model = mixedModel();

  it('bot: the synthesizer walks only the crawlers\' entries, transitions and think times', () => {
    const bots = selectTraffic(model, 'bot');
    const synth = new SessionSynthesizer(bots, { seed: 7 });
    const entries = new Set<string>();
    const keys = new Set<string>();
    let gaps = 0;
    let sessions = 0;
    for (let id = 0; id < 300; id++) {
      const plan = synth.session(id);
      if (plan.requests.length === 0) continue;
      sessions++;
      entries.add(plan.requests[0]?.endpointKey as string);
      for (const r of plan.requests) keys.add(r.endpointKey);
      for (const r of plan.requests.slice(1)) {
        expect(r.thinkTimeMs).toBe(1000); // the crawlers' 1 s, never the people's 10 s
        gaps++;
      }
    }
    expect(sessions).toBe(300);
    expect(entries).toEqual(new Set(['GET /robots.txt']));
    expect(keys).toEqual(new Set(['GET /robots.txt', 'GET /products/:id']));
    expect(gaps).toBeGreaterThan(600);

    const people = new SessionSynthesizer(selectTraffic(model, 'human'), { seed: 7 });
    for (let id = 0; id < 100; id++) {
      const plan = people.session(id);
      expect(plan.requests.map((r) => r.endpointKey)).toEqual(['GET /', 'GET /products/:id', 'POST /cart']);
    }
  });

  it('scales the arrival rate by the class\'s share of sessions, and the mix to its visits', () => {
    const bots = selectTraffic(model, 'bot');
    expect(trafficShare(model, 'bot')).toBe(0.25);
    expect(bots.arrivals.peak.sessionsPerSec).toBeCloseTo(model.arrivals.peak.sessionsPerSec * 0.25, 12);
    expect(bots.arrivals.sessionsPerHour.reduce((s, n) => s + n, 0)).toBeCloseTo(10, 9);
    expect(bots.arrivals.requestsPerHour.reduce((s, n) => s + n, 0)).toBeCloseTo(60, 9);
    expect(bots.sessions.count).toBe(10);
    expect(bots.totals.requests).toBe(60);
    // Expected visits of the crawlers' walk: 10 robots.txt, 50 product pages, no home, no cart.
    const count = (key: string): number | undefined => bots.endpoints.find((e) => e.key === key)?.count;
    expect([count('GET /robots.txt'), count('GET /products/:id'), count('GET /'), count('POST /cart')]).toEqual([10, 50, 0, 0]);
    // The original is untouched.
    expect(model.sessions.count).toBe(40);
    expect(selectTraffic(model, 'all')).toBe(model);
  });

  it('says what to do when the class is empty, unknown, or the model is older', () => {
    const b = new ModelBuilder(OPTIONS);
    b.add(rec({ userAgent: CHROME }));
    const people = b.finish();
    expect(selectTraffic(people, 'human')).toBe(people); // the class is all the traffic
    expect(() => selectTraffic(people, 'bot')).toThrow(UsageError);
    expect(() => selectTraffic(people, 'bot')).toThrow('--traffic bot: the model has no bot sessions');
    const older = structuredClone(people);
    delete older.sessions.classes;
    expect(() => selectTraffic(older, 'human')).toThrow(/older tidemark/);
    expect(parseTraffic(undefined)).toBe('all');
    expect(parseTraffic('BOT')).toBe('bot');
    expect(() => parseTraffic('robots')).toThrow('--traffic "robots": expected human, bot or all');
  });

  it('is an option of tidemark run (help; a bad class is exit 2 before any request)', async () => {
    const help = testContext();
    expect(await runCli(['run', '--help'], help)).toBe(0);
    expect(help.out()).toMatch(/--traffic CLASS .*human.*bot.*\(default: all\)/);

    const dir = mkdtempSync(join(tmpdir(), 'tidemark-traffic-'));
    try {
      writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
      const bad = testContext({ cwd: dir });
      // Port 9 (discard) on loopback: never contacted, the option is refused first.
      expect(await runCli(['run', 'model.json', '--traffic', 'robots', '--target', 'http://127.0.0.1:9'], bad)).toBe(2);
      expect(bad.err()).toContain('--traffic "robots": expected human, bot or all');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
