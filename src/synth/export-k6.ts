/**
 * `tidemark export k6`: the model as a k6 script (an ES module) that plays the same traffic.
 *
 * One k6 iteration is one session. A `ramping-arrival-rate` executor starts sessions at the
 * rates of the load shape (the model's hourly shape × scale, compressed by speed, or the
 * profile's stages); each iteration walks the model's transition matrix from an entry endpoint
 * to the exit, sleeping think times sampled from the model's quantiles (÷ speed). The entry
 * table, the matrix, the think-time quantiles and the pools of path values are embedded as
 * JSON. The profile's thresholds become k6 thresholds; requests are tagged `endpoint` (and
 * `stage`) so that scoped ones work. Pure: returns the script text and the data in it.
 */
import type { TrafficModel } from '../core/types.js';
import { EXIT, isReplayable } from './synthesizer.js';

/** A piece of the load shape: session starts per second ramping linearly from → to (the schedule's RateSegment). */
export interface ExportSegment {
  startMs: number;
  endMs: number;
  fromPerSec: number;
  toPerSec: number;
  stage: string;
}

/** Closed-model stages: virtual users ramping linearly from → to (the schedule's UserSegment). */
export interface ExportUserSegment {
  startMs: number;
  endMs: number;
  fromUsers: number;
  toUsers: number;
  stage: string;
}

/** A threshold of the profile (src/thresholds/parse.ts `Threshold`, structurally). */
export interface ExportThreshold {
  expression: string;
  stat: { kind: 'percentile'; p: number } | { kind: 'avg' | 'min' | 'max' | 'error_rate' | 'success_rate' | 'rps' | 'count' };
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  /** ms for latency, a fraction for rates, per second for rps. */
  value: number;
  endpoint?: string;
  stage?: string;
  windowMs?: number;
  abortOnFail: boolean;
  abortGraceMs: number;
}

/** What a profile says about one endpoint's requests (templated headers and bodies, captures). */
export interface ExportRequest {
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  capture?: Record<string, string>;
}

export interface ExportInput {
  model: TrafficModel;
  /** Session starts per second over the test (already × scale × speed). */
  segments: ExportSegment[];
  /** Instead of `segments`: a closed model (a profile's "users" stages), each user playing sessions back to back. */
  users?: ExportUserSegment[] | undefined;
  /** The test's clock runs this many times faster: think times are divided by it. */
  speed: number;
  /** The origin to load; the script also reads TARGET from the environment. */
  target: string | null;
  thresholds: ExportThreshold[];
  requests: Record<string, ExportRequest>;
  defaultHeaders: Record<string, string>;
  /** What the load shape is, for the header comment. */
  description: string;
  /** Where the model came from, for the header comment. */
  source: string;
  tidemarkVersion: string;
}

/** Path values kept per parameter (the script stays readable). */
const MAX_POOL = 50;
/** Jumps between stage rates take this long at most (k6 stages ramp linearly). */
const JUMP_MS = 1000;

export interface K6Stage {
  duration: string;
  target: number;
}

export type K6ThresholdEntry = string | { threshold: string; abortOnFail: boolean; delayAbortEval?: string };

export interface K6ArrivalScenario {
  executor: 'ramping-arrival-rate';
  timeUnit: string;
  startRate: number;
  preAllocatedVUs: number;
  maxVUs: number;
  stages: K6Stage[];
  gracefulStop: string;
}

export interface K6UsersScenario {
  executor: 'ramping-vus';
  startVUs: number;
  stages: K6Stage[];
  gracefulRampDown: string;
  gracefulStop: string;
}

export interface K6Options {
  scenarios: { traffic: K6ArrivalScenario | K6UsersScenario };
  thresholds: Record<string, K6ThresholdEntry[]>;
}

