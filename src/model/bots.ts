/**
 * Bots and crawlers, told apart from people by their user agent, so that the model can keep
 * them as their own class of sessions: a crawler walks a site in a way no person does (every
 * product page in a row, sub-second gaps, no cart), and a load test may want either kind alone.
 *
 * The rule is a short list of well-known markers, matched case-insensitively anywhere in the
 * user agent:
 * - self-declared robots: `bot` (Googlebot, bingbot, AdsBot, Applebot, Facebot, GPTBot …),
 *   `crawl`, `spider` (Baiduspider), `slurp` (Yahoo), `facebookexternalhit`, `bingpreview`,
 *   `mediapartners-google`, `feedfetcher`, `archiver`;
 * - HTTP libraries and command-line tools, which no browser sends: `curl/`, `wget`,
 *   `python-requests`, `python-urllib`, `aiohttp`, `go-http-client`, `okhttp`, `java/`,
 *   `apache-httpclient`, `libwww-perl`, `node-fetch`, `axios/`, `scrapy`;
 * - automated browsers and monitors: `headless` (HeadlessChrome), `phantomjs`, `puppeteer`,
 *   `playwright`, `selenium`, `lighthouse`, `pingdom`, `uptimerobot`.
 * `cubot` (a phone maker whose name ends in "bot") is not a bot. An empty user agent is not
 * called a bot: many formats do not log one (common log format, GA4), and unknown is not robot.
 *
 * It is deliberately a list and not a database: it catches the bulk of automated traffic by
 * volume (search engines, link previews, scripts, uptime checks) and says nothing about bots
 * that pretend to be browsers, which no user-agent rule can.
 */

export type TrafficClass = 'human' | 'bot';
export const TRAFFIC_CLASSES: readonly TrafficClass[] = ['human', 'bot'];

const BOT_MARKERS =
  /bot|crawl|spider|slurp|facebookexternalhit|bingpreview|mediapartners-google|feedfetcher|archiver|curl\/|wget|python-requests|python-urllib|aiohttp|go-http-client|okhttp|java\/|apache-httpclient|libwww-perl|node-fetch|axios\/|scrapy|headless|phantomjs|puppeteer|playwright|selenium|lighthouse|pingdom|uptimerobot/i;
const NOT_BOTS = /cubot/i;

/** True when the user agent is a bot, crawler, script or automated browser (see above). */
export function isBot(userAgent: string): boolean {
  return BOT_MARKERS.test(userAgent) && !(NOT_BOTS.test(userAgent) && !BOT_MARKERS.test(userAgent.replace(/cubot/gi, '')));
}

/** The class of a request by its user agent. */
export function trafficClassOf(userAgent: string): TrafficClass {
  return isBot(userAgent) ? 'bot' : 'human';
}
