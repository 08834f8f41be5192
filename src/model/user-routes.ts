/**
 * User-given routes (`import --routes routes.txt`, `--openapi spec.json`): the templates a user
 * knows, which take precedence over the ones the route tree learns. Pure: the files are read in
 * src/commands; here they are parsed (`parseRoutesFile`, `parseOpenApi`) and compiled into a
 * matcher (`UserRouteMatcher`) that the model builder asks before the route tree.
 *
 * A routes file, one route per line:
 *
 *   line     := [METHOD ws] path          METHOD: GET, POST, …, or `*` (any method, as no method)
 *   path     := "/" segment ("/" segment)* | "/"
 *   segment  := literal | ":" name [rest] | [literal] "{" name "}" [literal]
 *   name     := [A-Za-z_][A-Za-z0-9_]*     (in braces other characters become `_`)
 *
 * `#` starts a comment; blank lines are ignored; a trailing `/` is dropped. A parameter inside a
 * segment (`{name}.json`, `v{version}`) must not be followed by a letter, digit or `_` (the
 * template `:name` would swallow it). Bad lines are reported all at once, each as `file:line`.
 *
 * An OpenAPI 3.x or Swagger 2.0 document (parsed JSON): every key of `paths` with `{param}`
 * segments, for the methods of its operations (any method when it has none, e.g. a `$ref`),
 * under the path of each distinct `servers[].url` (variables at their defaults; a path item's
 * own `servers` override) or under `basePath` (2.0).
 *
 * Matching (`UserRouteMatcher.keyFor`) walks a segment trie compiled once: at each segment a
 * literal child first, then parameters inside a segment (longest fixed part first), then a
 * whole-segment parameter, with the method checked where the path ends. A branch that dead-ends
 * is left for the next candidate, and as every trie node is reached by one route only, a path
 * visits each node at most once: O(segments) for the usual tables, never more than the trie.
 * Values of matched parameters feed bounded pools (`TopValues`), scrubbed as the route tree's
 * are (scrub.ts), none kept below a secret-bearing literal (`/reset-password/:token`).
 */
import { InputError } from '../core/errors.js';
import { pathStart, type FinalRoute } from './routes.js';
import { isKeepableValue, isSensitiveSegment, safeDecodeSegment } from './scrub.js';
import { TopValues } from './top-values.js';

export interface UserRoute {
  /** Upper-case method, or null for any method. */
  method: string | null;
  /** Normalized template as the model writes it: `/api/products/:id`, `/files/:name.json`, `/`. */
  template: string;
  /** The same in `{name}` form (`/files/{name}.json`), which reads back without ambiguity. */
  pattern: string;
  /** The file the route comes from (for provenance). */
  file: string;
  /** Where exactly, for messages: `routes.txt:3`, `spec.json: paths["/x/{id}"]`. */
  source: string;
}

/** The methods the model knows (builder.ts normalizeMethod), for spotting typos in a routes file. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'PURGE']);
const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
/** Values kept per parameter (as the route tree's pools). */
const POOL_SIZE = 50;

interface Segment {
  /** A literal segment, or null for one with a parameter. */
  literal: string | null;
  name: string;
  prefix: string;
  suffix: string;
}

interface ParsedTemplate {
  segments: Segment[];
  template: string;
  pattern: string;
  /** The template with parameter names left out: two routes of one shape are the same route. */
  shape: string;
}

/**
 * A parameter name as the model writes it: letters, digits and `_`; not starting with `other`
 * (the synthesizer reads `:other…` as the overflow bucket).
 */
function modelName(raw: string): string {
  let name = raw.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (name.startsWith('other')) name = `_${name}`;
  return name;
}

