import { UsageError } from '../core/errors.js';
import { LogFormatParser, scoreLines } from './log-format-parser.js';
import {
  K_METHOD,
  K_PATH,
  K_REQUEST,
  K_STATUS,
  K_TIME,
  K_URI,
  OP_BRACKET,
  OP_LIT,
  OP_PLAIN,
  OP_QUOTED,
  OP_RUN,
  OP_SPACE,
  toRuntime,
  type Element,
  type Kind,
  type Step,
  type Variable,
  type Wrap,
} from './log-format-steps.js';
import { compileStrftime, parseClfTime, parseEpoch, parseIsoTime, UTC, zoneResolver } from './time.js';
import type { FormatOptions, LineFormat } from './types.js';

/*
 * Compiles an nginx `log_format` or an Apache `LogFormat` string, once, into a list of steps
 * (log-format-steps.ts) that log-format-parser.ts turns into a parse function: indexOf scans,
 * no regex per line.
 *
 * Grammar of the format strings:
 *   nginx   := ( literal | '$' name | '${' name '}' )*                 name := [A-Za-z0-9_]+
 *   apache  := ( literal | '%%' | '%' mods ( '{' arg '}' )? letter | '%{' arg '}^t' [io] )*
 *              mods := [<>]? ( '!'? [0-9,]+ )?
 *   Both: `\"`, `\\`, `\t`, `\n` escapes. A whole `log_format name '...' '...';` or
 *   `LogFormat "..." nickname` line is accepted too.
 *
 * How a variable's value is read depends on what surrounds it:
 *   "…$var…"  quoted: up to the closing quote, honouring \" escapes; the quote must be followed
 *             by the next literal (so an unescaped quote inside is tolerated). A bare `-` without
 *             quotes (Traefik's empty referer) is accepted too.
 *   […$var…]  bracketed (and Apache %t): up to the closing bracket.
 *   $a $b $c  plain, separated by spaces: up to the next space; list variables (addresses,
 *             upstream timings) continue across `, ` and ` : ` separators. When such a run holds
 *             a client address and ends at a firm anchor (` [`, ` "`, or a literal), the run is
 *             split from both ends and the address takes the extra tokens: this is how real logs
 *             with `a, b, c` X-Forwarded-For lists, or `"list" addr`, before the ident field are
 *             read.
 *   $a$b      adjacent: read together, split where the second begins (`$uri$is_args$args`).
 *   ` - `     nginx's literal dash between two variables (the ident field) reads any token.
 * A line may stop early at a field boundary once the time, request and status have been read
 * (common lines in a combined log); anything after the last field is ignored (extra fields
 * added by a proxy).
 */

export type Syntax = 'nginx' | 'apache';

export interface CompiledLogFormat {
  syntax: Syntax;
  /** The format string as compiled (after unwrapping a `log_format`/`LogFormat` line). */
  format: string;
  steps: Step[];
}

// ---------------------------------------------------------------------------------------------
// Variables.

const v = (name: string, kind: Kind, extra: Partial<Variable> = {}): Variable => ({ name, kind, list: false, rank: 0, ...extra });

function nginxVariable(name: string): Variable {
  const n = `$${name}`;
  switch (name) {
    case 'remote_addr': return v(n, 'client', { list: true });
    case 'realip_remote_addr': return v(n, 'client', { list: true, rank: 1 });
    case 'http_x_forwarded_for':
    case 'proxy_add_x_forwarded_for': return v(n, 'xff', { list: true });
    case 'http_x_real_ip': return v(n, 'xff', { list: true, rank: 1 });
    case 'time_local': return v(n, 'time', { time: parseClfTime, timeIsEnd: true, spaces: 1 });
    case 'time_iso8601': return v(n, 'time', { time: parseIsoTime, timeIsEnd: true });
    case 'msec': return v(n, 'time', { time: (l, s, e) => parseEpoch(l, s, e, 1000), timeIsEnd: true });
    case 'request': return v(n, 'request');
    case 'request_method': return v(n, 'method');
    case 'request_uri': return v(n, 'uri');
    case 'uri':
    case 'document_uri': return v(n, 'path');
    case 'args':
    case 'query_string': return v(n, 'query');
    case 'is_args': return v(n, 'isArgs');
    case 'status': return v(n, 'status');
    case 'body_bytes_sent': return v(n, 'bytes');
    case 'bytes_sent': return v(n, 'bytes', { rank: 1 });
    case 'request_time': return v(n, 'duration', { scale: 1000 });
    case 'upstream_response_time': return v(n, 'duration', { rank: 1, list: true, secondsList: true });
    case 'http_user_agent': return v(n, 'userAgent');
    case 'http_referer': return v(n, 'referrer');
    case 'host': return v(n, 'host');
    case 'http_host': return v(n, 'host', { rank: 1 });
    case 'server_name': return v(n, 'host', { rank: 2 });
    case 'request_length':
    case 'connection':
    case 'connection_requests': return v(n, 'numeric');
    default: return v(n, 'ignore', { list: name.startsWith('upstream_') });
  }
}

