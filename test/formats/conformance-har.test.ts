/**
 * Conformance of the HAR reader against mitmproxy's own HAR import: mitmproxy's test suite
 * imports each of these HAR files (Chrome, Firefox, Safari, Charles, Insomnia, ...) and stores
 * the flows it expects beside them (`*.json`, mitmproxy's flow dump). We compare, entry by
 * entry and in order: method, path with query, status, host and the request start time
 * (mitmproxy's request.timestamp_start, seconds). Copied from mitmproxy (MIT) into
 * test/fixtures/har (see the NOTICE there).
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/types.js';
import { harFormat } from '../../src/formats/har.js';
import { isStreamReject, type StreamItem } from '../../src/formats/stream-types.js';

const DIR = new URL('../fixtures/har/', import.meta.url);

interface Compared {
  accepted: boolean;
  method: string;
  /** Path and query as sent (`/a?b=1`). */
  target: string;
  status: number;
  host: string;
  timeMs: number;
}
type Field = keyof Compared;

interface MitmFlow {
  request: { method: string; host: string; path: string; timestamp_start: number };
  response: { status_code: number } | null;
}

/**
 * Every place where we knowingly differ from mitmproxy, with why. The test fails on a
 * difference not listed here, and on a listed one that no longer happens.
 */
const ACCEPTED_DIFFERENCES: { fixture: string; entry: number; field: Field; ours: unknown; theirs: unknown; reason: string }[] = [
  {
    fixture: 'chrome.har', entry: 2, field: 'accepted', ours: false, theirs: true,
    reason: 'status 0 (Chrome logs a request that got no response: blocked, cancelled or failed) is rejected as "no response"; mitmproxy keeps the flow with status 0. A request without a response tells the model nothing about the server',
  },
];

const theirs = (flow: MitmFlow): Compared => ({
  accepted: true,
  method: flow.request.method,
  target: flow.request.path,
  status: flow.response?.status_code ?? 0,
  host: flow.request.host,
  timeMs: flow.request.timestamp_start * 1000,
});

const ours = (item: StreamItem): Compared => {
  if (item === null || isStreamReject(item)) return { accepted: false, method: '', target: '', status: 0, host: '', timeMs: NaN };
  const r = item as LogRecord;
  return { accepted: true, method: r.method, target: r.query === '' ? r.path : `${r.path}?${r.query}`, status: r.status, host: r.host, timeMs: r.timeMs };
};

function same(field: Field, a: unknown, b: unknown): boolean {
  // mitmproxy stores seconds as floats: equal to the millisecond.
  if (field === 'timeMs') return Math.abs((a as number) - (b as number)) < 1;
  return a === b;
}

const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.har')).sort();
const passed: Record<string, { entries: number; exact: number; accepted: number }> = {};
const seenDifferences = new Set<(typeof ACCEPTED_DIFFERENCES)[number]>();

describe('HAR conformance with mitmproxy', () => {
  it('has the fixtures', () => {
    expect(fixtures).toEqual(['charles.har', 'chrome.har', 'firefox.har', 'head-content-length.har', 'insomnia.har', 'postdata.har', 'safari.har', 'with-bom.har']);
  });

  it.each(fixtures)('%s', async (fixture) => {
    const expected = (JSON.parse(readFileSync(new URL(fixture.replace(/\.har$/, '.json'), DIR), 'utf8')) as MitmFlow[]).map(theirs);
    const got: Compared[] = [];
    for await (const item of harFormat.parse(createReadStream(new URL(fixture, DIR)), fixture, {})) got.push(ours(item));
    expect(got, 'one item per entry').toHaveLength(expected.length);
    const unexplained: string[] = [];
    let exact = 0;
    let acceptedEntries = 0;
    expected.forEach((want, i) => {
      const have = got[i] as Compared;
      const fields: Field[] = have.accepted === want.accepted ? ['method', 'target', 'status', 'host', 'timeMs'] : ['accepted'];
      let differs = false;
      let explained = true;
      for (const field of fields) {
        if (same(field, have[field], want[field])) continue;
        differs = true;
        const accepted = ACCEPTED_DIFFERENCES.find((d) => d.fixture === fixture && d.entry === i + 1 && d.field === field && d.ours === have[field] && d.theirs === want[field]);
        if (accepted) seenDifferences.add(accepted);
        else {
          explained = false;
          unexplained.push(`entry ${i + 1} ${field}: ours ${JSON.stringify(have[field])}, mitmproxy ${JSON.stringify(want[field])}`);
        }
      }
      if (!differs) exact++;
      else if (explained) acceptedEntries++;
    });
    passed[fixture] = { entries: expected.length, exact, accepted: acceptedEntries };
    expect(unexplained).toEqual([]);
  });

  it('every accepted difference still happens', () => {
    expect(ACCEPTED_DIFFERENCES.filter((d) => !seenDifferences.has(d)).map((d) => `${d.fixture} entry ${d.entry} ${d.field}`)).toEqual([]);
  });

  afterAll(() => {
    const lines = Object.entries(passed).map(([f, p]) => `  ${f}: ${p.exact}/${p.entries} entries agree${p.accepted > 0 ? `, ${p.accepted} accepted difference(s)` : ''}`);
    console.log(`HAR conformance with mitmproxy:\n${lines.join('\n')}`);
  });
});