/** Parses a route path (`/api/products/:id`, `/files/{name}.json`); a string is the problem. */
function parseTemplate(path: string, colonParams: boolean): ParsedTemplate | string {
  if (!path.startsWith('/')) return `expected a path starting with /, got ${JSON.stringify(path)}`;
  if (/[?#\s]/.test(path)) return `a route is a path only (no query string, fragment or spaces): ${JSON.stringify(path)}`;
  const segments: Segment[] = [];
  const used = new Map<string, number>();
  const unique = (name: string): string => {
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    return n === 1 ? name : `${name}${n}`;
  };
  for (const text of path.split('/')) {
    if (text === '') continue;
    if (text.includes('*')) return `wildcards are not supported: name the parameter instead (:name or {name}) in ${JSON.stringify(path)}`;
    const open = text.indexOf('{');
    const close = text.indexOf('}');
    if (open >= 0 || close >= 0) {
      if (open < 0 || close < open) return `unbalanced braces in segment ${JSON.stringify(text)}`;
      const prefix = text.slice(0, open);
      const suffix = text.slice(close + 1);
      const raw = text.slice(open + 1, close);
      if (raw.trim() === '') return `empty parameter name in segment ${JSON.stringify(text)}`;
      if (suffix.includes('{') || suffix.includes('}')) return `one parameter per segment: ${JSON.stringify(text)}`;
      if (/^[A-Za-z0-9_]/.test(suffix)) return `a parameter inside a segment must be followed by a character other than a letter, digit or _: ${JSON.stringify(text)}`;
      if (prefix.startsWith(':') || (prefix === '' && suffix.startsWith(':'))) return `a segment mixes :name and {name}: ${JSON.stringify(text)}`;
      segments.push({ literal: null, name: unique(modelName(raw)), prefix, suffix });
      continue;
    }
    if (text.startsWith(':')) {
      if (!colonParams) return `a literal segment cannot start with ":" (it would read as a parameter): ${JSON.stringify(text)}`;
      const m = IDENTIFIER.exec(text.slice(1));
      if (m === null) return `":" must be followed by a parameter name (a letter or _, then letters, digits, _): ${JSON.stringify(text)}`;
      segments.push({ literal: null, name: unique(modelName(m[0])), prefix: '', suffix: text.slice(1 + m[0].length) });
      continue;
    }
    segments.push({ literal: text, name: '', prefix: '', suffix: '' });
  }
  const render = (param: (s: Segment) => string): string => `/${segments.map((s) => (s.literal !== null ? s.literal : `${s.prefix}${param(s)}${s.suffix}`)).join('/')}`;
  return { segments, template: render((s) => `:${s.name}`), pattern: render((s) => `{${s.name}}`), shape: render(() => '{}') };
}

/** One problem is the message; several are listed in `problems` (the CLI prints each on a line). */
function fail(file: string, what: string, problems: string[], hint: string): never {
  if (problems.length === 1) throw new InputError(problems[0] as string, { hint });
  throw new InputError(`${problems.length} problems in ${what} ${file}`, { problems, hint });
}

/** Parses a routes file (see the grammar above). Throws an InputError listing every bad line. */
export function parseRoutesFile(text: string, file: string): UserRoute[] {
  const problems: string[] = [];
  const routes: UserRoute[] = [];
  const shapes = new Map<string, { template: string; line: number }>();
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line === '') return;
    const where = `${file}:${n}`;
    const tokens = line.split(/\s+/);
    if (tokens.length > 2) {
      problems.push(`${where}: expected "METHOD /path" or "/path", got ${JSON.stringify(line)}`);
      return;
    }
    let method: string | null = null;
    if (tokens.length === 2) {
      const m = (tokens[0] as string).toUpperCase();
      if (m !== '*' && m !== 'ANY') {
        if (!METHODS.has(m)) {
          problems.push(`${where}: unknown method ${JSON.stringify(tokens[0])} (expected GET, POST, PUT, DELETE, PATCH, …, or none for any method)`);
          return;
        }
        method = m;
      }
    }
    const parsed = parseTemplate(tokens[tokens.length - 1] as string, true);
    if (typeof parsed === 'string') {
      problems.push(`${where}: ${parsed}`);
      return;
    }
    const same = shapes.get(parsed.shape);
    if (same !== undefined && same.template !== parsed.template) {
      problems.push(`${where}: ${parsed.template} is the route ${same.template} of line ${same.line} with other parameter names; use one name`);
      return;
    }
    if (same === undefined) shapes.set(parsed.shape, { template: parsed.template, line: n });
    const key = `${method ?? '*'} ${parsed.template}`;
    if (seen.has(key)) return;
    seen.add(key);
    routes.push({ method, template: parsed.template, pattern: parsed.pattern, file, source: where });
  });
  if (problems.length > 0) fail(file, 'the routes file', problems, 'one route a line: `GET /api/products/:id` or `/api/products/{id}` (any method); `#` starts a comment');
  if (routes.length === 0) {
    throw new InputError(`${file}: no routes in the file`, { hint: 'one route a line: `GET /api/products/:id` or `/api/products/{id}` (any method)' });
  }
  return routes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The path part of a server URL (`https://api.example.com/v1/` → `/v1`), variables at their defaults. */