function apacheVariable(letter: string, arg: string | undefined, mods: string): Variable {
  const n = `%${mods}${arg === undefined ? '' : `{${arg}}`}${letter}`;
  const header = arg?.toLowerCase();
  switch (letter) {
    case 'a': return v(n, 'client', { list: true });
    case 'h': return v(n, 'client', { list: true, rank: 1 });
    case 'l':
    case 'u': return v(n, 'ignore');
    case 't': return apacheTime(n, arg);
    case 'r': return v(n, 'request');
    case 'm': return v(n, 'method');
    case 'U': return v(n, 'path');
    case 'q': return v(n, 'query');
    case 's': return v(n, 'status', { rank: mods.includes('>') ? 0 : mods.includes('<') ? 2 : 1 });
    case 'b':
    case 'B': return v(n, 'bytes');
    case 'O': return v(n, 'bytes', { rank: 1 });
    case 'I':
    case 'S': return v(n, 'numeric');
    case 'D': return v(n, 'duration', { scale: 0.001 });
    case 'T': {
      const unit = header ?? 's';
      const scale = unit === 'ms' ? 1 : unit === 'us' ? 0.001 : unit === 's' ? 1000 : NaN;
      if (Number.isNaN(scale)) throw new UsageError(`${n}: unit must be s, ms or us`);
      return v(n, 'duration', { scale, rank: 1 });
    }
    case 'v': return v(n, 'host');
    case 'V': return v(n, 'host', { rank: 2 });
    case 'i':
      if (header === 'user-agent') return v(n, 'userAgent');
      if (header === 'referer' || header === 'referrer') return v(n, 'referrer');
      if (header === 'host') return v(n, 'host', { rank: 1 });
      if (header === 'x-forwarded-for') return v(n, 'xff', { list: true });
      if (header === 'x-real-ip') return v(n, 'xff', { list: true, rank: 1 });
      return v(n, 'ignore');
    case 'A': case 'C': case 'e': case 'f': case 'H': case 'k': case 'L': case 'n': case 'o':
    case 'p': case 'P': case 'R': case 'X': case 'x': case 'M':
      return v(n, 'ignore');
    default:
      throw new UsageError(`Apache log format: unknown directive ${n}`, {
        hint: 'see https://httpd.apache.org/docs/current/mod/mod_log_config.html#formats',
      });
  }
}

function apacheTime(name: string, arg: string | undefined): Variable {
  if (arg === undefined) return v(name, 'time', { time: parseClfTime });
  let format = arg;
  let timeIsEnd = false;
  if (format.startsWith('begin:')) format = format.slice(6);
  else if (format.startsWith('end:')) {
    format = format.slice(4);
    timeIsEnd = true;
  }
  switch (format) {
    case 'sec': return v(name, 'time', { time: (l, s, e) => parseEpoch(l, s, e, 1000), timeIsEnd });
    case 'msec': return v(name, 'time', { time: (l, s, e) => parseEpoch(l, s, e, 1), timeIsEnd });
    case 'usec': return v(name, 'time', { time: (l, s, e) => parseEpoch(l, s, e, 0.001), timeIsEnd });
    case 'msec_frac': return v(name, 'timeFrac', { scale: 1 });
    case 'usec_frac': return v(name, 'timeFrac', { scale: 0.001 });
    default: return v(name, 'time', { time: compileStrftime(format), timeIsEnd, spaces: format.split(' ').length - 1 });
  }
}

// ---------------------------------------------------------------------------------------------
// Lexing.

