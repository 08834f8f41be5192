import { describe, expect, it } from 'vitest';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { EndpointStats, QUERY_NAMES_LISTED, QUERY_TOP } from '../../src/model/endpoints.js';
import { OPTIONS, SEC, rec } from './records.js';

function build(records: LogRecord[]): TrafficModel {
  const b = new ModelBuilder(OPTIONS);
  for (const r of records) b.add(r);
  return b.finish();
}

function statsOf(queries: string[]): EndpointStats {
  const s = new EndpointStats('GET');
  for (const query of queries) s.add(rec({ path: '/search', query }));
  return s;
}

describe('query parameter statistics', () => {
  /**
   * 1,000 requests to /search: `q` on 700 of them (shoes 300, hats 200, socks 100 and 100 values
   * seen once), `page` on 500 (1…5), `sort` twice in 100 requests, `debug` without a value on 10.
   */
  function searchQueries(): string[] {
    const out: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const parts: string[] = [];
      if (i < 300) parts.push('q=shoes');
      else if (i < 500) parts.push('q=hats');
      else if (i < 600) parts.push('q=socks');
      else if (i < 700) parts.push(`q=rare-${i}`);
      if (i % 2 === 0) parts.push(`page=${1 + (i % 5)}`);
      if (i % 10 === 3) parts.push('sort=price', 'sort=name');
      if (i % 100 === 7) parts.push('debug');
      out.push(parts.join('&'));
    }
    return out;
  }

  it('records share, distinct values, the top values with counts, and the share outside the top', () => {
    const { query, queryOther } = statsOf(searchQueries()).queryStats();
    expect(Object.keys(query ?? {})).toEqual(['debug', 'page', 'q', 'sort']);
    const q = query?.q;
    expect(q?.share).toBe(0.7);
    expect(q?.top.slice(0, 3)).toEqual([
      ['shoes', 300],
      ['hats', 200],
      ['socks', 100],
    ]);
    expect(q?.top).toHaveLength(QUERY_TOP);
    // 607 of the 700 occurrences are in the top 10 (300 + 200 + 100 + 7 rare ones).
    expect(q?.otherShare).toBe(0.1329);
    expect(Math.abs((q?.distinct ?? 0) - 103)).toBeLessThanOrEqual(5);
    expect(query?.page).toEqual({ share: 0.5, distinct: 5, top: [['1', 100], ['3', 100], ['5', 100], ['2', 100], ['4', 100]], otherShare: 0 });
    // A name repeated in one request counts once in `share`, each value in `top`.
    expect(query?.sort).toEqual({ share: 0.1, distinct: 2, top: [['price', 100], ['name', 100]], otherShare: 0 });
    expect(query?.debug).toEqual({ share: 0.01, distinct: 0, top: [], otherShare: 0 });
    expect(queryOther).toBeUndefined();
  });

  // The counter's own error is measured on many sets in cardinality.test.ts (RMS ≈ 2%; about
  // 1 set in 100 lands beyond 5%); this checks that every value of a parameter reaches it.
  it('estimates distinct values within 5% at 10,000 and 100,000', () => {
    for (const n of [10_000, 100_000]) {
      const queries = Array.from({ length: 2 * n }, (_, i) => `id=u${i % n}&lang=${i % 3 === 0 ? 'de' : 'en'}`);
      const { query } = statsOf(queries).queryStats();
      expect(Math.abs((query?.id?.distinct ?? 0) - n) / n, `n = ${n}`).toBeLessThan(0.05);
      expect(query?.id?.share).toBe(1);
      expect(query?.id?.top).toHaveLength(QUERY_TOP);
      expect(query?.id?.otherShare).toBeGreaterThan(0.99);
      expect(query?.lang?.distinct).toBe(2);
      expect(query?.lang?.top.map(([v]) => v)).toEqual(['en', 'de']);
    }
  });

  it('lists the 20 names carried by most requests; the rest go to queryOther', () => {
    const queries: string[] = [];
    for (let i = 0; i < 100; i++) {
      // p0 on every request, p1 on 99, … p24 on 76: p20…p24 are the five least frequent.
      queries.push(Array.from({ length: 25 }, (_, k) => k).filter((k) => i >= k).map((k) => `p${k}=v`).join('&'));
    }
    const { query, queryOther } = statsOf(queries).queryStats();
    expect(Object.keys(query ?? {})).toHaveLength(QUERY_NAMES_LISTED);
    expect(Object.keys(query ?? {}).sort()).toEqual(Array.from({ length: 20 }, (_, k) => `p${k}`).sort());
    expect(queryOther).toEqual({ names: 5, share: 1 });
  });

  it('counts names past the tracking limit (32) in queryOther', () => {
    const names = Array.from({ length: 40 }, (_, k) => `n${k}=1`).join('&');
    const { query, queryOther } = statsOf([names, names]).queryStats();
    expect(Object.keys(query ?? {})).toHaveLength(20);
    // 12 tracked but not listed, 8 never tracked.
    expect(queryOther?.names).toBe(20);
    expect(queryOther?.share).toBe(1);
  });

  it('keeps the ?name replay pools beside the statistics', () => {
    const s = statsOf(searchQueries());
    const pools = s.queryParams();
    expect(pools['?q']?.slice(0, 3)).toEqual(['shoes', 'hats', 'socks']);
    expect(pools['?page']).toEqual(['1', '3', '5', '2', '4']);
    expect(pools['?debug']).toEqual([]);
  });

  it('merges statistics when provisional keys merge (paths folded into a template)', () => {
    const records = Array.from({ length: 120 }, (_, i) => rec({ at: i * SEC, path: `/api/items/sku-${i % 60}`, query: i % 4 === 0 ? 'color=red&size=m' : 'color=blue' }));
    const model = build(records);
    const items = model.endpoints.find((e) => e.key === 'GET /api/items/:param');
    expect(items?.count).toBe(120);
    expect(items?.query?.color).toEqual({ share: 1, distinct: 2, top: [['blue', 90], ['red', 30]], otherShare: 0 });
    expect(items?.query?.size).toEqual({ share: 0.25, distinct: 1, top: [['m', 30]], otherShare: 0 });
    expect(items?.params?.['?color']).toEqual(['blue', 'red']);
  });
});

