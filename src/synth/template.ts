import type { Rng } from '../core/rng.js';

/**
 * `${...}` expressions in a profile's headers and bodies:
 *   ${int(1,100)}      a uniform integer
 *   ${uuid}            a random (seeded) UUID v4
 *   ${pick(a,b,c)}     one of the listed values
 *   ${env.NAME}        an environment variable (secrets come only from here)
 *   ${var.NAME}        a value captured earlier in the same session
 *   ${param.NAME}      a path parameter of the planned request (e.g. param.id)
 * A whole-string expression keeps its type in JSON bodies when it is a number (int).
 */
export interface TemplateScope {
  rng: Rng;
  env: Readonly<Record<string, string | undefined>>;
  vars: Readonly<Record<string, string>>;
  params: Readonly<Record<string, string>>;
}

const EXPRESSION = /\$\{([^}]*)\}/g;

function uuid(rng: Rng): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rng.next() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${((8 + Math.floor(rng.next() * 4)) as number).toString(16)}${hex(3)}-${hex(12)}`;
}

/** Evaluates one expression body (without `${}`); unknown names give undefined. */
function evaluate(expr: string, scope: TemplateScope): string | number | undefined {
  const e = expr.trim();
  if (e === 'uuid') return uuid(scope.rng);
  let m = /^int\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/.exec(e);
  if (m) return scope.rng.int(Number(m[1]), Number(m[2]));
  m = /^pick\((.*)\)$/.exec(e);
  if (m) {
    const options = (m[1] as string).split(',').map((s) => s.trim()).filter(Boolean);
    return options[Math.floor(scope.rng.next() * options.length)];
  }
  m = /^(env|var|param)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(e);
  if (m) {
    const table = m[1] === 'env' ? scope.env : m[1] === 'var' ? scope.vars : scope.params;
    return table[m[2] as string];
  }
  return undefined;
}

/** Names of the template expressions that are not understood (validated up front). */
export function unknownExpressions(text: string): string[] {
  const bad: string[] = [];
  const probe: TemplateScope = { rng: { next: () => 0, int: (a) => a, exponential: () => 0, fork: () => probe.rng }, env: new Proxy({}, { get: () => 'x' }), vars: new Proxy({}, { get: () => 'x' }), params: new Proxy({}, { get: () => 'x' }) };
  for (const match of text.matchAll(EXPRESSION)) {
    if (evaluate(match[1] as string, probe) === undefined) bad.push(match[0]);
  }
  return bad;
}

export function expandString(text: string, scope: TemplateScope): string {
  return text.replace(EXPRESSION, (_all, expr: string) => {
    const value = evaluate(expr, scope);
    return value === undefined ? '' : String(value);
  });
}

/** Expands every string inside a JSON value; a string that is one `${int(...)}` becomes a number. */
export function expandJson(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]*)\}$/.exec(value);
    if (whole) {
      const v = evaluate(whole[1] as string, scope);
      return typeof v === 'number' ? v : v === undefined ? '' : String(v);
    }
    return expandString(value, scope);
  }
  if (Array.isArray(value)) return value.map((v) => expandJson(v, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandJson(v, scope)]));
  }
  return value;
}