/** Accepts a bare format or a whole config line; returns the format itself. */
export function normalizeFormatString(text: string): string {
  let s = text.trim();
  const nginxDirective = /^log_format\s+\S+\s+(?:escape=\S+\s+)?/.exec(s);
  if (nginxDirective) s = s.slice(nginxDirective[0].length).replace(/;\s*$/, '');
  const apacheDirective = /^(?:LogFormat|CustomLog\s+\S+)\s+/i.exec(s);
  if (apacheDirective) {
    s = s.slice(apacheDirective[0].length);
    const quoted = readQuoted(s, 0);
    if (quoted) return quoted.value;
    return s;
  }
  // nginx writes formats as one or more single-quoted strings.
  if (nginxDirective || s.startsWith("'")) {
    let out = '';
    let i = 0;
    while (i < s.length) {
      while (i < s.length && /\s/.test(s[i] as string)) i++;
      if (i >= s.length) break;
      const quoted = readQuoted(s, i);
      if (!quoted) return s;
      out += quoted.value;
      i = quoted.end;
    }
    return out;
  }
  return s;
}

function readQuoted(s: string, start: number): { value: string; end: number } | null {
  const quote = s[start];
  if (quote !== '"' && quote !== "'") return null;
  let value = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      const next = s[i + 1] as string;
      value += next === quote || next === '\\' ? next : c + next;
      i++;
    } else if (c === quote) return { value, end: i + 1 };
    else value += c;
  }
  return null;
}

/** Which syntax a format string is written in, from the variables it uses. */
export function detectSyntax(format: string): Syntax {
  const nginx = (format.match(/\$\{?[A-Za-z_][A-Za-z0-9_]*/g) ?? []).length;
  const apache = (format.match(/%[<>!0-9,]*(?:\{[^}]*\})?[a-zA-Z]/g) ?? []).length;
  if (nginx === 0 && apache === 0) {
    throw new UsageError(`log format "${format}" has no variables`, {
      hint: "write it as in nginx.conf ('$remote_addr - $remote_user [$time_local] ...') or Apache's LogFormat ('%h %l %u %t \"%r\" %>s %b')",
    });
  }
  return nginx >= apache ? 'nginx' : 'apache';
}

function unescape(c: string): string {
  return c === 't' ? '\t' : c === 'n' ? '\n' : c;
}

function lex(format: string, syntax: Syntax): Element[] {
  const out: Element[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit !== '') out.push({ lit });
    lit = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c === '\\' && i + 1 < format.length) {
      lit += unescape(format[++i] as string);
      continue;
    }
    if (syntax === 'nginx' && c === '$') {
      const braced = /^\{([A-Za-z0-9_]+)\}/.exec(format.slice(i + 1));
      const plain = braced ? null : /^[A-Za-z0-9_]+/.exec(format.slice(i + 1));
      if (braced || plain) {
        flush();
        const name = braced ? (braced[1] as string) : (plain as RegExpExecArray)[0];
        out.push({ v: nginxVariable(name), wrap: 'none' });
        i += (braced ?? plain as RegExpExecArray)[0].length;
        continue;
      }
    }
    if (syntax === 'apache' && c === '%') {
      if (format[i + 1] === '%') {
        lit += '%';
        i++;
        continue;
      }
      const m = /^([<>]?(?:!?[0-9,]+)?[<>]?)(?:\{([^}]*)\})?(\^t[io]|[a-zA-Z])/.exec(format.slice(i + 1));
      if (!m) throw new UsageError(`Apache log format: cannot read the directive at "${format.slice(i, i + 12)}"`);
      flush();
      const letter = m[3] as string;
      const variable = letter.startsWith('^') ? v(`%{${m[2] ?? ''}}${letter}`, 'ignore') : apacheVariable(letter, m[2], m[1] as string);
      // %t writes its own brackets.
      const wrap: Wrap = letter === 't' && m[2] === undefined ? 'bracket' : 'none';
      out.push({ v: variable, wrap });
      i += m[0].length;
      continue;
    }
    lit += c;
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compiling.

const ESSENTIAL_CODES: ReadonlySet<number> = new Set([K_TIME, K_REQUEST, K_METHOD, K_URI, K_PATH, K_STATUS]);
const NUMERIC: ReadonlySet<Kind> = new Set<Kind>(['status', 'bytes', 'numeric', 'duration']);

export function compileLogFormat(formatText: string, syntaxHint?: Syntax): CompiledLogFormat {
  const format = normalizeFormatString(formatText);
  const syntax = syntaxHint ?? detectSyntax(format);
  let elements = lex(format, syntax);
  elements = foldWraps(elements);
  elements = expandDashes(elements);
  resolveRanks(elements);
  elements = mergeAdjacent(elements);
  const all = elements.flatMap((e) => ('v' in e ? (e.parts ?? [e.v]) : []));
  if (!all.some((x) => x.kind === 'time')) {
    throw new UsageError(`log format "${format}" has no time`, {
      hint: syntax === 'nginx' ? 'add $time_local, $time_iso8601 or $msec' : 'add %t (or %{...}t)',
    });
  }
  if (!all.some((x) => x.kind === 'request' || x.kind === 'uri' || x.kind === 'path')) {
    throw new UsageError(`log format "${format}" has no request`, {
      hint: syntax === 'nginx' ? 'add "$request" (or $request_method and $request_uri)' : 'add "%r" (or %m and %U%q)',
    });
  }
  return { syntax, format, steps: buildSteps(elements) };
}