describe('query parameter privacy', () => {
  const TOKEN = 'Zx81kLmN0pQrS7tUvW2yAb';
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU';
  const SECRETS = [TOKEN, JWT, 'hunter2', 'jane@example.com', 'jane%40example.com', 's3ss10n-v4lue', 'deadbeefsig', 'AKIA-KEY-VALUE', 'bob@example.org'];

  it('never stores sensitive values or e-mails, but still counts them', () => {
    const records: LogRecord[] = [];
    for (let i = 0; i < 50; i++) {
      const query = [
        `access_token=${TOKEN}`,
        'password=hunter2',
        'session=s3ss10n-v4lue',
        'sig=deadbeefsig',
        'apiKey=AKIA-KEY-VALUE',
        'q=jane%40example.com',
        `next=${JWT}`,
        'bob%40example.org=1',
        `page=${i % 3}`,
      ].join('&');
      records.push(rec({ at: i * SEC, path: '/account', query }));
    }
    const model = build(records);
    const text = JSON.stringify(model);
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
    const account = model.endpoints.find((e) => e.key === 'GET /account');
    const query = account?.query ?? {};
    // Sensitive names: counted, values never kept.
    for (const name of ['access_token', 'password', 'session', 'sig', 'apiKey']) {
      expect(query[name], name).toEqual({ share: 1, distinct: 1, top: [], otherShare: 1 });
      expect(account?.params?.[`?${name}`], name).toEqual([]);
    }
    // Values that are e-mails or tokens are not kept under any name.
    expect(query.q).toEqual({ share: 1, distinct: 1, top: [], otherShare: 1 });
    expect(query.next).toEqual({ share: 1, distinct: 1, top: [], otherShare: 1 });
    // A name that is an e-mail is not kept even as a name: only counted.
    expect(Object.keys(query)).not.toContain('bob%40example.org');
    expect(account?.queryOther).toEqual({ names: 1, share: 1 });
    expect(query.page?.top).toEqual([
      ['0', 17],
      ['1', 17],
      ['2', 16],
    ]);
  });
});
