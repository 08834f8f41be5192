/**
 * `tidemark export artillery`: the model as an Artillery test script (YAML).
 *
 * Artillery cannot walk a transition matrix without a JavaScript processor, so the flows are
 * drawn from the model: `flows` sessions are synthesized (seeded, as `run` does), identical
 * sessions (the same endpoints and the same think times: in practice the one-request ones) are
 * merged, and each distinct flow becomes a scenario whose `weight` is how many of the drawn
 * sessions took it. The weights therefore follow the model's flows, mix
 * and session lengths without favouring short sessions (as "the top-N paths" would). Think
 * steps carry the drawn think times (÷ speed). Phases follow the load shape with
 * `arrivalCount` (Artillery splits a fractional `arrivalRate` across workers badly); the
 * profile's thresholds become `ensure` checks. The YAML text is written here (no dependency).
 */
import type { ExportInput, ExportRequest, ExportSegment, ExportThreshold, ExportUserSegment } from './export-k6.js';
import { SessionSynthesizer, isReplayable } from './synthesizer.js';

export interface ArtilleryOptions {
  /** Sessions drawn to build the weighted scenarios (default 300). */
  flows?: number;
  seed?: number;
}

export interface ArtilleryPhase {
  name: string;
  duration: number;
  arrivalRate?: number;
  arrivalCount?: number;
  pause?: number;
}

/**
 * `think`: whole seconds as a number, anything else as a `"359ms"` string. Artillery reads a
 * number that is not an integer as a duration it cannot parse and does not wait at all (seen
 * running 2.0.21: `think: 0.359` paused 0 ms), so fractions are always written in milliseconds.
 */
export type ArtilleryStep = { think: number | string } | Record<string, ArtilleryRequest>;

/** An Artillery think value for a pause of `seconds` (see ArtilleryStep). */
export function artilleryThink(seconds: number): number | string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? ms / 1000 : `${ms}ms`;
}

export interface ArtilleryRequest {
  url: string;
  name: string;
  headers: Record<string, string>;
  json?: unknown;
  body?: string;
  /** `strict: false`: a failed capture (a 401 without a token) does not stop the virtual user. */
  capture?: ({ json: string; as: string; strict: false } | { header: string; as: string; strict: false })[];
}

export interface ArtilleryScenario {
  name: string;
  weight: number;
  flow: ArtilleryStep[];
}

export interface ArtilleryEnsure {
  p95?: number;
  p99?: number;
  median?: number;
  min?: number;
  max?: number;
  maxErrorRate?: number;
  thresholds?: Record<string, number>[];
  conditions?: { expression: string; strict: boolean }[];
}

export interface ArtilleryScript {
  config: {
    target: string;
    phases: ArtilleryPhase[];
    variables?: Record<string, string[]>;
    plugins: Record<string, unknown>;
    ensure?: ArtilleryEnsure;
  };
  scenarios: ArtilleryScenario[];
}

export interface ArtilleryExport {
  yaml: string;
  script: ArtilleryScript;
  untranslated: string[];
  /** Sessions drawn, and the distinct flows they made. */
  sessionsDrawn: number;
}

const MAX_POOL = 50;
/** A ramp is played as this many constant steps at most. */
const RAMP_STEPS = 10;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Phases for the segments: each constant piece with its expected number of arrivals (the
 * rounding remainder carried to the next piece, so the total is right); a ramp as up to ten
 * constant steps at their mean rates. Whole rates stay `arrivalRate`.
 */
export function artilleryPhases(segments: readonly ExportSegment[]): ArtilleryPhase[] {
  const phases: ArtilleryPhase[] = [];
  let carry = 0;
  const push = (name: string, seconds: number, perSec: number): void => {
    if (seconds <= 0) return;
    const duration = round3(seconds);
    if (Number.isInteger(perSec) && perSec > 0 && Number.isInteger(duration)) {
      phases.push({ name, duration, arrivalRate: perSec });
      return;
    }
    const expected = perSec * seconds + carry;
    const count = Math.max(0, Math.round(expected));
    carry = expected - count;
    phases.push(count > 0 ? { name, duration, arrivalCount: count } : { name, duration, pause: duration });
  };
  for (const s of segments) {
    const seconds = (s.endMs - s.startMs) / 1000;
    if (s.fromPerSec === s.toPerSec) {
      push(s.stage, seconds, s.fromPerSec);
      continue;
    }
    const steps = Math.max(1, Math.min(RAMP_STEPS, Math.floor(seconds)));
    for (let i = 0; i < steps; i++) {
      const mid = (i + 0.5) / steps;
      push(`${s.stage} (ramp ${i + 1}/${steps})`, seconds / steps, s.fromPerSec + (s.toPerSec - s.fromPerSec) * mid);
    }
  }
  return phases;
}

