import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelBuilder, type ModelOptions } from '../../src/model/builder.js';
import { parseModel } from '../../src/model/load.js';
import { parseRoutesFile } from '../../src/model/user-routes.js';
import { InputError } from '../../src/core/errors.js';
import type { TrafficModel } from '../../src/core/types.js';
import { OPTIONS, SEC, rec } from './records.js';

/** A model with every optional part: user routes, static endpoints (or excluded ones), query statistics past the listing cap. */
function validModel(options: Partial<ModelOptions> = {}): TrafficModel {
  const b = new ModelBuilder({ ...OPTIONS, userRoutes: parseRoutesFile('GET /api/products/:id\n', 'routes.txt'), ...options });
  for (let i = 0; i < 20; i++) {
    b.add(rec({ at: i * SEC, path: `/api/products/${i % 4}`, query: 'sort=price', bytes: 100 + i, durationMs: 10 + i, client: `10.0.0.${i % 3}` }));
    b.add(rec({ at: i * SEC + 500, method: 'POST', path: '/api/cart', client: `10.0.0.${i % 3}` }));
  }
  // 22 query names on one request: 20 listed, 2 in queryOther.
  b.add(rec({ at: 21 * SEC, path: '/api/products/9', query: Array.from({ length: 22 }, (_, k) => `a${k}=1`).join('&'), client: '10.0.0.9' }));
  for (let i = 0; i < 3; i++) b.add(rec({ at: i * SEC, path: '/assets/app.css', client: '10.0.0.8' }));
  b.reject('bad timestamp', 'access.log:3');
  b.noteSource({ name: 'access.log', format: 'combined', lines: 41, accepted: 40, rejected: 1 });
  return JSON.parse(JSON.stringify(b.finish())) as TrafficModel;
}

/** Two days from Friday 00:00 UTC, a few sessions an hour. */
function multiDayModel(): TrafficModel {
  const b = new ModelBuilder(OPTIONS);
  for (let h = 0; h < 48; h++) {
    for (let i = 0; i < 3; i++) {
      b.add(rec({ at: h * 3600 * SEC + i * 60 * SEC, path: `/api/products/${i}`, client: `10.1.${h}.${i}` }));
      b.add(rec({ at: h * 3600 * SEC + i * 60 * SEC + 30 * SEC, method: 'POST', path: '/api/cart', client: `10.1.${h}.${i}` }));
    }
  }
  b.add(rec({ at: 48 * 3600 * SEC - SEC, path: '/', client: '10.2.0.1' }));
  return JSON.parse(JSON.stringify(b.finish())) as TrafficModel;
}

/**
 * A model with every optional part: a bot class beside people (so both classes carry their own
 * statistics) and transitions frequent enough to have their own think times.
 */
function fullModel(): TrafficModel {
  const b = new ModelBuilder(OPTIONS);
  for (let i = 0; i < 60; i++) {
    b.add(rec({ at: i * SEC, path: `/api/products/${i % 4}`, query: 'sort=price', bytes: 100 + i, durationMs: 10 + i, client: `10.0.0.${i % 3}` }));
    b.add(rec({ at: i * SEC + 300, path: i % 2 === 0 ? '/robots.txt' : `/api/products/${i % 5}`, client: '66.249.66.1', userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }));
    b.add(rec({ at: i * SEC + 500, method: 'POST', path: '/api/cart', client: `10.0.0.${i % 3}` }));
  }
  b.noteSource({ name: 'access.log', format: 'combined', lines: 180, accepted: 180, rejected: 0 });
  const model = JSON.parse(JSON.stringify(b.finish())) as TrafficModel;
  expect(model.sessions.classes?.bot.thinkTimeMs).toBeDefined();
  expect(Object.keys(model.sessions.thinkTimeByTransition ?? {})).not.toHaveLength(0);
  return model;
}

function problemsOf(json: unknown): string[] {
  try {
    parseModel(json, 'model.json');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems;
  }
  return [];
}