/** The data the script walks (embedded as `const MODEL = …`). */
export interface K6Flow {
  target: string | null;
  entry: [string, number][];
  transitions: Record<string, [string, number][]>;
  endpoints: Record<string, { method: string; template: string; params: Record<string, string[]> }>;
  thinkTimeMs: number[];
  speed: number;
  maxSessionLength: number;
  requests: Record<string, ExportRequest>;
  defaultHeaders: Record<string, string>;
  /** Stage names with their end, ms since the scenario start (for the `stage` tag). */
  stages: { name: string; endMs: number }[];
}

export interface K6Export {
  script: string;
  options: K6Options;
  flow: K6Flow;
  /** Thresholds k6 cannot express, with why (also written as comments in the script). */
  untranslated: string[];
  /** Session starts per second the stages encode, and the time unit chosen. */
  timeUnitSec: number;
}

/** The entry table, transitions and endpoints the synthesizer would use (replayable endpoints only). */
export function flowTables(model: TrafficModel): Pick<K6Flow, 'entry' | 'transitions' | 'endpoints'> {
  const endpoints: K6Flow['endpoints'] = {};
  for (const e of model.endpoints) {
    if (!isReplayable(e)) continue;
    const params: Record<string, string[]> = {};
    for (const [name, pool] of Object.entries(e.params ?? {})) params[name.replace(/^:/, '')] = pool.slice(0, MAX_POOL);
    endpoints[e.key] = { method: e.method, template: e.template, params };
  }
  const usable = (key: string): boolean => key === EXIT || key in endpoints;
  const table = (row: Record<string, number>): [string, number][] =>
    Object.entries(row)
      .filter(([key, p]) => p > 0 && usable(key))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  let entry = table(model.sessions.entry);
  if (entry.length === 0) entry = table(Object.fromEntries(model.endpoints.map((e) => [e.key, e.share])));
  const transitions: Record<string, [string, number][]> = {};
  for (const [from, row] of Object.entries(model.sessions.transitions)) if (from in endpoints) transitions[from] = table(row);
  return { entry, transitions, endpoints };
}

/** A k6/Go duration for whole milliseconds: "90s" or "1500ms". */
export function k6Duration(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

/**
 * k6 wants integer targets per timeUnit; a shop's 0.3 sessions/s would round to 0 per second.
 * The smallest of 1s, 1m, 1h at which every non-zero rate is at least 50 per unit (rounding
 * error ≤ 1%), else 1h.
 */
export function chooseTimeUnit(ratesPerSec: readonly number[]): number {
  const positive = ratesPerSec.filter((r) => r > 0);
  if (positive.length === 0) return 1;
  const least = Math.min(...positive);
  for (const unit of [1, 60, 3600]) if (least * unit >= 50) return unit;
  return 3600;
}

const unitName = (unitSec: number): string => (unitSec === 1 ? '1s' : unitSec === 60 ? '1m' : '1h');

/** k6 stages for the segments: linear ramps as given, a short ramp where the rate jumps. */
export function k6Stages(segments: readonly ExportSegment[], unitSec: number): { startRate: number; stages: K6Stage[] } {
  const target = (perSec: number): number => Math.round(perSec * unitSec);
  const stages: K6Stage[] = [];
  const first = segments[0];
  const startRate = first ? target(first.fromPerSec) : 0;
  let current = startRate;
  // Boundaries rounded cumulatively, so the stages add up to the whole length.
  let atMs = first ? Math.round(first.startMs) : 0;
  for (const segment of segments) {
    const endMs = Math.round(segment.endMs);
    let lengthMs = endMs - atMs;
    if (lengthMs <= 0) continue;
    const from = target(segment.fromPerSec);
    if (from !== current && lengthMs >= 2) {
      const jump = Math.min(JUMP_MS, Math.max(1, Math.floor(lengthMs / 10)));
      stages.push({ duration: k6Duration(jump), target: from });
      lengthMs -= jump;
    }
    current = target(segment.toPerSec);
    stages.push({ duration: k6Duration(lengthMs), target: current });
    atMs = endMs;
  }
  return { startRate, stages };
}

const FLIP: Record<ExportThreshold['op'], ExportThreshold['op']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };
const clean = (x: number): string => String(Number(x.toPrecision(12)));