/**
 * `ensure` checks: unscoped latency percentiles (`p95: 500`, or `thresholds` entries for other
 * percentiles), error and success rates as `maxErrorRate` (percent of failed virtual users:
 * Artillery's notion, not per request), rates and counts as conditions. Scoped (endpoint,
 * stage, window) thresholds have no Artillery equivalent and are listed as untranslated.
 */
export function artilleryEnsure(thresholds: readonly ExportThreshold[]): { ensure: ArtilleryEnsure; untranslated: string[] } {
  const ensure: ArtilleryEnsure = {};
  const untranslated: string[] = [];
  const condition = (expression: string): void => {
    (ensure.conditions ??= []).push({ expression, strict: true });
  };
  for (const t of thresholds) {
    if (t.endpoint !== undefined || t.stage !== undefined || t.windowMs !== undefined) {
      untranslated.push(`${t.expression}: Artillery's ensure has no endpoint, stage or window scope`);
      continue;
    }
    const value = Number(t.value.toPrecision(12));
    const stat = t.stat;
    if (stat.kind === 'percentile' || stat.kind === 'avg' || stat.kind === 'min' || stat.kind === 'max') {
      if (stat.kind === 'percentile' && ![50, 75, 90, 95, 99, 99.9].includes(stat.p)) {
        untranslated.push(`${t.expression}: Artillery reports p50, p75, p90, p95, p99 and p999 only`);
        continue;
      }
      const aggregate = stat.kind === 'percentile' ? (stat.p === 50 ? 'median' : `p${String(stat.p).replace('.', '')}`) : stat.kind === 'avg' ? 'mean' : stat.kind;
      const metric = `http.response_time.${aggregate}`;
      const legacy = ['p95', 'p99', 'median', 'min', 'max'].includes(aggregate);
      if (t.op === '<' && legacy && Number.isInteger(value)) (ensure as Record<string, number>)[aggregate] = value;
      else if (t.op === '<') (ensure.thresholds ??= []).push({ [metric]: value });
      else condition(`${metric} ${t.op} ${value}`);
    } else if (stat.kind === 'error_rate' || stat.kind === 'success_rate') {
      const maxErrorPercent = stat.kind === 'error_rate' ? value * 100 : (1 - value) * 100;
      const bounded = stat.kind === 'error_rate' ? t.op === '<' || t.op === '<=' : t.op === '>' || t.op === '>=';
      if (!bounded) untranslated.push(`${t.expression}: only an upper bound on errors maps to maxErrorRate`);
      else ensure.maxErrorRate = Number(maxErrorPercent.toPrecision(12));
    } else if (stat.kind === 'rps') condition(`http.request_rate ${t.op} ${value}`);
    else condition(`http.requests ${t.op} ${value}`);
  }
  return { ensure, untranslated };
}

/**
 * Artillery has no closed model: a number of users becomes the arrival rate that keeps that
 * many sessions in flight (Little's law: rate = users ÷ mean session time, the session's
 * duration ÷ speed plus 50 ms per request for the requests themselves).
 */
export function usersToArrivals(users: readonly ExportUserSegment[], meanSessionSec: number): ExportSegment[] {
  const w = Math.max(meanSessionSec, 0.05);
  return users.map((u) => ({ startMs: u.startMs, endMs: u.endMs, fromPerSec: u.fromUsers / w, toPerSec: u.toUsers / w, stage: u.stage }));
}

/** Translates the profile's `${...}` expressions to Artillery's `{{ ... }}`. */
function artilleryTemplate(text: string, param: (name: string) => string, picks: (options: string[]) => string): string {
  return text.replace(/\$\{([^}]*)\}/g, (all, raw: string) => {
    const e = raw.trim();
    if (e === 'uuid') return '{{ $uuid }}';
    let m = /^int\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/.exec(e);
    if (m) return `{{ $randomNumber(${m[1]}, ${m[2]}) }}`;
    m = /^pick\((.*)\)$/.exec(e);
    if (m) return `{{ ${picks((m[1] as string).split(',').map((s) => s.trim()).filter(Boolean))} }}`;
    m = /^(env|var|param)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(e);
    if (m) return m[1] === 'env' ? `{{ $env.${m[2]} }}` : m[1] === 'var' ? `{{ ${m[2]} }}` : `{{ ${param(m[2] as string)} }}`;
    return all;
  });
}