/** `"` + var + `"` → a quoted var; `[` + var + `]` → a bracketed var. */
function foldWraps(elements: Element[]): Element[] {
  const out = elements.map((e) => ({ ...e }));
  for (let i = 0; i < out.length; i++) {
    const e = out[i] as Element;
    if (!('v' in e) || e.wrap !== 'none') continue;
    const before = out[i - 1];
    const after = out[i + 1];
    if (!before || !after || !('lit' in before) || !('lit' in after)) continue;
    for (const [open, close, wrap] of [['"', '"', 'quote'], ['[', ']', 'bracket']] as const) {
      if (before.lit.endsWith(open) && after.lit.startsWith(close)) {
        before.lit = before.lit.slice(0, -1);
        after.lit = after.lit.slice(1);
        e.wrap = wrap;
        break;
      }
    }
  }
  return out.filter((e) => !('lit' in e) || e.lit !== '');
}

/** nginx's ` - ` between two variables (the ident field) becomes a variable that reads any token. */
function expandDashes(elements: Element[]): Element[] {
  const out: Element[] = [];
  elements.forEach((e, i) => {
    const prev = elements[i - 1];
    const next = elements[i + 1];
    if ('lit' in e && /^ (- )+$/.test(e.lit) && prev && 'v' in prev && next && 'v' in next) {
      const dashes = (e.lit.length - 1) / 2;
      out.push({ lit: ' ' });
      for (let k = 0; k < dashes; k++) out.push({ v: v('-', 'ignore'), wrap: 'none' }, { lit: ' ' });
    } else out.push(e);
  });
  return out;
}

/** Keeps the best-ranked variable of each field (`%>s` over `%s`, `%b` over `%O`, ...). */
function resolveRanks(elements: Element[]): void {
  const best = new Map<Kind, Variable>();
  let firstTime: Variable | undefined;
  for (const e of elements) {
    if (!('v' in e)) continue;
    const x = e.v;
    if (x.kind === 'time') {
      firstTime ??= x;
      continue;
    }
    if (x.kind === 'ignore' || x.kind === 'numeric' || x.kind === 'timeFrac' || x.kind === 'isArgs') continue;
    const current = best.get(x.kind);
    if (!current || x.rank < current.rank) best.set(x.kind, x);
  }
  for (const e of elements) {
    if (!('v' in e)) continue;
    const x = e.v;
    const demote = x.kind === 'time' ? x !== firstTime : best.has(x.kind) && best.get(x.kind) !== x;
    if (demote) e.v = { ...x, kind: 'ignore' };
  }
}

/** Variables with nothing between them are read as one value and split (`$uri$is_args$args`). */
function mergeAdjacent(elements: Element[]): Element[] {
  const out: Element[] = [];
  for (const e of elements) {
    const prev = out[out.length - 1];
    if ('v' in e && e.wrap === 'none' && prev && 'v' in prev && prev.wrap === 'none') {
      prev.parts = [...(prev.parts ?? [prev.v]), e.v];
      continue;
    }
    out.push({ ...e });
  }
  return out;
}