/**
 * A profile threshold in k6 syntax: `http_req_duration: ['p(95)<500']`, `http_req_failed:
 * ['rate<0.01']`, scoped by tags `http_req_duration{endpoint:GET /api/x}`. Errors are transport
 * failures and 5xx in tidemark; the script makes k6 count the same (4xx are expected statuses).
 */
export function k6Threshold(t: ExportThreshold): { metric: string; entry: K6ThresholdEntry } | { untranslated: string } {
  if (t.windowMs !== undefined) return { untranslated: `${t.expression}: k6 has no per-window thresholds` };
  let metric: string;
  let expression: string;
  switch (t.stat.kind) {
    case 'percentile':
      metric = 'http_req_duration';
      expression = `p(${clean(t.stat.p)})${t.op}${clean(t.value)}`;
      break;
    case 'avg':
    case 'min':
    case 'max':
      metric = 'http_req_duration';
      expression = `${t.stat.kind}${t.op}${clean(t.value)}`;
      break;
    case 'error_rate':
      metric = 'http_req_failed';
      expression = `rate${t.op}${clean(t.value)}`;
      break;
    case 'success_rate':
      metric = 'http_req_failed';
      expression = `rate${FLIP[t.op]}${clean(1 - t.value)}`;
      break;
    case 'rps':
      metric = 'http_reqs';
      expression = `rate${t.op}${clean(t.value)}`;
      break;
    case 'count':
      metric = 'http_reqs';
      expression = `count${t.op}${clean(t.value)}`;
      break;
  }
  const tags: string[] = [];
  if (t.endpoint !== undefined) {
    if (/[*?,{}]/.test(t.endpoint)) return { untranslated: `${t.expression}: k6 tags match exactly; list the endpoints of "${t.endpoint}" one by one` };
    tags.push(`endpoint:${t.endpoint}`);
  }
  if (t.stage !== undefined) {
    if (/[,{}]/.test(t.stage)) return { untranslated: `${t.expression}: the stage name cannot be a k6 tag` };
    tags.push(`stage:${t.stage}`);
  }
  if (tags.length > 0) metric += `{${tags.join(',')}}`;
  const entry: K6ThresholdEntry = t.abortOnFail ? { threshold: expression, abortOnFail: true, ...(t.abortGraceMs > 0 ? { delayAbortEval: k6Duration(t.abortGraceMs) } : {}) } : expression;
  return { metric, entry };
}

/** Sessions in flight at the highest rate (Little's law), with room for Poisson bursts. */
function vus(model: TrafficModel, segments: readonly ExportSegment[], speed: number): { preAllocatedVUs: number; maxVUs: number } {
  const maxRate = Math.max(0, ...segments.flatMap((s) => [s.fromPerSec, s.toPerSec]));
  // A session lasts its duration (÷ speed) plus its requests' own time (50 ms each, a guess).
  const sessionSec = model.sessions.durationSec.mean / speed + model.sessions.length.mean * 0.05;
  const inFlight = maxRate * Math.max(sessionSec, 0.05);
  const preAllocatedVUs = Math.max(1, Math.ceil(inFlight + 3 * Math.sqrt(inFlight)) + 1);
  return { preAllocatedVUs, maxVUs: Math.max(preAllocatedVUs * 4, preAllocatedVUs + 20) };
}

/** ramping-vus stages for closed-model segments (whole users). */
export function k6UserStages(segments: readonly ExportUserSegment[]): { startVUs: number; stages: K6Stage[] } {
  const rate = segments.map((s) => ({ startMs: s.startMs, endMs: s.endMs, fromPerSec: s.fromUsers, toPerSec: s.toUsers, stage: s.stage }));
  const { startRate, stages } = k6Stages(rate, 1);
  return { startVUs: startRate, stages };
}