function templateJson(value: unknown, t: (s: string) => string): unknown {
  if (typeof value === 'string') return t(value);
  if (Array.isArray(value)) return value.map((v) => templateJson(v, t));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, templateJson(v, t)]));
  return value;
}

const varsNeeded = (text: string): string[] => [...text.matchAll(/\$\{\s*var\.([A-Za-z_][A-Za-z0-9_]*)\s*\}/g)].map((m) => m[1] as string);

function captures(spec: ExportRequest | undefined): ArtilleryRequest['capture'] {
  if (!spec?.capture) return undefined;
  return Object.entries(spec.capture).map(([as, from]) =>
    from.startsWith('header:') ? { header: from.slice(7).toLowerCase(), as, strict: false as const } : { json: `$.${from.slice(5).replace(/^\$\.?/, '')}`, as, strict: false as const },
  );
}

/** Builds the Artillery script for a model and a load shape. */
export function exportArtillery(input: ExportInput, options: ArtilleryOptions = {}): ArtilleryExport {
  const { model } = input;
  const drawn = Math.max(1, Math.floor(options.flows ?? 300));
  const synth = new SessionSynthesizer(model, { seed: options.seed ?? 1 });
  const endpoints = new Map(model.endpoints.filter(isReplayable).map((e) => [e.key, e]));

  // Variables: pools of path values (per endpoint and parameter) and pick(...) lists; Artillery picks one per virtual user.
  const variables: Record<string, string[]> = {};
  const paramVariable = new Map<string, string>();
  let pickCount = 0;
  const picks = (list: string[]): string => {
    const name = `pick_${++pickCount}`;
    variables[name] = list;
    return name;
  };
  const paramRef = (key: string, name: string): string => {
    const id = `${key} ${name}`;
    const known = paramVariable.get(id);
    if (known) return known;
    const endpoint = endpoints.get(key);
    const pool = endpoint?.params?.[`:${name}`] ?? endpoint?.params?.[name];
    let ref: string;
    if (pool && pool.length > 0) {
      ref = `p${paramVariable.size + 1}_${name}`;
      variables[ref] = pool.slice(0, MAX_POOL);
    } else ref = '$randomNumber(1, 1000)';
    paramVariable.set(id, ref);
    return ref;
  };

  const flows = new Map<string, { steps: { key: string; thinkSec: number }[]; weight: number }>();
  for (let id = 0; id < drawn; id++) {
    const plan = synth.session(id);
    if (plan.requests.length === 0) continue;
    const steps = plan.requests.map((r, i) => ({ key: r.endpointKey, thinkSec: i === 0 ? 0 : round3(r.thinkTimeMs / 1000 / input.speed) }));
    // Merged only when the think times are the same too: a flow merged by its endpoints alone
    // would play one session's think times for all its weight (a common path with one long
    // think drawn then made the played p90 think 2-3× the model's).
    const signature = steps.map((step) => `${step.key}\t${step.thinkSec}`).join('\n');
    const known = flows.get(signature);
    if (known) known.weight++;
    else flows.set(signature, { steps, weight: 1 });
  }

  const scenarios: ArtilleryScenario[] = [];
  for (const { steps, weight } of [...flows.values()].sort((a, b) => b.weight - a.weight || a.steps.length - b.steps.length)) {
    const flow: ArtilleryStep[] = [];
    const captured = new Set<string>();
    steps.forEach((step, i) => {
      if (i > 0 && step.thinkSec > 0) flow.push({ think: artilleryThink(step.thinkSec) });
      const endpoint = endpoints.get(step.key);
      if (!endpoint) return;
      const spec = input.requests[step.key];
      const t = (text: string): string => artilleryTemplate(text, (name) => paramRef(step.key, name), picks);
      const url = endpoint.template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => `{{ ${paramRef(step.key, name)} }}`);
      // A per-VU user agent: an access log of this test can be sessionized again (ip + user agent).
      const headers: Record<string, string> = { 'user-agent': 'artillery (tidemark export) vu/{{ $uuid }}' };
      for (const from of [input.defaultHeaders, spec?.headers ?? {}]) {
        for (const [name, value] of Object.entries(from)) {
          // A header that needs a value not captured earlier in this flow is left out (as `run` does).
          if (varsNeeded(value).every((v) => captured.has(v))) headers[name.toLowerCase()] = t(value);
        }
      }
      const request: ArtilleryRequest = { url, name: step.key, headers };
      if (spec?.json !== undefined) request.json = templateJson(spec.json, t);
      else if (spec?.body !== undefined) request.body = t(spec.body);
      const capture = captures(spec);
      if (capture) {
        request.capture = capture;
        for (const c of capture) captured.add(c.as);
      }
      flow.push({ [endpoint.method.toLowerCase()]: request });
    });
    scenarios.push({ name: steps.map((s) => s.key).join(' → '), weight, flow });
  }

  const { ensure, untranslated } = artilleryEnsure(input.thresholds);
  const closed = input.users !== undefined && input.users.length > 0;
  const meanSessionSec = model.sessions.durationSec.mean / input.speed + model.sessions.length.mean * 0.05;
  const segments = closed ? usersToArrivals(input.users as ExportUserSegment[], meanSessionSec) : input.segments;
  const script: ArtilleryScript = {
    config: {
      target: input.target ?? 'http://127.0.0.1:8080',
      phases: artilleryPhases(segments),
      ...(Object.keys(variables).length > 0 ? { variables } : {}),
      plugins: { ensure: {}, 'metrics-by-endpoint': { useOnlyRequestNames: true } },
      ...(Object.keys(ensure).length > 0 ? { ensure } : {}),
    },
    scenarios,
  };
  const totalSec = segments.length > 0 ? ((segments[segments.length - 1] as ExportSegment).endMs - (segments[0] as ExportSegment).startMs) / 1000 : 0;
  const header = [
    `Generated by tidemark ${input.tidemarkVersion} from ${input.source}.`,
    `Load: ${input.description}; ${round3(totalSec)} s in all; one arrival is one session.`,
    ...(closed ? [`The profile's users became arrivals by Little's law (a session takes ${round3(meanSessionSec)} s on average): Artillery has no closed model.`] : []),
    `Scenarios: the ${scenarios.length} distinct flows of ${drawn} sessions drawn from the model, weighted by how many took each;`,
    `think steps are the drawn think times${input.speed !== 1 ? ` divided by the speed (${input.speed})` : ''}.`,
    'Path values and pick(...) lists are variables: Artillery picks one value per virtual user (session).',
    'maxErrorRate counts failed virtual users (Artillery), not failed requests (tidemark).',
    ...(input.target === null ? ['No target was given: set config.target, or run with --target.'] : []),
    ...untranslated.map((u) => `Threshold not translated: ${u}`),
  ];
  return { yaml: `${header.map((h) => `# ${h}`).join('\n')}\n${toYaml(script)}`, script, untranslated, sessionsDrawn: drawn };
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$.-]*$/;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '.nan';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // A JSON string is a valid YAML double-quoted scalar (same escapes).
  return JSON.stringify(String(value));
}

