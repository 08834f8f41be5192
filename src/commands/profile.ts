import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDurationMs } from '../core/duration.js';
import { ConfigError, InputError } from '../core/errors.js';
import { parseThresholds, type Threshold, type ThresholdSpec } from '../thresholds/parse.js';
import { unknownExpressions } from '../synth/template.js';

/**
 * A profile (profiles/*.json, schema/profile.schema.json): what to play against what, how
 * hard, and how to judge it. Paths inside are relative to the profile file.
 */
export interface StageSpec {
  name: string;
  durationMs: number;
  /**
   * Open model: a multiple of the model's peak session rate ("3x") or sessions per second
   * ("50/s"). Closed model: a number of concurrent users, each looping sessions.
   */
  target: { kind: 'scale'; value: number } | { kind: 'rate'; perSec: number } | { kind: 'users'; users: number };
}

export interface RequestSpec {
  headers?: Record<string, string>;
  /** A JSON body (templated); sets content-type application/json. */
  json?: unknown;
  /** A raw body (templated). */
  body?: string;
  /** name → "json:path.to.field" or "header:name": captured from the response for later requests. */
  capture?: Record<string, string>;
  /** Captured values this request needs (e.g. ["cartId"]); without them it is skipped and counted. */
  requires?: string[];
}

export interface Profile {
  name: string;
  file: string;
  target?: string;
  /** Hosts (globs) that must never be loaded, e.g. production: "*.example.com". */
  forbiddenTargets: string[];
  /** Absolute path of a model.json or a log to import on the fly. */
  model?: string;
  seed?: number;
  load: { scale?: number; speed?: number; window?: string; durationMs?: number; warmStart?: boolean };
  stages: StageSpec[];
  /**
   * A scripted session (like a k6 default function): every session walks these steps in order
   * instead of the model's transition matrix. Paths may hold `${...}` templates.
   */
  flow: { request: string; method: string; path: string; thinkMs: number | null }[];
  /** Applied to every request (e.g. an Authorization header with a captured token). */
  defaults: { headers: Record<string, string> };
  requests: Record<string, RequestSpec>;
  thresholds: Threshold[];
  http: { timeoutMs?: number; connections?: number | null; maxInFlight?: number };
}

const TOP_KEYS = ['$schema', 'name', 'description', 'target', 'forbiddenTargets', 'model', 'seed', 'load', 'stages', 'flow', 'defaults', 'requests', 'thresholds', 'http'];