function stageEnds(segments: readonly { endMs: number; stage: string }[]): { name: string; endMs: number }[] {
  const out: { name: string; endMs: number }[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && last.name === s.stage) last.endMs = Math.round(s.endMs);
    else out.push({ name: s.stage, endMs: Math.round(s.endMs) });
  }
  return out;
}

/** The runtime part of the script: plain ES2017, no optional chaining (older k6 versions). */
const RUNTIME = String.raw`
const BASE = String(__ENV.TARGET || MODEL.target || '').replace(/\/+$/, '');
if (!BASE) throw new Error('no target: run with  k6 run -e TARGET=http://host:port <script>');

// tidemark counts transport failures and 5xx as errors; 4xx are part of real traffic.
http.setResponseCallback(http.expectedStatuses({ min: 100, max: 499 }));

function table(entries) {
  let total = 0;
  for (const e of entries) total += e[1];
  return { entries: entries, total: total };
}
const ENTRY = table(MODEL.entry);
const TRANSITIONS = {};
for (const key of Object.keys(MODEL.transitions)) TRANSITIONS[key] = table(MODEL.transitions[key]);

function pick(t) {
  if (!t || t.entries.length === 0) return '$exit';
  let x = Math.random() * t.total;
  for (const e of t.entries) {
    x -= e[1];
    if (x < 0) return e[0];
  }
  return t.entries[t.entries.length - 1][0];
}

// Inverse-CDF sampling from evenly spaced quantiles, interpolating linearly.
function sampleQuantiles(q) {
  if (q.length === 0) return 0;
  const position = Math.random() * (q.length - 1);
  const lower = Math.floor(position);
  const lo = q[lower];
  const hi = q[Math.min(lower + 1, q.length - 1)];
  return lo + (hi - lo) * (position - lower);
}

function fillPath(endpoint, chosen) {
  return endpoint.template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, function (_m, name) {
    const pool = endpoint.params[name];
    const value = pool && pool.length > 0 ? pool[Math.floor(Math.random() * pool.length)] : String(1 + Math.floor(Math.random() * 1000));
    chosen[name] = value;
    return encodeURIComponent(value);
  });
}

function uuid() {
  const hex = function (n) {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
    return s;
  };
  return hex(8) + '-' + hex(4) + '-4' + hex(3) + '-' + (8 + Math.floor(Math.random() * 4)).toString(16) + hex(3) + '-' + hex(12);
}

// The profile's template expressions: int(a,b), uuid, pick(a,b), env.NAME, var.NAME, param.NAME.
function evaluate(expr, scope) {
  const e = expr.trim();
  if (e === 'uuid') return uuid();
  let m = /^int\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/.exec(e);
  if (m) return Number(m[1]) + Math.floor(Math.random() * (Number(m[2]) - Number(m[1]) + 1));
  m = /^pick\((.*)\)$/.exec(e);
  if (m) {
    const options = m[1].split(',').map(function (s) { return s.trim(); }).filter(Boolean);
    return options[Math.floor(Math.random() * options.length)];
  }
  m = /^(env|var|param)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(e);
  if (m) return (m[1] === 'env' ? __ENV : m[1] === 'var' ? scope.vars : scope.params)[m[2]];
  return undefined;
}

function expand(text, scope) {
  return text.replace(/\$\{([^}]*)\}/g, function (_all, expr) {
    const v = evaluate(expr, scope);
    return v === undefined ? '' : String(v);
  });
}

function expandJson(value, scope) {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]*)\}$/.exec(value);
    if (whole) {
      const v = evaluate(whole[1], scope);
      return typeof v === 'number' ? v : v === undefined ? '' : String(v);
    }
    return expand(value, scope);
  }
  if (Array.isArray(value)) return value.map(function (v) { return expandJson(v, scope); });
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value)) out[k] = expandJson(value[k], scope);
    return out;
  }
  return value;
}

// A header that needs a value the session has not captured yet (no token before login) is left out.
function setHeaders(headers, from, scope) {
  for (const name of Object.keys(from || {})) {
    const value = from[name];
    const needs = value.match(/\$\{\s*var\.([A-Za-z_][A-Za-z0-9_]*)\s*\}/g) || [];
    const missing = needs.some(function (n) { return scope.vars[n.replace(/^\$\{\s*var\.|\s*\}$/g, '')] === undefined; });
    if (!missing) headers[name.toLowerCase()] = expand(value, scope);
  }
}

function captured(res, from) {
  if (from.indexOf('header:') === 0) {
    const wanted = from.slice(7).toLowerCase();
    for (const name of Object.keys(res.headers)) if (name.toLowerCase() === wanted) return res.headers[name];
    return undefined;
  }
  let node;
  try {
    node = JSON.parse(res.body);
  } catch (_e) {
    return undefined;
  }
  const path = from.slice(5).replace(/^\$\.?/, '');
  for (const part of path.split(/[.[\]]/).filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[part];
  }
  return node === undefined || node === null || typeof node === 'object' ? undefined : String(node);
}

function currentStage() {
  if (MODEL.stages.length === 0) return undefined;
  const elapsed = Date.now() - exec.scenario.startTime;
  for (const s of MODEL.stages) if (elapsed < s.endMs) return s.name;
  return MODEL.stages[MODEL.stages.length - 1].name;
}

// One iteration is one session: an entry endpoint, then the transition matrix until the exit.
export default function () {
  const vars = {};
  // A user agent per session, so that an access log of this test can be sessionized again.
  const agent = 'k6 (tidemark export) session/' + exec.vu.idInTest + '-' + exec.vu.iterationInScenario;
  let key = pick(ENTRY);
  for (let n = 0; key !== '$exit' && n < MODEL.maxSessionLength; n++) {
    const endpoint = MODEL.endpoints[key];
    if (!endpoint) break;
    if (n > 0) sleep(sampleQuantiles(MODEL.thinkTimeMs) / 1000 / MODEL.speed);
    const params = {};
    const path = fillPath(endpoint, params);
    const scope = { vars: vars, params: params };
    const headers = { 'user-agent': agent };
    setHeaders(headers, MODEL.defaultHeaders, scope);
    const spec = MODEL.requests[key];
    let body = null;
    if (spec) {
      setHeaders(headers, spec.headers, scope);
      if (spec.json !== undefined) {
        body = JSON.stringify(expandJson(spec.json, scope));
        if (!headers['content-type']) headers['content-type'] = 'application/json';
      } else if (spec.body !== undefined) {
        body = expand(spec.body, scope);
      }
    }
    const tags = { endpoint: key, name: key };
    const stage = currentStage();
    if (stage !== undefined) tags.stage = stage;
    const res = http.request(endpoint.method, BASE + path, body, { headers: headers, tags: tags });
    if (spec && spec.capture) {
      for (const name of Object.keys(spec.capture)) {
        const value = captured(res, spec.capture[name]);
        if (value !== undefined) vars[name] = value;
      }
    }
    key = pick(TRANSITIONS[key]);
  }
}
`;