const isScalar = (value: unknown): boolean => value === null || typeof value !== 'object';
/** Objects and arrays are written as blocks; an array of scalars (a pool of values) on one line. */
const isBlock = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && (Array.isArray(value) ? value.length > 0 && !value.every(isScalar) : Object.keys(value).length > 0);
const inline = (value: unknown): string => (Array.isArray(value) ? `[${value.map(scalar).join(', ')}]` : value !== null && typeof value === 'object' ? '{}' : scalar(value));

/** Block-style YAML for plain data (objects, arrays, strings, numbers, booleans, null). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  const key = (k: string): string => (PLAIN_KEY.test(k) ? k : JSON.stringify(k));
  if (Array.isArray(value)) {
    if (!isBlock(value)) return `${pad}${inline(value)}\n`;
    return value
      .map((item) => {
        if (!isBlock(item)) return `${pad}- ${inline(item)}\n`;
        // The first line of a nested block goes after the dash.
        const inner = toYaml(item, indent + 2);
        return `${pad}- ${inner.slice(indent + 2)}`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return `${pad}{}\n`;
    return entries
      .map(([k, v]) => {
        if (!isBlock(v)) return `${pad}${key(k)}: ${inline(v)}\n`;
        return `${pad}${key(k)}:\n${toYaml(v, indent + 2)}`;
      })
      .join('');
  }
  return `${pad}${scalar(value)}\n`;
}
