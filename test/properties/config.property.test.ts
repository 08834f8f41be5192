import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../src/commands/profile.js';
import { isTidemarkError } from '../../src/core/errors.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { parseModel } from '../../src/model/load.js';
import { OPTIONS, SEC, rec } from '../model/records.js';
import { checkProperty } from './check.js';

/*
 * Issue 10, "bad input": profile and model validation on any JSON value (and on mutations of
 * valid ones, which reach the deep checks) returns the typed value or throws a TidemarkError
 * listing its problems; never a TypeError, never a JavaScript error text shown to the user.
 */

const SEED = 20_261_010;
const RUNS = 500;
const PROFILE_FILE = '/tmp/tidemark-fuzz/profile.json';

/** Messages of JavaScript's own errors: a user must never see one of these for bad input. */
const JS_ERROR = /Cannot read propert|is not a function|is not iterable|Cannot convert|undefined \(reading|Maximum call stack/;

/** Calls `parse`; a throw must be a TidemarkError whose problems are listed and readable. */
function expectTypedOutcome(parse: () => unknown, input: unknown): void {
  try {
    parse();
  } catch (err) {
    if (!isTidemarkError(err)) {
      throw new Error(`threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} on ${fc.stringify(input).slice(0, 400)}`, { cause: err });
    }
    const texts = [err.message, ...err.problems];
    const leaked = texts.find((t) => JS_ERROR.test(t));
    if (leaked) throw new Error(`a JavaScript error reached the user: ${leaked}`, { cause: err });
    if ((err.code === 'E_CONFIG' || err.code === 'E_INPUT') && err.problems.length === 0 && !err.message.includes('JSON')) {
      throw new Error(`${err.code} without problems: ${err.message}`, { cause: err });
    }
  }
}

function validModel(): unknown {
  const b = new ModelBuilder(OPTIONS);
  for (let i = 0; i < 20; i++) {
    b.add(rec({ at: i * SEC, path: `/api/products/${i % 4}`, query: 'sort=price', bytes: 100 + i, durationMs: 10 + i, client: `10.0.0.${i % 3}` }));
    b.add(rec({ at: i * SEC + 500, method: 'POST', path: '/api/cart', client: `10.0.0.${i % 3}` }));
  }
  b.reject('bad timestamp', 'access.log:3');
  b.noteSource({ name: 'access.log', format: 'combined', lines: 41, accepted: 40, rejected: 1 });
  return JSON.parse(JSON.stringify(b.finish()));
}

const VALID_PROFILE = {
  $schema: '../schema/profile.schema.json',
  name: 'fuzz',
  description: 'every field the profile knows',
  target: 'http://127.0.0.1:8080',
  model: 'model.json',
  seed: 1,
  load: { window: 'peak', scale: 3, speed: 1, duration: '30s', warmStart: true },
  stages: [
    { name: 'ramp', duration: '10s', target: '1x' },
    { name: 'hold', duration: '1m', target: '50/s' },
  ],
  defaults: { headers: { authorization: 'Bearer ${var.token}', 'x-api-key': '${env.API_KEY}' } },
  requests: {
    'POST /api/login': { json: { username: 'shopper${int(1,5000)}', password: '${uuid}' }, capture: { token: 'json:token' } },
    'POST /api/cart/items': { headers: { 'x-cart': '${var.cartId}' }, body: 'qty=${int(1,3)}', capture: { cartId: 'header:x-cart-id' } },
  },
  thresholds: ['p95 < 500ms', { threshold: 'error_rate < 1% in every 10s window', abortOnFail: true, delayAbortEval: '10s' }],
  http: { timeout: '5s', connections: 100, maxInFlight: 1000 },
};

const DELETE = Symbol('delete');
type Step = string | number;

/** Every path to a value inside `root` (objects and arrays), the root itself excluded. */
function paths(root: unknown, at: Step[] = [], out: Step[][] = []): Step[][] {
  if (root === null || typeof root !== 'object') return out;
  for (const [k, v] of Object.entries(root)) {
    const step: Step = Array.isArray(root) ? Number(k) : k;
    out.push([...at, step]);
    paths(v, [...at, step], out);
  }
  return out;
}

/** A copy of `value` with the value at `path` replaced (or deleted). */
function mutate(value: unknown, path: Step[], replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<Step, unknown>;
  let node = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<Step, unknown>;
  const last = path[path.length - 1] as Step;
  if (replacement === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

const replacement = fc.oneof(
  fc.constant(DELETE),
  fc.constantFrom(null, '', 0, -1, 1e308, true, [], {}, 'x', '1m', '${env.X}', '${nope}', 'GET /x', [''], [null]),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Mutations of a valid document: up to four values replaced or deleted anywhere in it. */
function mutations(valid: unknown): fc.Arbitrary<unknown> {
  return fc.array(fc.tuple(fc.nat(), replacement), { minLength: 1, maxLength: 4 }).map((steps) => {
    let doc = valid;
    for (const [pick, value] of steps) {
      const all = paths(doc);
      if (all.length === 0) break;
      doc = mutate(doc, all[pick % all.length] as Step[], value);
    }
    return doc;
  });
}

describe('parseProfile on any JSON', () => {
  it('accepts the full valid profile', () => {
    expect(parseProfile(structuredClone(VALID_PROFILE), PROFILE_FILE).stages).toHaveLength(2);
  });

  it('returns a profile or throws a TidemarkError listing problems, on any value', () => {
    checkProperty(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (json) => {
        expectTypedOutcome(() => parseProfile(json, PROFILE_FILE), json);
      }),
      SEED,
      RUNS,
    );
  });

  it('returns a profile or throws a TidemarkError listing problems, on mutations of a valid profile', () => {
    checkProperty(
      fc.property(mutations(VALID_PROFILE), (json) => {
        expectTypedOutcome(() => parseProfile(json, PROFILE_FILE), json);
      }),
      SEED + 1,
      RUNS,
    );
  });
});

describe('parseModel on any JSON', () => {
  const model = validModel();

  it('accepts a valid model', () => {
    expect(() => parseModel(structuredClone(model), 'model.json')).not.toThrow();
  });

  it('returns a model or throws a TidemarkError listing problems, on any value', () => {
    checkProperty(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (json) => expectTypedOutcome(() => parseModel(json, 'model.json'), json)),
      SEED + 2,
      RUNS,
    );
  });

  it('returns a model or throws a TidemarkError listing problems, on mutations of a valid model', () => {
    checkProperty(
      fc.property(mutations(model), (json) => expectTypedOutcome(() => parseModel(json, 'model.json'), json)),
      SEED + 3,
      RUNS,
    );
  });
});

/* Bugs the properties above found (issue 10), now fixed: each stays as a regression test. */
describe('fixed bugs in src/commands/profile.ts', () => {
  const withField = (patch: Record<string, unknown>): unknown => ({ ...structuredClone(VALID_PROFILE), ...patch });

  it('"http": null is a problem, not a TypeError', () => {
    expectTypedOutcome(() => parseProfile(withField({ http: null }), PROFILE_FILE), null);
  });

  it('"defaults": { "headers": null } is a problem, not a TypeError', () => {
    expectTypedOutcome(() => parseProfile(withField({ defaults: { headers: null } }), PROFILE_FILE), null);
  });

  it('a request\'s "capture": null is a problem, not a TypeError', () => {
    expectTypedOutcome(() => parseProfile(withField({ requests: { 'POST /api/login': { capture: null } } }), PROFILE_FILE), null);
  });

  it('"thresholds": [{}] is a problem that says what a threshold is, not a JavaScript error', () => {
    expectTypedOutcome(() => parseProfile(withField({ thresholds: [{}] }), PROFILE_FILE), null);
  });
});