/** JSON (valid JavaScript) with small objects and arrays on one line, for a readable script. */
export function compactJson(value: unknown, indent = 0): string {
  const flat = JSON.stringify(value);
  if (flat === undefined) return 'null';
  if (flat.length + indent <= 100 || value === null || typeof value !== 'object') return flat;
  const pad = ' '.repeat(indent + 2);
  const end = ' '.repeat(indent);
  if (Array.isArray(value)) {
    // Arrays of numbers (quantiles) wrap like text rather than one number per line.
    if (value.every((v) => typeof v === 'number')) {
      const lines: string[] = [];
      let line = '';
      for (const v of value as number[]) {
        const item = `${JSON.stringify(v)},`;
        if (line.length > 0 && line.length + item.length > 100 - indent) {
          lines.push(line.trimEnd());
          line = '';
        }
        line += `${item} `;
      }
      lines.push(line.trimEnd().replace(/,$/, ''));
      return `[\n${lines.map((l) => pad + l).join('\n')}\n${end}]`;
    }
    return `[\n${value.map((v) => pad + compactJson(v, indent + 2)).join(',\n')}\n${end}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${compactJson(v, indent + 2)}`).join(',\n')}\n${end}}`;
}

/** Builds the k6 script for a model and a load shape. */
export function exportK6(input: ExportInput): K6Export {
  const { model } = input;
  const closed = input.users !== undefined && input.users.length > 0;
  const rates = input.segments.flatMap((s) => [s.fromPerSec, s.toPerSec]);
  const unitSec = closed ? 1 : chooseTimeUnit(rates);
  const thresholds: Record<string, K6ThresholdEntry[]> = {};
  const untranslated: string[] = [];
  for (const t of input.thresholds) {
    const k = k6Threshold(t);
    if ('untranslated' in k) untranslated.push(k.untranslated);
    else (thresholds[k.metric] ??= []).push(k.entry);
  }
  let traffic: K6ArrivalScenario | K6UsersScenario;
  if (closed) {
    const { startVUs, stages } = k6UserStages(input.users as ExportUserSegment[]);
    traffic = { executor: 'ramping-vus', startVUs, stages, gracefulRampDown: '30s', gracefulStop: '30s' };
  } else {
    const { startRate, stages } = k6Stages(input.segments, unitSec);
    traffic = { executor: 'ramping-arrival-rate', timeUnit: unitName(unitSec), startRate, ...vus(model, input.segments, input.speed), stages, gracefulStop: '30s' };
  }
  const options: K6Options = { scenarios: { traffic }, thresholds };
  const tables = flowTables(model);
  const flow: K6Flow = {
    target: input.target,
    ...tables,
    thinkTimeMs: [...model.sessions.thinkTimeMs.quantiles],
    speed: input.speed,
    maxSessionLength: Math.max(50, Math.ceil(model.sessions.length.max * 2)),
    requests: Object.fromEntries(Object.entries(input.requests).filter(([key]) => key in tables.endpoints)),
    defaultHeaders: input.defaultHeaders,
    stages: stageEnds(closed ? (input.users as ExportUserSegment[]) : input.segments),
  };
  const shape: readonly { endMs: number }[] = closed ? (input.users as ExportUserSegment[]) : input.segments;
  const totalMs = shape.length > 0 ? Math.round((shape[shape.length - 1] as { endMs: number }).endMs) : 0;
  const header = [
    `// Generated by tidemark ${input.tidemarkVersion} from ${input.source}.`,
    `// Load: ${input.description}; ${k6Duration(totalMs)} in all, one iteration per session,`,
    closed ? '// stage targets in virtual users, each playing sessions back to back (a closed model).' : `// stage targets in sessions per ${unitName(unitSec)} (k6 wants whole numbers).`,
    '// Sessions walk the embedded transition matrix; think times are sampled from the model\'s',
    `// quantiles${input.speed !== 1 ? ` and divided by the speed (${input.speed})` : ''}.`,
    '// k6 measures latency from the actual send; tidemark also from the intended send time.',
    '// Run: k6 run -e TARGET=http://host:port <this file>',
    ...untranslated.map((u) => `// Threshold not translated: ${u}`),
  ];
  const script = [
    ...header,
    "import http from 'k6/http';",
    "import { sleep } from 'k6';",
    "import exec from 'k6/execution';",
    '',
    `export const options = ${compactJson(options)};`,
    '',
    `const MODEL = ${compactJson(flow)};`,
    RUNTIME,
  ].join('\n');
  return { script, options, flow, untranslated, timeUnitSec: unitSec };
}