function serverPath(server: unknown, where: string, problems: string[]): string | null {
  if (!isObject(server) || typeof server.url !== 'string') {
    problems.push(`${where}: expected an object with a "url" string`);
    return null;
  }
  const variables = isObject(server.variables) ? server.variables : {};
  let missing: string | null = null;
  const url = server.url.replace(/\{([^}]*)\}/g, (_m, name: string) => {
    const v = variables[name];
    const value = isObject(v) ? v.default : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      missing = name;
      return '';
    }
    return String(value);
  });
  if (missing !== null) {
    problems.push(`${where}.url: variable {${missing}} has no default value`);
    return null;
  }
  let path = url;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (scheme !== null || url.startsWith('//')) {
    const hostStart = scheme !== null ? scheme[0].length : 2;
    const slash = url.indexOf('/', hostStart);
    path = slash < 0 ? '' : url.slice(slash);
  }
  path = path.replace(/[?#].*$/, '');
  if (path === '' || path === '.' || path === './') return '';
  if (!path.startsWith('/')) path = `/${path.replace(/^\.\//, '')}`;
  return path.replace(/\/+$/, '');
}

function serverPaths(servers: unknown, where: string, problems: string[]): string[] | null {
  if (servers === undefined) return null;
  if (!Array.isArray(servers)) {
    problems.push(`${where}: expected an array`);
    return null;
  }
  if (servers.length === 0) return null;
  const out: string[] = [];
  servers.forEach((server, i) => {
    const p = serverPath(server, `${where}[${i}]`, problems);
    if (p !== null && !out.includes(p)) out.push(p);
  });
  return out.length > 0 ? out : null;
}

/**
 * Routes of an OpenAPI 3.x or Swagger 2.0 document (already parsed from JSON). Throws an
 * InputError listing every problem, each with its JSON path.
 */
export function parseOpenApi(doc: unknown, file: string): UserRoute[] {
  const hint = 'give an OpenAPI 3.x or Swagger 2.0 document in JSON with a "paths" object';
  if (!isObject(doc)) throw new InputError(`${file}: not an OpenAPI document (expected a JSON object)`, { hint });
  const v3 = typeof doc.openapi === 'string' && doc.openapi.startsWith('3.');
  const v2 = doc.swagger === '2.0';
  if (!v3 && !v2) {
    const found = doc.openapi ?? doc.swagger;
    throw new InputError(`${file}: not an OpenAPI 3.x or Swagger 2.0 document (${found === undefined ? 'no "openapi" or "swagger" field' : `version ${JSON.stringify(found)}`})`, { hint });
  }
  if (!isObject(doc.paths)) throw new InputError(`${file}: $.paths: ${doc.paths === undefined ? 'missing' : 'expected an object'}`, { hint });
  const problems: string[] = [];
  const pathOf = (key: string): string => `$.paths[${JSON.stringify(key)}]`;
  let prefixes: string[] = [''];
  if (v3) {
    prefixes = serverPaths(doc.servers, '$.servers', problems) ?? [''];
  } else if (doc.basePath !== undefined) {
    if (typeof doc.basePath !== 'string' || !doc.basePath.startsWith('/')) problems.push(`$.basePath: expected a path starting with /, got ${JSON.stringify(doc.basePath)}`);
    else prefixes = [doc.basePath.replace(/\/+$/, '')];
  }
  const routes: UserRoute[] = [];
  const seen = new Set<string>();
  for (const [key, item] of Object.entries(doc.paths)) {
    if (key.startsWith('x-')) continue;
    const where = pathOf(key);
    if (!isObject(item)) {
      problems.push(`${where}: expected a path item object`);
      continue;
    }
    const own = v3 ? serverPaths(item.servers, `${where}.servers`, problems) : null;
    const methods = OPENAPI_METHODS.filter((m) => isObject(item[m])).map((m) => m.toUpperCase());
    for (const prefix of own ?? prefixes) {
      const parsed = parseTemplate(`${prefix}${key}`, false);
      if (typeof parsed === 'string') {
        problems.push(`${where}: ${parsed}`);
        break;
      }
      for (const method of methods.length > 0 ? methods : [null]) {
        const id = `${method ?? '*'} ${parsed.template}`;
        if (seen.has(id)) continue;
        seen.add(id);
        routes.push({ method, template: parsed.template, pattern: parsed.pattern, file, source: `${file}: ${where}` });
      }
    }
  }
  if (problems.length > 0) fail(file, 'the OpenAPI document', problems.map((p) => `${file}: ${p}`), hint);
  if (routes.length === 0) throw new InputError(`${file}: $.paths: no paths in the document`, { hint });
  return routes;
}

/** One route of the matcher: a template, its methods, its provisional keys and value pools. */
class Terminal {
  /** Methods it answers; null: any. */
  methods: Set<string> | null = new Set();
  /** Method → provisional key (allocated on first match). */
  readonly keys = new Map<string, number>();
  /** One pool per parameter, in template order; null where values are never kept. */
  readonly pools: (TopValues | null)[];

  constructor(
    readonly template: string,
    readonly names: string[],
    sensitive: boolean[],
  ) {
    this.pools = sensitive.map((s) => (s ? null : new TopValues(POOL_SIZE * 4)));
  }

  accepts(method: string): boolean {
    return this.methods === null || this.methods.has(method);
  }
}

class MatchNode {
  literals: Map<string, MatchNode> | null = null;
  /** Parameters inside a segment, longest fixed part first. */
  partial: { prefix: string; suffix: string; node: MatchNode }[] | null = null;
  param: MatchNode | null = null;
  route: Terminal | null = null;
}

export interface UserRoutesProvenance {
  /** Files the routes came from, in the order given. */
  sources: string[];
  /** Routes compiled (one per method, or one for any method). */
  routes: number;
  /** Requests keyed to a user route. */
  matched: number;
}

export class UserRouteMatcher {
  private readonly root = new MatchNode();
  private readonly terminals: Terminal[] = [];
  private readonly sources: string[] = [];
  private readonly segments: string[] = [];
  private readonly values: string[] = [];
  private maxDepth = 0;
  private routeCount = 0;
  /** Requests keyed to a user route so far. */
  matched = 0;

  /**
   * @param routes in order of precedence: where two routes have the same shape with other
   *   parameter names (`/a/{id}`, `/a/{name}`), the first one's template is kept
   * @param newKey allocates a provisional key (the route tree's key space, see RouteTree.externalKey)
   */
  constructor(
    routes: readonly UserRoute[],
    private readonly newKey: (method: string) => number,
  ) {
    for (const route of routes) this.compile(route);
  }

  /** The provisional key of a request that matches a user route, else undefined. */
  keyFor(method: string, path: string): number | undefined {
    const segments = this.split(path);
    if (segments === null) return undefined;
    const route = this.match(this.root, 0, 0, method);
    if (route === null) return undefined;
    this.matched++;
    for (let i = 0; i < route.pools.length; i++) {
      const pool = route.pools[i];
      if (pool === null || pool === undefined) continue;
      const weight = pool.sampleWeight();
      if (weight === 0) continue;
      const decoded = safeDecodeSegment(this.values[i] as string);
      if (isKeepableValue(decoded)) pool.add(decoded, weight);
    }
    let key = route.keys.get(method);
    if (key === undefined) {
      key = this.newKey(method);
      route.keys.set(method, key);
    }
    return key;
  }

  /** Every (route, method) that matched at least one request, with its parameter pools. */
  finalize(): FinalRoute[] {
    const out: FinalRoute[] = [];
    for (const t of this.terminals) {
      const params: Record<string, string[]> = {};
      t.names.forEach((name, i) => {
        params[`:${name}`] = t.pools[i]?.top(POOL_SIZE) ?? [];
      });
      for (const [method, keyId] of t.keys) out.push({ keyId, method, template: t.template, params });
    }
    return out;
  }

  provenance(): UserRoutesProvenance {
    return { sources: [...this.sources], routes: this.routeCount, matched: this.matched };
  }

  private compile(route: UserRoute): void {
    const parsed = parseTemplate(route.pattern, false);
    if (typeof parsed === 'string') throw new InputError(`${route.source}: ${parsed}`);
    if (!this.sources.includes(route.file)) this.sources.push(route.file);
    let node = this.root;
    let sensitiveAbove = false;
    const sensitive: boolean[] = [];
    for (const s of parsed.segments) {
      if (s.literal !== null) {
        const literals = (node.literals ??= new Map());
        let next = literals.get(s.literal);
        if (next === undefined) literals.set(s.literal, (next = new MatchNode()));
        node = next;
        if (isSensitiveSegment(s.literal)) sensitiveAbove = true;
      } else if (s.prefix === '' && s.suffix === '') {
        node = node.param ??= new MatchNode();
        sensitive.push(sensitiveAbove);
      } else {
        const partial = (node.partial ??= []);
        let edge = partial.find((p) => p.prefix === s.prefix && p.suffix === s.suffix);
        if (edge === undefined) {
          partial.push((edge = { prefix: s.prefix, suffix: s.suffix, node: new MatchNode() }));
          partial.sort((a, b) => b.prefix.length + b.suffix.length - (a.prefix.length + a.suffix.length));
        }
        node = edge.node;
        sensitive.push(sensitiveAbove || isSensitiveSegment(s.prefix) || isSensitiveSegment(s.suffix));
      }
    }
    this.maxDepth = Math.max(this.maxDepth, parsed.segments.length);
    let terminal = node.route;
    if (terminal === null) {
      terminal = node.route = new Terminal(
        parsed.template,
        parsed.segments.filter((s) => s.literal === null).map((s) => s.name),
        sensitive,
      );
      this.terminals.push(terminal);
    }
    if (route.method === null) {
      if (terminal.methods !== null) this.routeCount++;
      terminal.methods = null;
    } else if (terminal.methods !== null && !terminal.methods.has(route.method)) {
      terminal.methods.add(route.method);
      this.routeCount++;
    }
  }

  /**
   * The path's segments (absolute URLs reduced to their path; `;` matrix parameters dropped;
   * empty segments skipped), or null when it has more than any route.
   */
  private split(path: string): string[] | null {
    const segments = this.segments;
    segments.length = 0;
    const start = pathStart(path);
    let segmentStart = start;
    let segmentEnd = -1;
    const length = path.length;
    for (let i = start; i <= length; i++) {
      const c = i < length ? path.charCodeAt(i) : 47;
      if (c === 59 /* ; */ && segmentEnd < 0) segmentEnd = i;
      const last = c === 63 /* ? */ || c === 35; /* # */
      if (c !== 47 && !last) continue;
      const end = segmentEnd < 0 ? i : segmentEnd;
      if (end > segmentStart) {
        if (segments.length === this.maxDepth) return null;
        segments.push(path.slice(segmentStart, end));
      }
      if (last) break;
      segmentStart = i + 1;
      segmentEnd = -1;
    }
    return segments;
  }

  /** Depth-first, literal first; writes parameter values to `values[param]`. */
  private match(node: MatchNode, depth: number, param: number, method: string): Terminal | null {
    const segments = this.segments;
    if (depth === segments.length) return node.route !== null && node.route.accepts(method) ? node.route : null;
    const segment = segments[depth] as string;
    if (node.literals !== null) {
      let next = node.literals.get(segment);
      if (next === undefined && segment.includes('%')) next = node.literals.get(safeDecodeSegment(segment));
      if (next !== undefined) {
        const found = this.match(next, depth + 1, param, method);
        if (found !== null) return found;
      }
    }
    if (node.partial !== null) {
      for (const { prefix, suffix, node: next } of node.partial) {
        if (segment.length <= prefix.length + suffix.length || !segment.startsWith(prefix) || !segment.endsWith(suffix)) continue;
        this.values[param] = segment.slice(prefix.length, segment.length - suffix.length);
        const found = this.match(next, depth + 1, param + 1, method);
        if (found !== null) return found;
      }
    }
    if (node.param !== null) {
      this.values[param] = segment;
      return this.match(node.param, depth + 1, param + 1, method);
    }
    return null;
  }
}