type Key = string | number;
type Schema = Record<string, unknown>;

function jsonPath(keys: Key[]): string {
  return keys.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `${p}.${k}` : `${p}[${JSON.stringify(k)}]`), '$');
}

/** Every (path, schema, required) the schema describes in `value`, following $ref, every item and additionalProperties. */
function schemaFields(root: Schema, schema: Schema, value: unknown, keys: Key[], out: { keys: Key[]; schema: Schema; required: boolean }[]): void {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/$defs/', '');
    schema = { ...((root.$defs as Record<string, Schema>)[name] as Schema), ...schema, $ref: undefined };
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => schemaFields(root, schema.items as Schema, item, [...keys, i], out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = (schema.required ?? []) as string[];
  for (const [name, sub] of Object.entries(props)) {
    if (!(name in (value as object))) continue;
    out.push({ keys: [...keys, name], schema: sub, required: required.includes(name) });
    schemaFields(root, sub, (value as Record<string, unknown>)[name], [...keys, name], out);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    const first = Object.keys(value as object).find((k) => !(k in props));
    if (first !== undefined) {
      out.push({ keys: [...keys, first], schema: schema.additionalProperties as Schema, required: false });
      schemaFields(root, schema.additionalProperties as Schema, (value as Record<string, unknown>)[first], [...keys, first], out);
    }
  }
}

function mutate(model: unknown, keys: Key[], change: (parent: Record<Key, unknown>, key: Key) => void): unknown {
  const copy = structuredClone(model) as Record<Key, unknown>;
  let parent = copy;
  for (const k of keys.slice(0, -1)) parent = parent[k] as Record<Key, unknown>;
  change(parent, keys[keys.length - 1] as Key);
  return copy;
}

describe('parseModel', () => {
  it('accepts a model the builder wrote', () => {
    const model = validModel();
    expect(parseModel(model, 'model.json')).toBe(model);
  });

  it('reports every problem with its JSON path, not only the first', () => {
    const model = validModel() as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    model.schemaVersion = 2;
    model.endpoints[1].count = 'many';
    model.endpoints[0].statusClasses['9xx'] = 1;
    model.sessions.entry['GET /nowhere'] = 0.1;
    model.sessions.thinkTimeMs.quantiles = [3, 2, 1];
    model.arrivals.hourly = model.arrivals.hourly.slice(1);
    model.arrivals.peak.hourOfDay = 24;
    delete model.provenance;
    let error: unknown;
    try {
      parseModel(model, 'model.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.code).toBe('E_INPUT');
    expect(e.problems).toEqual([
      'model.json: $.schemaVersion: unsupported version 2 (this tidemark reads 1)',
      'model.json: $.endpoints[0].statusClasses["9xx"]: unknown status class (expected one of 1xx, 2xx, 3xx, 4xx, 5xx, other)',
      'model.json: $.endpoints[1].count: expected a number, got string',
      'model.json: $.sessions.thinkTimeMs.quantiles[1]: quantiles must not decrease (2 after 3)',
      'model.json: $.sessions.entry["GET /nowhere"]: not an endpoint of this model',
      'model.json: $.arrivals.hourly: expected 24 items, got 23',
      'model.json: $.arrivals.peak.hourOfDay: must be ≤ 23, got 24',
      'model.json: $.provenance: missing (expected an object)',
    ]);
    expect(e.message).toContain('8 problems');
    for (const p of e.problems) expect(e.message).toContain(p);
  });

  it('loads a model written before traffic classes and per-transition think times', () => {
    const older = fullModel() as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete older.sessions.classes;
    delete older.sessions.thinkTimeByTransition;
    delete older.sessions.keyMissing;
    expect(parseModel(older, 'model.json')).toBe(older);
  });

  it('checks the class blocks and per-transition think times like the top-level tables', () => {
    const model = fullModel() as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    model.sessions.classes.bot.entry['GET /nowhere'] = 1;
    delete model.sessions.classes.human.requests;
    model.sessions.thinkTimeByTransition['GET /api/products/:id']['POST /api/cart'].quantiles = [2, 1];
    model.sessions.keyMissing = -1;
    expect(problemsOf(model)).toEqual([
      'model.json: $.sessions.thinkTimeByTransition["GET /api/products/:id"]["POST /api/cart"].quantiles[1]: quantiles must not decrease (1 after 2)',
      'model.json: $.sessions.keyMissing: must be ≥ 0, got -1',
      'model.json: $.sessions.classes.human.requests: missing (expected a number)',
      'model.json: $.sessions.classes.bot.entry["GET /nowhere"]: not an endpoint of this model',
    ]);
  });

  it('rejects what is not a model at all', () => {
    expect(problemsOf([])).toEqual(['model.json: $: expected an object, got array']);
    expect(problemsOf({})).toContain('model.json: $.schemaVersion: missing (expected 1)');
  });

  it('checks that endpoint keys are unique and match method + template', () => {
    const model = validModel() as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    model.endpoints[1].key = model.endpoints[0].key;
    expect(problemsOf(model)).toEqual([
      `model.json: $.endpoints[1].key: expected "POST /api/cart" (method, space, template), got "GET /api/products/:id"`,
      'model.json: $.endpoints[1].key: duplicate endpoint "GET /api/products/:id"',
      // …and the tables that still name the endpoint that is gone.
      'model.json: $.sessions.transitions["GET /api/products/:id"]["POST /api/cart"]: not an endpoint of this model',
      'model.json: $.sessions.transitions["POST /api/cart"]: not an endpoint of this model',
    ]);
  });

  it('loads models written before query statistics, static assets and user routes (all optional)', () => {
    const model = validModel() as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const e of model.endpoints) {
      delete e.query;
      delete e.queryOther;
      delete e.static;
    }
    delete model.provenance.userRoutes;
    expect(problemsOf(model)).toEqual([]);
  });

  it('checks query statistics, static flags and provenance of user routes and exclusions', () => {
    const model = validModel() as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    model.endpoints[0].query.sort.share = 1.5;
    model.endpoints[0].query.sort.top[0] = ['price'];
    model.endpoints[0].query.sort.distinct = 2.5;
    model.endpoints[2].static = 'yes';
    model.provenance.userRoutes.matched = -1;
    model.provenance.excluded = { static: 'many' };
    expect(problemsOf(model)).toEqual([
      'model.json: $.endpoints[0].query.sort.share: must be ≤ 1, got 1.5',
      'model.json: $.endpoints[0].query.sort.distinct: expected an integer, got 2.5',
      'model.json: $.endpoints[0].query.sort.top[0]: expected 2 items, got 1',
      'model.json: $.endpoints[2].static: expected true or false, got string',
      'model.json: $.provenance.userRoutes.matched: must be ≥ 0, got -1',
      'model.json: $.provenance.excluded.static: expected a number, got string',
    ]);
  });

  it('loads a model written before the per-minute, weekday and concurrency arrivals (they are optional)', () => {
    const model = multiDayModel() as unknown as { arrivals: Record<string, unknown> };
    for (const f of ['sessionsPerMinuteOfDay', 'requestsPerMinuteOfDay', 'sessionsPerWeekdayHour', 'requestsPerWeekdayHour', 'concurrency']) delete model.arrivals[f];
    delete (model.arrivals.peak as Record<string, unknown>).localStart;
    expect(problemsOf(model)).toEqual([]);
  });

  it('checks the new arrival fields: lengths, nulls only where allowed, Little’s law', () => {
    const model = multiDayModel() as unknown as { arrivals: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(model.arrivals.sessionsPerWeekdayHour).toHaveLength(168);
    expect(problemsOf(model)).toEqual([]);
    model.arrivals.sessionsPerMinuteOfDay = model.arrivals.sessionsPerMinuteOfDay.slice(1);
    model.arrivals.requestsPerMinuteOfDay[3] = null;
    model.arrivals.requestsPerWeekdayHour[5] = -1;
    model.arrivals.concurrency.littlesLaw.ratio = 'high';
    delete model.arrivals.concurrency.peakAt;
    expect(problemsOf(model)).toEqual([
      'model.json: $.arrivals.sessionsPerMinuteOfDay: expected 1440 items, got 1439',
      'model.json: $.arrivals.requestsPerMinuteOfDay[3]: expected a number, got null',
      'model.json: $.arrivals.requestsPerWeekdayHour[5]: must be ≥ 0, got -1',
      'model.json: $.arrivals.concurrency.peakAt: missing (expected a string)',
      'model.json: $.arrivals.concurrency.littlesLaw.ratio: expected a number, got string',
    ]);
  });

  for (const [name, make, kind] of [
    ['a short log, static assets kept', () => validModel(), 'kept'],
    ['a short log, static assets excluded', () => validModel({ excludeStatic: true }), 'excluded'],
    ['a log of two days (weekday × hour, concurrency)', multiDayModel, 'days'],
    ['bots beside people, think times per transition', fullModel, 'full'],
  ] as const) describe(`agrees with schema/model.schema.json (${name})`, () => {
    const schema = JSON.parse(readFileSync(new URL('../../schema/model.schema.json', import.meta.url), 'utf8')) as Schema;
    const model = make();
    const fields: { keys: Key[]; schema: Schema; required: boolean }[] = [];
    schemaFields(schema, schema, model, [], fields);

    it('covers the whole model', () => {
      const paths = fields.map((f) => jsonPath(f.keys));
      const expected = ['$.arrivals.peak.sessionsPerMinute', '$.arrivals.peak.localStart', '$.arrivals.sessionsPerMinuteOfDay', '$.arrivals.concurrency.littlesLaw.ratio'];
      if (kind === 'days') expected.push('$.arrivals.sessionsPerWeekdayHour', '$.arrivals.requestsPerWeekdayHour', '$.arrivals.concurrency.peakAt');
      else if (kind === 'full') {
        expected.push(
          '$.sessions.thinkTimeByTransition["GET /api/products/:id"]["POST /api/cart"].quantiles',
          '$.sessions.classes.bot.thinkTimeMs.p50',
          '$.sessions.classes.human.transitions["GET /api/products/:id"]',
          '$.sessions.classes.human.thinkTimeByTransition["GET /api/products/:id"]["POST /api/cart"]',
        );
      } else {
        expected.push('$.endpoints[0].latencyMs.p99', '$.endpoints[0].params[":id"]', '$.sessions.transitions["GET /api/products/:id"]', '$.provenance.sources[0].rejected');
        expected.push('$.endpoints[0].query.a0.top', '$.endpoints[0].query.a0.distinct', '$.endpoints[0].queryOther.names', '$.provenance.userRoutes.matched');
        expected.push(kind === 'excluded' ? '$.provenance.excluded.static' : '$.endpoints[2].static');
      }
      for (const p of expected) expect(paths).toContain(p);
    });

    it('every field the schema requires is required by parseModel', () => {
      for (const f of fields.filter((x) => x.required)) {
        const broken = mutate(model, f.keys, (parent, key) => delete parent[key]);
        expect(problemsOf(broken).some((p) => p.startsWith(`model.json: ${jsonPath(f.keys)}: missing`)), jsonPath(f.keys)).toBe(true);
      }
    });

    it('every typed field is type-checked by parseModel', () => {
      for (const f of fields) {
        if (f.schema.type === undefined && f.schema.const === undefined && f.schema.$ref === undefined) continue;
        const broken = mutate(model, f.keys, (parent, key) => {
          parent[key] = f.schema.type === 'boolean' ? 'true' : true;
        });
        expect(problemsOf(broken).some((p) => p.startsWith(`model.json: ${jsonPath(f.keys)}`)), jsonPath(f.keys)).toBe(true);
      }
    });
  });
});
