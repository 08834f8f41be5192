/**
 * Validates a parsed model file (schemaVersion 1) and reports every problem at once, each with
 * its JSON path: `model.json: $.endpoints[3].count: expected a number, got string`.
 *
 * Kept in step with `schema/model.schema.json` (test/model/load.test.ts checks that every field
 * the schema requires is required here too). On top of what the schema can say, it checks that
 * the tables refer to each other: endpoint keys are unique and equal `METHOD template`, and entry
 * and transition tables name known endpoints (or `$exit`). Unknown extra fields are allowed, for
 * forward compatibility.
 */
import { InputError } from '../core/errors.js';
import type { TrafficModel } from '../core/types.js';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];
const EXIT = '$exit';

type Json = Record<string, unknown>;

class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  /** The object at `path`, or null (after recording a problem). */
  object(value: unknown, path: string): Json | null {
    if (value === undefined) {
      this.fail(path, 'missing (expected an object)');
      return null;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, `expected an object, got ${kind(value)}`);
      return null;
    }
    return value as Json;
  }

  array(value: unknown, path: string, length?: { min?: number; exact?: number }): unknown[] | null {
    if (value === undefined) {
      this.fail(path, 'missing (expected an array)');
      return null;
    }
    if (!Array.isArray(value)) {
      this.fail(path, `expected an array, got ${kind(value)}`);
      return null;
    }
    if (length?.exact !== undefined && value.length !== length.exact) this.fail(path, `expected ${length.exact} items, got ${value.length}`);
    if (length?.min !== undefined && value.length < length.min) this.fail(path, `expected at least ${length.min} items, got ${value.length}`);
    return value;
  }

  number(value: unknown, path: string, rules: { min?: number; max?: number; integer?: boolean } = {}): number | null {
    if (value === undefined) {
      this.fail(path, 'missing (expected a number)');
      return null;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(path, `expected a number, got ${kind(value)}`);
      return null;
    }
    if (rules.integer && !Number.isInteger(value)) this.fail(path, `expected an integer, got ${value}`);
    if (rules.min !== undefined && value < rules.min) this.fail(path, `must be ≥ ${rules.min}, got ${value}`);
    if (rules.max !== undefined && value > rules.max) this.fail(path, `must be ≤ ${rules.max}, got ${value}`);
    return value;
  }

  string(value: unknown, path: string, rules: { pattern?: RegExp; describe?: string } = {}): string | null {
    if (value === undefined) {
      this.fail(path, 'missing (expected a string)');
      return null;
    }
    if (typeof value !== 'string') {
      this.fail(path, `expected a string, got ${kind(value)}`);
      return null;
    }
    if (rules.pattern && !rules.pattern.test(value)) this.fail(path, `expected ${rules.describe ?? `a string matching ${rules.pattern}`}, got ${JSON.stringify(value)}`);
    return value;
  }

  numbers(value: unknown, path: string, length: { min?: number; exact?: number }, rules: { min?: number; max?: number; integer?: boolean } = {}): number[] | null {
    const items = this.array(value, path, length);
    if (items === null) return null;
    let ok = true;
    items.forEach((item, i) => {
      if (this.number(item, `${path}[${i}]`, rules) === null) ok = false;
    });
    return ok ? (items as number[]) : null;
  }

  strings(value: unknown, path: string): void {
    const items = this.array(value, path);
    if (items !== null) items.forEach((item, i) => this.string(item, `${path}[${i}]`));
  }
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A JSON path step for an object key: `.name` when it is an identifier, `["..."]` otherwise. */
function prop(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function checkDistribution(c: Checker, value: unknown, path: string): void {
  const d = c.object(value, path);
  if (d === null) return;
  c.number(d.count, `${path}.count`, { min: 0, integer: true });
  for (const field of ['mean', 'min', 'max', 'p50', 'p90', 'p95', 'p99']) c.number(d[field], `${path}.${field}`);
  const q = c.numbers(d.quantiles, `${path}.quantiles`, { min: 2 });
  if (q !== null) {
    for (let i = 1; i < q.length; i++) {
      if ((q[i] as number) < (q[i - 1] as number)) {
        c.fail(`${path}.quantiles[${i}]`, `quantiles must not decrease (${q[i]} after ${q[i - 1]})`);
        break;
      }
    }
  }
}

function checkEndpoint(c: Checker, value: unknown, path: string): string | null {
  const e = c.object(value, path);
  if (e === null) return null;
  const key = c.string(e.key, `${path}.key`);
  const method = c.string(e.method, `${path}.method`, { pattern: /^[A-Z]+$/, describe: 'an upper-case HTTP method' });
  const template = c.string(e.template, `${path}.template`, { pattern: /^\//, describe: 'a path template starting with /' });
  if (key !== null && method !== null && template !== null && key !== `${method} ${template}`) {
    c.fail(`${path}.key`, `expected "${method} ${template}" (method, space, template), got ${JSON.stringify(key)}`);
  }
  c.number(e.count, `${path}.count`, { min: 0, integer: true });
  c.number(e.share, `${path}.share`, { min: 0, max: 1 });
  const classes = c.object(e.statusClasses, `${path}.statusClasses`);
  if (classes !== null) {
    for (const [cls, n] of Object.entries(classes)) {
      if (!STATUS_CLASSES.includes(cls)) c.fail(prop(`${path}.statusClasses`, cls), `unknown status class (expected one of ${STATUS_CLASSES.join(', ')})`);
      else c.number(n, prop(`${path}.statusClasses`, cls), { min: 0, integer: true });
    }
  }
  if (e.latencyMs !== undefined) {
    const l = c.object(e.latencyMs, `${path}.latencyMs`);
    if (l !== null) for (const f of ['p50', 'p90', 'p99']) c.number(l[f], `${path}.latencyMs.${f}`, { min: 0 });
  }
  if (e.bytes !== undefined) {
    const b = c.object(e.bytes, `${path}.bytes`);
    if (b !== null) for (const f of ['mean', 'p50', 'p99']) c.number(b[f], `${path}.bytes.${f}`, { min: 0 });
  }
  if (e.params !== undefined) {
    const p = c.object(e.params, `${path}.params`);
    if (p !== null) for (const [name, pool] of Object.entries(p)) c.strings(pool, prop(`${path}.params`, name));
  }
  if (e.static !== undefined && typeof e.static !== 'boolean') c.fail(`${path}.static`, `expected true or false, got ${kind(e.static)}`);
  if (e.query !== undefined) {
    const q = c.object(e.query, `${path}.query`);
    if (q !== null) for (const [name, stats] of Object.entries(q)) checkQueryParam(c, stats, prop(`${path}.query`, name));
  }
  if (e.queryOther !== undefined) {
    const o = c.object(e.queryOther, `${path}.queryOther`);
    if (o !== null) {
      c.number(o.names, `${path}.queryOther.names`, { min: 0, integer: true });
      c.number(o.share, `${path}.queryOther.share`, { min: 0, max: 1 });
    }
  }
  return key;
}

function checkQueryParam(c: Checker, value: unknown, path: string): void {
  const q = c.object(value, path);
  if (q === null) return;
  c.number(q.share, `${path}.share`, { min: 0, max: 1 });
  c.number(q.distinct, `${path}.distinct`, { min: 0, integer: true });
  c.number(q.otherShare, `${path}.otherShare`, { min: 0, max: 1 });
  c.array(q.top, `${path}.top`)?.forEach((pair, i) => {
    const entry = c.array(pair, `${path}.top[${i}]`, { exact: 2 });
    if (entry === null || entry.length !== 2) return;
    c.string(entry[0], `${path}.top[${i}][0]`);
    c.number(entry[1], `${path}.top[${i}][1]`, { min: 0 });
  });
}

function checkProbabilities(c: Checker, value: unknown, path: string, known: Set<string> | null, allowExit: boolean): void {
  const table = c.object(value, path);
  if (table === null) return;
  for (const [key, p] of Object.entries(table)) {
    c.number(p, prop(path, key), { min: 0, max: 1 });
    if (known !== null && !known.has(key) && !(allowExit && key === EXIT)) c.fail(prop(path, key), 'not an endpoint of this model');
  }
}

/** The fields added after the first models (all optional, so that older models still load). */
function checkArrivalDetail(c: Checker, a: Json): void {
  for (const f of ['sessionsPerMinuteOfDay', 'requestsPerMinuteOfDay']) {
    if (a[f] !== undefined) c.numbers(a[f], `$.arrivals.${f}`, { exact: 1440 }, { min: 0 });
  }
  for (const f of ['sessionsPerWeekdayHour', 'requestsPerWeekdayHour']) {
    if (a[f] === undefined || a[f] === null) continue;
    const cells = c.array(a[f], `$.arrivals.${f}`, { exact: 168 });
    cells?.forEach((cell, i) => {
      if (cell !== null) c.number(cell, `$.arrivals.${f}[${i}]`, { min: 0 });
    });
  }
  if (a.concurrency === undefined) return;
  const k = c.object(a.concurrency, '$.arrivals.concurrency');
  if (k === null) return;
  for (const f of ['mean', 'peak']) c.number(k[f], `$.arrivals.concurrency.${f}`, { min: 0 });
  c.string(k.peakAt, '$.arrivals.concurrency.peakAt', { pattern: ISO_DATE, describe: 'an ISO 8601 time' });
  const law = c.object(k.littlesLaw, '$.arrivals.concurrency.littlesLaw');
  if (law === null) return;
  for (const f of ['arrivalRatePerSec', 'meanDurationSec', 'predicted', 'observed']) c.number(law[f], `$.arrivals.concurrency.littlesLaw.${f}`, { min: 0 });
  if (law.ratio === undefined) c.fail('$.arrivals.concurrency.littlesLaw.ratio', 'missing (expected a number or null)');
  else if (law.ratio !== null) c.number(law.ratio, '$.arrivals.concurrency.littlesLaw.ratio', { min: 0 });
}

/**
 * The statistics of sessions (all traffic, or one class): distributions, entry and transition
 * tables, per-transition think times. `required`: all but the last are required (top level);
 * in a class block every one is optional.
 */
function checkSessionStats(c: Checker, s: Json, path: string, known: Set<string> | null, required: boolean): void {
  for (const field of ['length', 'durationSec', 'thinkTimeMs']) {
    if (required || s[field] !== undefined) checkDistribution(c, s[field], `${path}.${field}`);
  }
  if (required || s.entry !== undefined) checkProbabilities(c, s.entry, `${path}.entry`, known, false);
  if (required || s.transitions !== undefined) {
    const transitions = c.object(s.transitions, `${path}.transitions`);
    if (transitions !== null) {
      for (const [from, row] of Object.entries(transitions)) {
        const rowPath = prop(`${path}.transitions`, from);
        if (known !== null && !known.has(from)) c.fail(rowPath, 'not an endpoint of this model');
        checkProbabilities(c, row, rowPath, known, true);
      }
    }
  }
  if (s.thinkTimeByTransition !== undefined) {
    const table = c.object(s.thinkTimeByTransition, `${path}.thinkTimeByTransition`);
    if (table === null) return;
    for (const [from, row] of Object.entries(table)) {
      const rowPath = prop(`${path}.thinkTimeByTransition`, from);
      if (known !== null && !known.has(from)) c.fail(rowPath, 'not an endpoint of this model');
      const r = c.object(row, rowPath);
      if (r === null) continue;
      for (const [to, d] of Object.entries(r)) {
        if (known !== null && !known.has(to)) c.fail(prop(rowPath, to), 'not an endpoint of this model');
        checkDistribution(c, d, prop(rowPath, to));
      }
    }
  }
}

/**
 * Checks that `json` (a parsed model file) is a valid model and returns it typed. `where` names
 * the file in messages. Throws an InputError listing every problem found.
 */
export function parseModel(json: unknown, where: string): TrafficModel {
  const c = new Checker();
  const m = c.object(json, '$');
  if (m !== null) {
    if (m.schemaVersion === undefined) c.fail('$.schemaVersion', 'missing (expected 1)');
    else if (m.schemaVersion !== 1) c.fail('$.schemaVersion', `unsupported version ${JSON.stringify(m.schemaVersion)} (this tidemark reads 1)`);

    const span = c.object(m.span, '$.span');
    if (span !== null) {
      c.string(span.start, '$.span.start', { pattern: ISO_DATE, describe: 'an ISO 8601 time' });
      c.string(span.end, '$.span.end', { pattern: ISO_DATE, describe: 'an ISO 8601 time' });
      c.number(span.days, '$.span.days', { min: 0 });
    }

    const totals = c.object(m.totals, '$.totals');
    if (totals !== null) for (const f of ['requests', 'rejected', 'lines']) c.number(totals[f], `$.totals.${f}`, { min: 0, integer: true });

    let known: Set<string> | null = null;
    const endpoints = c.array(m.endpoints, '$.endpoints');
    if (endpoints !== null) {
      known = new Set();
      endpoints.forEach((e, i) => {
        const key = checkEndpoint(c, e, `$.endpoints[${i}]`);
        if (key === null) return;
        if (known?.has(key)) c.fail(`$.endpoints[${i}].key`, `duplicate endpoint ${JSON.stringify(key)}`);
        known?.add(key);
      });
    }

    const s = c.object(m.sessions, '$.sessions');
    if (s !== null) {
      c.number(s.count, '$.sessions.count', { min: 0, integer: true });
      c.string(s.key, '$.sessions.key');
      c.number(s.timeoutSec, '$.sessions.timeoutSec', { min: 0 });
      checkSessionStats(c, s, '$.sessions', known, true);
      if (s.keyMissing !== undefined) c.number(s.keyMissing, '$.sessions.keyMissing', { min: 0, integer: true });
      if (s.classes !== undefined) {
        const classes = c.object(s.classes, '$.sessions.classes');
        if (classes !== null) {
          for (const name of ['human', 'bot']) {
            const path = `$.sessions.classes.${name}`;
            const k = c.object(classes[name], path);
            if (k === null) continue;
            c.number(k.count, `${path}.count`, { min: 0, integer: true });
            c.number(k.requests, `${path}.requests`, { min: 0, integer: true });
            checkSessionStats(c, k, path, known, false);
          }
        }
      }
    }

    const a = c.object(m.arrivals, '$.arrivals');
    if (a !== null) {
      c.numbers(a.hourly, '$.arrivals.hourly', { exact: 24 }, { min: 0, max: 1 });
      c.numbers(a.sessionsPerHour, '$.arrivals.sessionsPerHour', { exact: 24 }, { min: 0 });
      c.numbers(a.requestsPerHour, '$.arrivals.requestsPerHour', { exact: 24 }, { min: 0 });
      c.string(a.timeZone, '$.arrivals.timeZone');
      const peak = c.object(a.peak, '$.arrivals.peak');
      if (peak !== null) {
        c.string(peak.start, '$.arrivals.peak.start', { pattern: ISO_DATE, describe: 'an ISO 8601 time' });
        c.string(peak.end, '$.arrivals.peak.end', { pattern: ISO_DATE, describe: 'an ISO 8601 time' });
        c.number(peak.hourOfDay, '$.arrivals.peak.hourOfDay', { min: 0, max: 23, integer: true });
        for (const f of ['sessions', 'requests']) c.number(peak[f], `$.arrivals.peak.${f}`, { min: 0, integer: true });
        for (const f of ['sessionsPerSec', 'requestsPerSec']) c.number(peak[f], `$.arrivals.peak.${f}`, { min: 0 });
        c.numbers(peak.sessionsPerMinute, '$.arrivals.peak.sessionsPerMinute', { exact: 60 }, { min: 0, integer: true });
        if (peak.localStart !== undefined) c.string(peak.localStart, '$.arrivals.peak.localStart', { pattern: ISO_DATE, describe: 'an ISO 8601 time' });
      }
      checkArrivalDetail(c, a);
    }

    const p = c.object(m.provenance, '$.provenance');
    if (p !== null) {
      c.string(p.tidemarkVersion, '$.provenance.tidemarkVersion');
      const sources = c.array(p.sources, '$.provenance.sources');
      sources?.forEach((src, i) => {
        const path = `$.provenance.sources[${i}]`;
        const o = c.object(src, path);
        if (o === null) return;
        c.string(o.name, `${path}.name`);
        c.string(o.format, `${path}.format`);
        for (const f of ['lines', 'accepted', 'rejected']) c.number(o[f], `${path}.${f}`, { min: 0, integer: true });
      });
      const rejected = c.object(p.rejected, '$.provenance.rejected');
      if (rejected !== null) {
        for (const [reason, r] of Object.entries(rejected)) {
          const path = prop('$.provenance.rejected', reason);
          const o = c.object(r, path);
          if (o === null) continue;
          c.number(o.count, `${path}.count`, { min: 0, integer: true });
          c.strings(o.examples, `${path}.examples`);
        }
      }
      c.object(p.options, '$.provenance.options');
      if (p.parts !== undefined) {
        const parts = c.object(p.parts, '$.provenance.parts');
        if (parts) for (const part of Object.keys(parts)) c.strings(parts[part], prop('$.provenance.parts', part));
      }
      if (p.userRoutes !== undefined) {
        const u = c.object(p.userRoutes, '$.provenance.userRoutes');
        if (u !== null) {
          c.strings(u.sources, '$.provenance.userRoutes.sources');
          for (const f of ['routes', 'matched']) c.number(u[f], `$.provenance.userRoutes.${f}`, { min: 0, integer: true });
        }
      }
      if (p.excluded !== undefined) {
        const x = c.object(p.excluded, '$.provenance.excluded');
        if (x !== null && x.static !== undefined) c.number(x.static, '$.provenance.excluded.static', { min: 0, integer: true });
      }
    }
  }
  if (c.problems.length > 0) {
    const n = c.problems.length;
    throw new InputError(`not a valid tidemark model (${n} problem${n === 1 ? '' : 's'}):\n${c.problems.map((p) => `  ${where}: ${p}`).join('\n')}`, {
      location: where,
      problems: c.problems.map((p) => `${where}: ${p}`),
      hint: 'a model is written by `tidemark import`; regenerate it, or fix the fields listed',
    });
  }
  return json as TrafficModel;
}