export async function loadProfile(file: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new InputError(`cannot read profile ${file}`, { hint: 'check the path', cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InputError(`${file} is not valid JSON: ${(cause as Error).message}`, { hint: 'fix the JSON syntax', cause });
  }
  return parseProfile(json, file);
}

export function parseProfile(json: unknown, file: string): Profile {
  const problems: string[] = [];
  const base = dirname(file);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`${file}: a profile is a JSON object`, [`$: expected an object`]);
  }
  const raw = json as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.includes(key)) problems.push(`$.${key}: unknown field (known: ${TOP_KEYS.filter((k) => k !== '$schema').join(', ')})`);
  }
  const str = (path: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') problems.push(`${path}: expected a string`);
    return typeof v === 'string' ? v : undefined;
  };
  const num = (path: string, v: unknown, min = 0): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      problems.push(`${path}: expected a number ≥ ${min}`);
      return undefined;
    }
    return v;
  };
  /** A JSON object (not null, not an array), or a problem. */
  const obj = (path: string, v: unknown): Record<string, unknown> | undefined => {
    if (v === undefined) return undefined;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${path}: expected an object`);
      return undefined;
    }
    return v as Record<string, unknown>;
  };
  const dur = (path: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    try {
      return parseDurationMs(v as string, path);
    } catch {
      problems.push(`${path}: "${String(v)}" is not a duration (e.g. 30s, 2m)`);
      return undefined;
    }
  };

  const profile: Profile = {
    name: str('$.name', raw.name) ?? file,
    file,
    load: {},
    stages: [],
    defaults: { headers: {} },
    forbiddenTargets: [],
    flow: [],
    requests: {},
    thresholds: [],
    http: {},
  };
  const target = str('$.target', raw.target);
  if (target !== undefined) profile.target = target;
  if (raw.forbiddenTargets !== undefined) {
    if (!Array.isArray(raw.forbiddenTargets) || raw.forbiddenTargets.some((p) => typeof p !== 'string' || p === '')) problems.push('$.forbiddenTargets: expected a list of host patterns, e.g. ["*.example.com", "api.example.com"]');
    else profile.forbiddenTargets = raw.forbiddenTargets as string[];
  }
  const model = str('$.model', raw.model);
  if (model !== undefined) profile.model = resolve(base, model);
  const seed = num('$.seed', raw.seed);
  if (seed !== undefined) profile.seed = seed;

  const load = obj('$.load', raw.load);
  if (load) {
    {
      for (const key of Object.keys(load)) if (!['scale', 'speed', 'window', 'duration', 'warmStart'].includes(key)) problems.push(`$.load.${key}: unknown field (known: scale, speed, window, duration, warmStart)`);
      const scale = num('$.load.scale', load.scale);
      const speed = num('$.load.speed', load.speed);
      const window = str('$.load.window', load.window);
      const durationMs = dur('$.load.duration', load.duration);
      if (scale !== undefined) profile.load.scale = scale;
      if (speed !== undefined) profile.load.speed = speed;
      if (window !== undefined) profile.load.window = window;
      if (durationMs !== undefined) profile.load.durationMs = durationMs;
      if (load.warmStart !== undefined) {
        if (typeof load.warmStart !== 'boolean') problems.push('$.load.warmStart: expected true or false');
        else profile.load.warmStart = load.warmStart;
      }
    }
  }

  if (raw.stages !== undefined) {
    if (!Array.isArray(raw.stages)) problems.push('$.stages: expected an array');
    else
      raw.stages.forEach((s: unknown, i: number) => {
        const path = `$.stages[${i}]`;
        if (typeof s !== 'object' || s === null) {
          problems.push(`${path}: expected an object`);
          return;
        }
        const stage = s as Record<string, unknown>;
        const durationMs = dur(`${path}.duration`, stage.duration);
        if (stage.duration === undefined) problems.push(`${path}.duration: required (e.g. "2m")`);
        for (const key of Object.keys(stage)) if (!['name', 'duration', 'target', 'users'].includes(key)) problems.push(`${path}.${key}: unknown field (known: name, duration, target, users)`);
        const targetText = stage.target;
        let parsed: StageSpec['target'] | undefined;
        if (stage.users !== undefined) {
          if (typeof stage.users !== 'number' || !Number.isInteger(stage.users) || stage.users < 0) problems.push(`${path}.users: expected a whole number of users ≥ 0`);
          else if (targetText !== undefined) problems.push(`${path}: give "target" (open model) or "users" (closed model), not both`);
          else parsed = { kind: 'users', users: stage.users };
        } else {
          const m = typeof targetText === 'string' ? /^(\d+(?:\.\d+)?)\s*(x|\/s)$/.exec(targetText.trim()) : null;
          if (m) parsed = m[2] === 'x' ? { kind: 'scale', value: Number(m[1]) } : { kind: 'rate', perSec: Number(m[1]) };
          else problems.push(`${path}.target: expected "Nx" (a multiple of the model's peak) or "N/s" (sessions per second), or "users": N, found ${JSON.stringify(targetText)}`);
        }
        const name = str(`${path}.name`, stage.name) ?? `stage${i + 1}`;
        if (durationMs !== undefined && parsed) profile.stages.push({ name, durationMs, target: parsed });
      });
  }

  if (raw.flow !== undefined) {
    if (!Array.isArray(raw.flow)) problems.push('$.flow: expected a list of steps such as { "request": "GET /api/products?category=sale", "think": "2s" }');
    else
      raw.flow.forEach((step: unknown, i: number) => {
        const path = `$.flow[${i}]`;
        const o = obj(path, step);
        if (!o) return;
        for (const key of Object.keys(o)) if (!['request', 'think'].includes(key)) problems.push(`${path}.${key}: unknown field (known: request, think)`);
        const m = typeof o.request === 'string' ? /^([A-Z]+) (\/\S*)$/.exec(o.request) : null;
        if (!m) {
          problems.push(`${path}.request: expected "METHOD /path", e.g. "POST /api/login"`);
          return;
        }
        const thinkMs = o.think === undefined ? null : dur(`${path}.think`, o.think);
        for (const bad of unknownExpressions(o.request as string)) problems.push(`${path}.request: unknown template expression ${bad}`);
        profile.flow.push({ request: o.request as string, method: m[1] as string, path: m[2] as string, thinkMs: thinkMs ?? null });
      });
  }

  const defaults = obj('$.defaults', raw.defaults);
  if (defaults) {
    {
      for (const key of Object.keys(defaults)) if (key !== 'headers') problems.push(`$.defaults.${key}: unknown field (known: headers)`);
      const headers = obj('$.defaults.headers', defaults.headers);
      if (headers !== undefined) {
        for (const [name, value] of Object.entries(headers)) {
          if (typeof value !== 'string') problems.push(`$.defaults.headers.${name}: expected a string`);
          else profile.defaults.headers[name] = value;
        }
        for (const bad of unknownExpressions(JSON.stringify(headers))) problems.push(`$.defaults.headers: unknown template expression ${bad}`);
      }
    }
  }

  const kinds = new Set(profile.stages.map((s) => (s.target.kind === 'users' ? 'closed' : 'open')));
  if (kinds.size > 1) problems.push('$.stages: mixes open ("target") and closed ("users") stages; use one kind per profile');

  if (raw.requests !== undefined) {
    if (typeof raw.requests !== 'object' || raw.requests === null) problems.push('$.requests: expected an object keyed by endpoint ("POST /api/login")');
    else
      for (const [key, value] of Object.entries(raw.requests as Record<string, unknown>)) {
        const path = `$.requests["${key}"]`;
        if (!/^[A-Z]+ \//.test(key)) problems.push(`${path}: the key must be "METHOD /route", e.g. "POST /api/login"`);
        if (typeof value !== 'object' || value === null) {
          problems.push(`${path}: expected an object`);
          continue;
        }
        const spec = value as Record<string, unknown>;
        if (spec.headers !== undefined) {
          const headers = obj(`${path}.headers`, spec.headers);
          for (const [name, v] of Object.entries(headers ?? {})) if (typeof v !== 'string') problems.push(`${path}.headers.${name}: expected a string`);
        }
        for (const k of Object.keys(spec)) if (!['headers', 'json', 'body', 'capture', 'requires'].includes(k)) problems.push(`${path}.${k}: unknown field (known: headers, json, body, capture, requires)`);
        if (spec.requires !== undefined && (!Array.isArray(spec.requires) || spec.requires.some((r) => typeof r !== 'string'))) problems.push(`${path}.requires: expected a list of captured value names, e.g. ["cartId"]`);
        const text = JSON.stringify(spec);
        for (const bad of unknownExpressions(text)) problems.push(`${path}: unknown template expression ${bad} (known: int(a,b), uuid, pick(...), env.NAME, var.NAME, param.NAME)`);
        if (spec.capture !== undefined) {
          for (const [name, from] of Object.entries(obj(`${path}.capture`, spec.capture) ?? {})) {
            if (typeof from !== 'string' || !/^(json:[\w.[\]$]+|header:[\w-]+)$/.test(from)) problems.push(`${path}.capture.${name}: expected "json:field.path" or "header:name"`);
          }
        }
        profile.requests[key] = spec as RequestSpec;
      }
  }

  if (raw.thresholds !== undefined) {
    if (!Array.isArray(raw.thresholds)) problems.push('$.thresholds: expected an array of expressions');
    else {
      const parsed = parseThresholds(raw.thresholds as ThresholdSpec[]);
      profile.thresholds = parsed.thresholds;
      problems.push(...parsed.problems.map((p) => `$.${p}`));
    }
  }

  const http = obj('$.http', raw.http);
  if (http) {
    for (const key of Object.keys(http)) if (!['timeout', 'connections', 'maxInFlight'].includes(key)) problems.push(`$.http.${key}: unknown field (known: timeout, connections, maxInFlight)`);
    const timeoutMs = dur('$.http.timeout', http.timeout);
    if (timeoutMs !== undefined) profile.http.timeoutMs = timeoutMs;
    if (http.connections === null) profile.http.connections = null;
    else {
      const c = num('$.http.connections', http.connections, 1);
      if (c !== undefined) profile.http.connections = c;
    }
    const m = num('$.http.maxInFlight', http.maxInFlight, 1);
    if (m !== undefined) profile.http.maxInFlight = m;
  }

  if (problems.length > 0) {
    throw new ConfigError(`${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the profile`, problems, { hint: 'see schema/profile.schema.json' });
  }
  return profile;
}