function buildSteps(elements: Element[]): Step[] {
  const steps: Step[] = [];
  const step = (op: number, fields: Partial<Omit<Step, 'vars'>> & { vars?: Variable[] } = {}): Step => ({
    op,
    text: '',
    compound: false,
    listIndex: -1,
    anchor: '',
    numericNext: false,
    essential: false,
    ...fields,
    vars: (fields.vars ?? []).map(toRuntime),
  });
  // What a value must be followed by: the next literal, or the opening of a wrapped variable.
  const stopAfter = (i: number): string => {
    const next = elements[i + 1];
    if (!next) return '';
    if ('lit' in next) return /^ +$/.test(next.lit) ? ' ' : next.lit;
    return next.wrap === 'quote' ? '"' : next.wrap === 'bracket' ? '[' : '';
  };
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i] as Element;
    if ('lit' in e) {
      steps.push(/^ +$/.test(e.lit) ? step(OP_SPACE) : step(OP_LIT, { text: e.lit }));
      continue;
    }
    if (e.wrap === 'quote') {
      const after = elements[i + 2];
      const numericNext = !!after && 'v' in after && after.wrap === 'none' && NUMERIC.has(after.v.kind);
      steps.push(step(OP_QUOTED, { vars: [e.v], text: stopAfter(i), numericNext }));
      continue;
    }
    if (e.wrap === 'bracket') {
      steps.push(step(OP_BRACKET, { vars: [e.v] }));
      continue;
    }
    if (e.parts) {
      steps.push(step(OP_PLAIN, { vars: e.parts, compound: true, text: stopAfter(i) }));
      continue;
    }
    // A run of plain variables separated by single spaces.
    const run: Variable[] = [e.v];
    let j = i;
    for (;;) {
      const sep = elements[j + 1];
      const next = elements[j + 2];
      if (!sep || !next || !('lit' in sep) || sep.lit !== ' ' || !('v' in next) || next.wrap !== 'none' || next.parts) break;
      run.push(next.v);
      j += 2;
    }
    const listIndex = run.findIndex((x) => x.kind === 'client' || x.kind === 'xff');
    const afterRun = elements[j + 1];
    let anchor = '';
    if (afterRun && 'lit' in afterRun) {
      if (!/^ +$/.test(afterRun.lit)) anchor = afterRun.lit;
      else {
        const wrapped = elements[j + 2];
        if (wrapped && 'v' in wrapped && wrapped.wrap === 'quote') anchor = ' "';
        else if (wrapped && 'v' in wrapped && wrapped.wrap === 'bracket') anchor = ' [';
      }
    } else if (afterRun && 'v' in afterRun) anchor = afterRun.wrap === 'quote' ? '"' : afterRun.wrap === 'bracket' ? '[' : '';
    if (listIndex >= 0 && anchor !== '' && run.length > 1) {
      steps.push(step(OP_RUN, { vars: run, listIndex, anchor }));
    } else {
      run.forEach((x, k) => {
        if (k > 0) steps.push(step(OP_SPACE));
        steps.push(step(OP_PLAIN, { vars: [x], text: k < run.length - 1 ? ' ' : stopAfter(j) }));
      });
    }
    i = j;
  }
  let essential = false;
  for (let k = steps.length - 1; k >= 0; k--) {
    const s = steps[k] as Step;
    if (s.vars.some((x) => ESSENTIAL_CODES.has(x.code))) essential = true;
    s.essential = essential;
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Formats.

/** Any kind of `--session-key`, when the format logs it (see log-format-key.ts). */
export const LOG_FORMAT_SESSION_KEYS = ['cookie', 'header', 'field'] as const;

export interface LogFormatDefinition {
  name: string;
  description: string;
  format: string;
  syntax?: Syntax;
}

/** A LineFormat for one fixed format string, compiled once. */
export function defineLogFormat(definition: LogFormatDefinition): LineFormat & { compiled: CompiledLogFormat } {
  const compiled = compileLogFormat(definition.format, definition.syntax);
  return {
    name: definition.name,
    description: definition.description,
    compiled,
    detect: (lines) => scoreLines(new LogFormatParser(compiled, UTC, true), lines),
    create: (options: FormatOptions) => new LogFormatParser(compiled, zoneResolver(options.timeZone), false, options.sessionKey, definition.name),
    sessionKeys: LOG_FORMAT_SESSION_KEYS,
  };
}

/**
 * A LineFormat for formats the user gives (`--log-format`), in one server's syntax. Never
 * auto-detected (it has no format string until created); without one it reads `fallback`.
 */
export function customLogFormat(name: string, syntax: Syntax, fallback: string): LineFormat {
  // One compilation per format string, however many inputs use it.
  const compiled = new Map<string, CompiledLogFormat>();
  return {
    name,
    description: `${syntax === 'nginx' ? 'nginx log_format' : 'Apache LogFormat'} given with --log-format (default: ${fallback})`,
    detect: () => 0,
    create: (options: FormatOptions) => {
      const text = options.logFormat ?? fallback;
      let format = compiled.get(text);
      if (!format) {
        format = compileLogFormat(text, syntax);
        if (compiled.size < 100) compiled.set(text, format);
      }
      return new LogFormatParser(format, zoneResolver(options.timeZone), false, options.sessionKey, name);
    },
    sessionKeys: LOG_FORMAT_SESSION_KEYS,
  };
}
