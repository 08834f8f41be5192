import { createRng, hashSeed, type Rng } from '../core/rng.js';
import type { PlannedRequest } from '../core/types.js';
import { expandJson, expandString, type TemplateScope } from '../synth/template.js';
import type { HttpRequest, HttpResponse } from './http-client.js';
import type { RequestBuilder, ResponseHook, SessionState } from './runner.js';

/** What a profile says about one endpoint's requests (see src/commands/profile.ts). */
export interface RequestTemplate {
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  capture?: Record<string, string>;
  /** Captured values this request needs; without them it is skipped (and counted), not sent. */
  requires?: string[];
}

export interface RequestBuilding {
  build: RequestBuilder;
  onResponse: ResponseHook;
  wantBody: (request: PlannedRequest) => boolean;
}

const USER_AGENT = 'tidemark';

/**
 * Turns planned requests into HTTP requests with the profile's headers and bodies, and reads
 * captured values (`json:cartId`, `header:x-token`) out of responses into the session, where
 * later requests find them as `${var.NAME}`.
 */
export function requestBuilding(
  templates: Record<string, RequestTemplate>,
  defaultHeaders: Record<string, string>,
  env: TemplateScope['env'],
  seed: number,
): RequestBuilding {
  // Per endpoint, what a request needs, worked out once: most requests (no template, static
  // default headers, a concrete path) then cost one small header object and nothing else.
  const staticDefaults = Object.values(defaultHeaders).every((value) => !value.includes('${'));
  const defaultsLower = Object.entries(defaultHeaders).map(([name, value]) => [name.toLowerCase(), value] as const);
  const plainEndpoint = new Map<string, boolean>();
  const isPlain = (endpointKey: string): boolean => {
    let plain = plainEndpoint.get(endpointKey);
    if (plain === undefined) {
      const template = templates[endpointKey];
      plain = staticDefaults && (!template || (template.headers === undefined && template.json === undefined && template.body === undefined && (template.requires?.length ?? 0) === 0));
      plainEndpoint.set(endpointKey, plain);
    }
    return plain;
  };

  const build: RequestBuilder = (planned, session) => {
    // One user agent per session, so that a target's own log can be sessionized again (fidelity).
    const userAgent = `${USER_AGENT} session/${session.plan.id}`;
    if (isPlain(planned.endpointKey) && !planned.path.includes('${')) {
      const headers: Record<string, string> = { 'user-agent': userAgent };
      for (const [name, value] of defaultsLower) headers[name] = value;
      return { method: planned.method, path: planned.path, headers };
    }
    const template = templates[planned.endpointKey];
    const headers: Record<string, string> = { 'user-agent': userAgent };
    // Drawn only when an expression needs it; the seed is the same either way.
    let rng: Rng | undefined;
    const varCount = Object.keys(session.vars).length;
    const scope: TemplateScope = {
      get rng(): Rng {
        return (rng ??= createRng(hashSeed(`${seed}:${session.plan.id}:${planned.path}:${varCount}`)));
      },
      env,
      vars: session.vars,
      params: planned.params ?? {},
    };
    // A header that needs a value the session has not captured yet (no token before login) is left out.
    const setHeaders = (from: Record<string, string> | undefined): void => {
      for (const [name, value] of Object.entries(from ?? {})) {
        const missing = value.includes('${') && [...value.matchAll(/\$\{\s*var\.([A-Za-z_][A-Za-z0-9_]*)\s*\}/g)].some((m) => session.vars[m[1] as string] === undefined);
        if (!missing) headers[name.toLowerCase()] = value.includes('${') ? expandString(value, scope) : value;
      }
    };
    setHeaders(defaultHeaders);
    // Scripted flows may template their paths (`/api/products/${int(1,5000)}`).
    const path = planned.path.includes('${') ? expandString(planned.path, scope) : planned.path;
    if (!template) return { method: planned.method, path, headers };
    if (template.requires?.some((name) => session.vars[name] === undefined)) return null;
    setHeaders(template.headers);
    let body: string | undefined;
    if (template.json !== undefined) {
      body = JSON.stringify(expandJson(template.json, scope));
      headers['content-type'] ??= 'application/json';
    } else if (template.body !== undefined) {
      body = expandString(template.body, scope);
    }
    const request: HttpRequest = { method: planned.method, path, headers };
    if (body !== undefined) request.body = body;
    return request;
  };

  const onResponse: ResponseHook = (planned, response, session) => {
    const capture = templates[planned.endpointKey]?.capture;
    if (!capture || response.failure) return;
    let parsed: unknown;
    for (const [name, from] of Object.entries(capture)) {
      const value = captureValue(from, response, () => (parsed ??= safeJson(response.text)));
      if (value !== undefined) session.vars[name] = value;
    }
  };

  const bodyWanted = new Map<string, boolean>();
  const wantBody = (planned: PlannedRequest): boolean => {
    let wanted = bodyWanted.get(planned.endpointKey);
    if (wanted === undefined) {
      const capture = templates[planned.endpointKey]?.capture;
      wanted = capture !== undefined && Object.values(capture).some((c) => c.startsWith('json:'));
      bodyWanted.set(planned.endpointKey, wanted);
    }
    return wanted;
  };

  return { build, onResponse, wantBody };
}

function safeJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function captureValue(from: string, response: HttpResponse, json: () => unknown): string | undefined {
  if (from.startsWith('header:')) {
    const value = response.headers[from.slice(7).toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }
  let node: unknown = json();
  const path = from.slice(5).replace(/^\$\.?/, '');
  for (const part of path.split(/[.[\]]/).filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node === undefined || node === null || typeof node === 'object' ? undefined : String(node);
}

export type { SessionState };
