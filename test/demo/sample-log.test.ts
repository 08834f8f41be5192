import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const SAMPLE_DIR = fileURLToPath(new URL('../../samples/shop/', import.meta.url));
const SAMPLE = join(SAMPLE_DIR, 'access.log.gz');
/** The deliberately malformed lines that samples/shop/README.md lists. */
const MALFORMED_LINES = 11;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
const COMBINED =
  /^(\d{1,3}(?:\.\d{1,3}){3}) - (\S+) \[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):([01]\d|2[0-3]):([0-5]\d):([0-5]\d) ([+-]\d{4})\] "([A-Z]+) (\/\S*) (HTTP\/\d\.\d)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"$/;

/** Epoch ms of a combined line, or undefined when it is not a valid one (e.g. 31 November). */
function parseTimeMs(line: string): number | undefined {
  const m = COMBINED.exec(line);
  if (!m) return undefined;
  const [day, month, year, hh, mm, ss, zone] = [m[3], m[4], m[5], m[6], m[7], m[8], m[9]].map(String);
  const monthIndex = MONTHS.indexOf(month as string);
  if (monthIndex < 0) return undefined;
  const ms = Date.UTC(Number(year), monthIndex, Number(day), Number(hh), Number(mm), Number(ss));
  if (new Date(ms).getUTCDate() !== Number(day)) return undefined;
  const sign = (zone as string).startsWith('-') ? -1 : 1;
  const offsetMin = sign * (Number((zone as string).slice(1, 3)) * 60 + Number((zone as string).slice(3, 5)));
  return ms - offsetMin * 60_000;
}

describe('samples/shop/access.log.gz', () => {
  const gz = readFileSync(SAMPLE);
  const text = gunzipSync(gz).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  it('is a small gzip file with a fixed header (no mtime)', () => {
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz.length).toBeLessThan(5 * 1024 * 1024);
    expect(lines.length).toBeGreaterThan(100_000);
  });

  it('is combined format except for the documented malformed lines, in timestamp order', () => {
    let previous = -Infinity;
    const malformed: string[] = [];
    const outOfOrder: string[] = [];
    for (const line of lines) {
      const t = parseTimeMs(line);
      if (t === undefined) {
        malformed.push(line);
        continue;
      }
      if (t < previous) outOfOrder.push(line);
      previous = t;
    }
    expect(outOfOrder).toEqual([]);
    expect(malformed).toHaveLength(MALFORMED_LINES);
  });

  it('spans about two days, with a daily shape that peaks in the evening at about 2 requests/s', () => {
    const times = lines.map(parseTimeMs).filter((t): t is number => t !== undefined);
    const first = times[0] as number;
    const last = times[times.length - 1] as number;
    expect(first).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 26));
    expect(last).toBeLessThan(Date.UTC(2026, 10, 28));
    expect((last - first) / 3_600_000).toBeGreaterThan(47.5);
    const perHour = new Array<number>(48).fill(0);
    for (const t of times) perHour[Math.floor((t - Date.UTC(2026, 10, 26)) / 3_600_000)]! += 1;
    const peak = Math.max(...perHour);
    const peakHourOfDay = perHour.indexOf(peak) % 24;
    expect(peakHourOfDay).toBeGreaterThanOrEqual(18);
    expect(peakHourOfDay).toBeLessThanOrEqual(21);
    expect(peak / 3600).toBeGreaterThan(1.6);
    expect(peak / 3600).toBeLessThan(2.4);
    // Quiet at night: 04:00 carries a small fraction of the peak.
    expect((perHour[4] as number) / peak).toBeLessThan(0.2);
  });

  it('regenerates identically from samples/shop/generate.mjs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-sample-'));
    try {
      const out = join(dir, 'access.log');
      // Compare the text, not the bytes: another zlib build may compress differently (and
      // skipping compression keeps the test fast).
      execFileSync(process.execPath, [join(SAMPLE_DIR, 'generate.mjs'), '--plain', '--out', out], { stdio: 'pipe' });
      expect(readFileSync(out).equals(Buffer.from(text, 'utf8'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
