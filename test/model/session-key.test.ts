import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { importModel, type ImportOptions } from '../../src/commands/import.js';
import { UsageError } from '../../src/core/errors.js';
import type { TrafficModel } from '../../src/core/types.js';
import { testContext } from '../helpers/context.js';

/*
 * `--session-key` end to end: a log (nginx, JSON lines, HAR) → import → session counts.
 * Each scenario is built so that ip+ua gives one answer and the key another.
 */

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const NGINX_FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_cookie" "$http_x_user"';
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

function clfTime(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

function nginxLine(ms: number, path: string, { ip = '198.51.100.9', cookie = '-', user = '-', remoteUser = '-' } = {}): string {
  return `${ip} - ${remoteUser} [${clfTime(ms)}] "GET ${path} HTTP/1.1" 200 512 "-" "${UA}" "${cookie}" "${user}"`;
}

describe('--session-key', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-session-key-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    writeFileSync(join(tmp, name), text);
    return name;
  };
  const imported = async (file: string, options: ImportOptions): Promise<TrafficModel> => (await importModel([file], options, testContext({ cwd: tmp }))).model;

  // Two shoppers behind one office NAT with the same browser build: one IP + UA, two cookies.
  // Their requests interleave, 20 s apart, for 10 minutes; a third visitor has no cookie.
  const natLines: string[] = [];
  for (let i = 0; i < 30; i++) {
    natLines.push(nginxLine(T0 + i * 20_000, `/p/${i % 3}`, { cookie: `theme=dark; sid=alice-${'a'.repeat(8)}` }));
    natLines.push(nginxLine(T0 + i * 20_000 + 5_000, `/c/${i % 2}`, { cookie: 'sid=bob-bbbbbbbb; theme=light' }));
  }
  natLines.push(nginxLine(T0 + 700_000, '/', { ip: '203.0.113.50' }));
  const nat = write('nat.log', `${natLines.join('\n')}\n`);

  it('nginx: two users behind one IP + UA are one session by ip+ua and two by cookie:sid', async () => {
    const byIp = await imported(nat, { logFormat: NGINX_FORMAT });
    expect(byIp.sessions.count).toBe(2); // the NAT, and the visitor without a cookie
    expect(byIp.sessions.key).toBe('ip+ua');
    expect(byIp.sessions.keyMissing).toBeUndefined();

    const byCookie = await imported(nat, { logFormat: NGINX_FORMAT, sessionKey: 'cookie:sid' });
    expect(byCookie.sessions.count).toBe(3);
    expect(byCookie.sessions.length.max).toBe(30);
    expect(byCookie.sessions.length.min).toBe(1);
    // The line without the cookie fell back to ip+ua, and is counted.
    expect(byCookie.sessions.keyMissing).toBe(1);
    expect(byCookie.sessions.key).toBe('cookie:sid');
    expect(byCookie.provenance.options.sessionKey).toBe('cookie:sid');
    // Each shopper's walk is their own: alice only visits /p, bob only /c.
    expect(Object.keys(byCookie.sessions.transitions['GET /p/:id'] ?? {}).sort()).toEqual(['$exit', 'GET /p/:id']);

    // The cookie values are hashed, never written.
    const text = JSON.stringify(byCookie);
    expect(text).not.toContain('alice-');
    expect(text).not.toContain('bob-');
  });

  it('nginx: field:remote_user and header:x-user join one user across addresses', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) lines.push(nginxLine(T0 + i * 30_000, `/a/${i % 4}`, { ip: `192.0.2.${10 + (i % 3)}`, user: 'u-77', remoteUser: 'erin' }));
    const file = write('roaming.log', `${lines.join('\n')}\n`);
    expect((await imported(file, { logFormat: NGINX_FORMAT })).sessions.count).toBe(3);
    expect((await imported(file, { logFormat: NGINX_FORMAT, sessionKey: 'field:remote_user' })).sessions.count).toBe(1);
    expect((await imported(file, { logFormat: NGINX_FORMAT, sessionKey: 'header:x-user' })).sessions.count).toBe(1);
  });

  it('JSON lines: the same user across three IPs is joined by field:user.id', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 15; i++) {
      rows.push(JSON.stringify({ ts: new Date(T0 + i * 10_000).toISOString(), method: 'GET', url: `/item/${i}`, ip: `10.0.${i % 3}.1`, ua: UA, user: { id: 'member-42' } }));
      rows.push(JSON.stringify({ ts: new Date(T0 + i * 10_000 + 1_000).toISOString(), method: 'GET', url: '/feed', ip: '10.9.9.9', ua: UA, user: { id: i % 2 === 0 ? 'member-7' : 'member-8' } }));
    }
    const file = write('app.jsonl', `${rows.join('\n')}\n`);
    const map = { time: 'ts', method: 'method', url: 'url', client: 'ip', userAgent: 'ua' };
    const byIp = await imported(file, { format: 'jsonl', map });
    expect(byIp.sessions.count).toBe(4); // three addresses of member-42, and 10.9.9.9
    const byUser = await imported(file, { format: 'jsonl', map, sessionKey: 'field:user.id' });
    expect(byUser.sessions.count).toBe(3); // member-42, member-7, member-8
    expect(byUser.sessions.keyMissing).toBe(0);
    expect(JSON.stringify(byUser)).not.toContain('member-');
  });

  it('HAR: one capture (one client) splits by header:x-user', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({
      startedDateTime: new Date(T0 + i * 2_000).toISOString(),
      time: 30,
      request: { method: 'GET', url: `https://shop.example/p/${i % 5}`, headers: [{ name: 'User-Agent', value: UA }, { name: 'X-User', value: i % 4 === 0 ? 'tester-1' : 'tester-2' }], cookies: [] },
      response: { status: 200, bodySize: 100 },
    }));
    const file = write('capture.har', JSON.stringify({ log: { version: '1.2', creator: { name: 'test' }, entries } }));
    expect((await imported(file, {})).sessions.count).toBe(1);
    const byHeader = await imported(file, { sessionKey: 'header:x-user' });
    expect(byHeader.sessions.count).toBe(2);
    expect(byHeader.sessions.length.min).toBe(5);
    expect(byHeader.sessions.length.max).toBe(15);
    // With --time-zone, whose early check must not try the key on a line format.
    expect((await imported(file, { sessionKey: 'header:x-user', timeZone: 'Europe/Amsterdam' })).sessions.count).toBe(2);
  });

  it('a format that cannot give the key fails before reading, naming the key, the format and what to do', async () => {
    const alb = write('alb.log', 'not read at all\n');
    const err = await importModel([alb], { format: 'alb', sessionKey: 'cookie:sid' }, testContext({ cwd: tmp })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe('--session-key cookie:sid: format alb logs no cookie, header or field that could identify a visitor');
    expect((err as UsageError).hint).toContain('ip+ua');

    // A detected format: the input is named.
    const combined = write('combined.log', `${natLines.slice(0, 3).map((l) => l.replace(/ "[^"]*" "[^"]*"$/, '')).join('\n')}\n`);
    const detected = await importModel([combined], { sessionKey: 'cookie:sid' }, testContext({ cwd: tmp })).catch((e: unknown) => e);
    expect(detected).toBeInstanceOf(UsageError);
    expect((detected as UsageError).message).toContain('format combined logs no cookie sid');
    expect((detected as UsageError).message).toContain('(detected in combined.log)');
  });

  it('is an option of tidemark import (help, exit 2 on a bad key, the model says which key)', async () => {
    const help = testContext();
    expect(await runCli(['import', '--help'], help)).toBe(0);
    expect(help.out()).toMatch(/--session-key KEY .*cookie:NAME.*\(default: ip\+ua\)/);

    const bad = testContext({ cwd: tmp });
    expect(await runCli(['import', nat, '--session-key', 'session:sid'], bad)).toBe(2);
    expect(bad.err()).toContain('--session-key "session:sid": unknown kind of key');

    const ok = testContext({ cwd: tmp });
    expect(await runCli(['import', nat, '--log-format', NGINX_FORMAT, '--session-key', 'cookie:sid', '-o', 'nat.json'], ok)).toBe(0);
    const model = JSON.parse(readFileSync(join(tmp, 'nat.json'), 'utf8')) as TrafficModel;
    expect(model.sessions.count).toBe(3);
    expect(model.sessions.key).toBe('cookie:sid');
  });
});
