import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { TrafficModel } from '../../src/core/types.js';
import { parseModel } from '../../src/model/load.js';
import { testContext } from '../helpers/context.js';

/** Friday 2026-11-27 00:00 UTC. */
const T0 = Date.UTC(2026, 10, 27);
const HOUR = 3_600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function line(timeMs: number, path: string, client: string): string {
  const d = new Date(timeMs);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
  return `${client} - - [${stamp}] "GET ${path} HTTP/1.1" 200 100 "-" "test"`;
}

/** One day (d after T0): every hour h, 2 + h sessions (more on day 1 at 18:00 UTC) of / then /items/N. */
function dayLines(d: number): string[] {
  const lines: string[] = [];
  for (let h = 0; h < 24; h++) {
    const sessions = 2 + h + (d === 1 && h === 18 ? 30 : 0);
    for (let s = 0; s < sessions; s++) {
      const t = T0 + d * 24 * HOUR + h * HOUR + s * 60_000;
      const client = `10.${d}.${h}.${s}`;
      lines.push(line(t, '/', client), line(t + 20_000, `/items/${(s * 7 + h) % 90}`, client));
    }
  }
  return lines;
}

describe('tidemark import --tz, --log-tz and --merge; inspect --brief', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-merge-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  writeFileSync(join(tmp, 'fri.log'), `${dayLines(0).join('\n')}\n`);
  writeFileSync(join(tmp, 'sat.log'), `${dayLines(1).join('\n')}\n`);
  const read = (name: string): TrafficModel => parseModel(JSON.parse(readFileSync(join(tmp, name), 'utf8')), name);
  const cli = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    const ctx = testContext({ cwd: tmp });
    const code = await runCli(argv, ctx);
    return { code, out: ctx.out(), err: ctx.err() };
  };

  it('merges two daily models into what one import of both days gives', async () => {
    expect((await cli('import', 'fri.log', '-o', 'fri.json', '--tz', 'America/New_York')).code).toBe(0);
    expect((await cli('import', 'sat.log', '-o', 'sat.json', '--tz', 'America/New_York')).code).toBe(0);
    expect((await cli('import', 'fri.log', 'sat.log', '-o', 'both.json', '--tz', 'America/New_York')).code).toBe(0);
    const merged = await cli('import', '--merge', 'fri.json', 'sat.json', '-o', 'merged.json');
    expect(merged.code).toBe(0);
    expect(merged.out).toContain('merged model of 2 written to merged.json');
    const m = read('merged.json');
    const both = read('both.json');
    expect(m.totals).toEqual(both.totals);
    expect(m.endpoints.map((e) => [e.key, e.count, e.share])).toEqual(both.endpoints.map((e) => [e.key, e.count, e.share]));
    expect(m.sessions.count).toBe(both.sessions.count);
    expect(m.arrivals.hourly).toEqual(both.arrivals.hourly);
    expect(m.arrivals.sessionsPerHour).toEqual(both.arrivals.sessionsPerHour);
    expect(m.arrivals.requestsPerMinuteOfDay).toEqual(both.arrivals.requestsPerMinuteOfDay);
    expect(m.arrivals.sessionsPerWeekdayHour).toEqual(both.arrivals.sessionsPerWeekdayHour);
    // 18:00 UTC on Saturday is 13:00 in New York (EST, −5 h).
    expect(m.arrivals.peak).toEqual(both.arrivals.peak);
    expect(m.arrivals.peak).toMatchObject({ hourOfDay: 13, localStart: '2026-11-28T13:00:00.000-05:00' });
    expect(m.arrivals.timeZone).toBe('America/New_York');
    // The per-minute arrays are written as rows, one per hour of the day.
    const text = readFileSync(join(tmp, 'merged.json'), 'utf8');
    const rows = text.slice(text.indexOf('"sessionsPerMinuteOfDay": ['), text.indexOf('"requestsPerMinuteOfDay"')).trim().split('\n');
    expect(rows).toHaveLength(1 + 24 + 1);
    expect(rows[1]?.split(',').filter((x) => x.trim() !== '')).toHaveLength(60);
  });

  it('refuses to merge models of different time zones, and log options with --merge', async () => {
    expect((await cli('import', 'sat.log', '-o', 'sat-utc.json')).code).toBe(0);
    const mixed = await cli('import', '--merge', 'fri.json', 'sat-utc.json', '-o', 'nope.json');
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain('cannot merge models built differently');
    expect(mixed.err).toContain('sat-utc.json: time zone UTC, but fri.json has America/New_York');
    expect(existsSync(join(tmp, 'nope.json'))).toBe(false);
    const withTz = await cli('import', '--merge', 'fri.json', 'sat.json', '--tz', 'UTC');
    expect(withTz.code).toBe(2);
    expect(withTz.err).toContain('--tz applies to reading logs, not to merging models');
    const notModel = await cli('import', '--merge', 'fri.json', 'sat.log');
    expect(notModel.code).toBe(2);
    expect(notModel.err).toContain('sat.log: cannot read a model');
  });

  it('fails early on an unknown --tz, and keeps --log-tz (timestamps without offset) apart from --tz (the day frame)', async () => {
    const bad = await cli('import', 'fri.log', '-o', 'bad.json', '--tz', 'Mars/Base');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--tz "Mars/Base": unknown time zone');
    expect(existsSync(join(tmp, 'bad.json'))).toBe(false);
    writeFileSync(join(tmp, 'events.jsonl'), Array.from({ length: 5 }, (_, i) => JSON.stringify({ t: `2026-11-27T10:00:0${i}`, p: '/a', c: '10.0.0.1' })).join('\n'));
    const r = await cli('import', 'events.jsonl', '-o', 'events.json', '--format', 'jsonl', '--map', 'time=t', '--map', 'path=p', '--map', 'client=c', '--log-tz', '+02:00', '--tz', 'Europe/Paris');
    expect(r.code).toBe(0);
    const m = read('events.json');
    // Logged 10:00 at +02:00 is 08:00 UTC, which is 09:00 in Paris.
    expect(m.span.start).toBe('2026-11-27T08:00:00.000Z');
    expect(m.arrivals.peak.localStart).toBe('2026-11-27T09:00:00.000+01:00');
    expect(m.provenance.options).toMatchObject({ timeZone: 'Europe/Paris', logTimeZone: '+02:00' });
  });

  it('prints the model in a few sentences with inspect --brief', async () => {
    const r = await cli('inspect', 'merged.json', '--brief');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Traffic peaks at 13:00 America/New_York at ');
    expect(r.out).toContain('50% of requests are GET /');
    expect(r.out).toContain('A session makes 2.0 requests over 20 s on average.');
    expect(r.out).toContain('100% of sessions start at GET /.');
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const both = await cli('inspect', 'merged.json', '--brief', '--json');
    expect(both.code).toBe(2);
    expect(both.err).toContain('--brief and --json do not go together');
  });
});
