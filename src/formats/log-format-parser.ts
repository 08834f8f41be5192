import { clientOf, forwardedClientOf, intOrDash, methodOf, secondsListToMs, splitRequest, stripPort, type RequestParts } from './fields.js';
import {
  K_BYTES,
  K_CLIENT,
  K_DURATION,
  K_HOST,
  K_IGNORE,
  K_METHOD,
  K_NUMERIC,
  K_PATH,
  K_QUERY,
  K_REFERRER,
  K_REQUEST,
  K_STATUS,
  K_TIME,
  K_TIME_FRAC,
  K_URI,
  K_USER_AGENT,
  K_XFF,
  OP_BRACKET,
  OP_LIT,
  OP_PLAIN,
  OP_QUOTED,
  OP_RUN,
  OP_SPACE,
  SK_COOKIE,
  SK_NONE,
  type RuntimeVariable,
  type Step,
} from './log-format-steps.js';
import { sessionKeySteps } from './log-format-key.js';
import { cookieValue, type SessionKey } from './session-key.js';
import { parseClfTime, parseDecimal, type TimeParser, type ZoneResolver } from './time.js';
import type { LineParser, ParseResult } from './types.js';

const MAX_RUN_TOKENS = 64;

/*
 * The steps are turned into the source of one JavaScript function per format (once, like ajv
 * does for schemas): straight-line code with locals, no dispatch per field, which measured
 * 1.5-2x faster than interpreting the steps. Only our own constants are spliced into the source;
 * literals from the format string go through JSON.stringify.
 */

interface ParserContext {
  zone: ZoneResolver;
  req: RequestParts;
  starts: Int32Array;
  ends: Int32Array;
  steps: Step[];
  times: TimeParser[];
  rejects: ParseResult[];
  /** Written by the generated code when it counts fields (for detection). */
  captured: number;
}

type ParseFunction = (line: string, source: string) => ParseResult;
type ParserFactory = (helpers: typeof HELPERS, ctx: ParserContext) => ParseFunction;

// Shared, frozen rejections: no allocation for the common failures.
const MISMATCH = Object.freeze({ reject: 'does not match format' });
const BAD_TIMESTAMP = Object.freeze({ reject: 'bad timestamp' });
const BAD_HOST = Object.freeze({ reject: 'bad host' });
const BAD_STATUS = Object.freeze({ reject: 'bad status' });
const BAD_BYTES = Object.freeze({ reject: 'bad byte count' });
const BAD_DURATION = Object.freeze({ reject: 'bad duration' });

const HELPERS = {
  splitRequest,
  methodOf,
  intOrDash,
  clientOf,
  forwardedClientOf,
  stripPort,
  parseDecimal,
  secondsListToMs,
  parseClfTime,
  cookieValue,
  closingQuote,
  valueEnd,
  tokenize,
  MISMATCH,
  BAD_TIMESTAMP,
  BAD_HOST,
  BAD_STATUS,
  BAD_BYTES,
  BAD_DURATION,
};

const factoryCache = new WeakMap<Step[], ParserFactory[]>();

function parserFactory(steps: Step[], countFields: boolean): ParserFactory {
  let cached = factoryCache.get(steps);
  if (!cached) {
    cached = [];
    factoryCache.set(steps, cached);
  }
  const index = countFields ? 1 : 0;
  let factory = cached[index];
  if (!factory) {
    factory = new Function('helpers', 'ctx', generateSource(steps, countFields)) as ParserFactory;
    cached[index] = factory;
  }
  return factory;
}

/** The body of a ParserFactory. Exported for debugging (`tidemark parse --debug` may print it). */
export function generateSource(steps: Step[], countFields: boolean): string {
  const times: string[] = [];
  const out: string[] = [];
  const dash = (a: string, z: string): string => `(${z} === ${a} || (${z} - ${a} === 1 && line.charCodeAt(${a}) === 45))`;
  let timeIsEnd = false;
  let rejectIndex = 0;
  const keyVariable = steps.flatMap((s) => s.vars).find((x) => x.sessionKey !== SK_NONE);

  // The session key (when asked for) is read from its variable besides what the variable fills.
  const assign = (x: RuntimeVariable, a: string, z: string): string =>
    (x.sessionKey !== SK_NONE ? `keyS = ${a}; keyE = ${z}; ` : '') + assignField(x, a, z);
  const assignField = (x: RuntimeVariable, a: string, z: string): string => {
    if (x.code === K_IGNORE) return '';
    const code = countFields && x.counts ? `if (!${dash(a, z)}) captured++;\n` : '';
    switch (x.code) {
      case K_CLIENT: return code + `clientS = ${a}; clientE = ${z};`;
      case K_XFF: return code + `xffS = ${a}; xffE = ${z};`;
      case K_USER_AGENT: return code + `uaS = ${a}; uaE = ${z};`;
      case K_REFERRER: return code + `refS = ${a}; refE = ${z};`;
      case K_HOST: return code + `hostS = ${a}; hostE = ${z};`;
      case K_TIME: {
        timeIsEnd = x.timeIsEnd;
        if (x.time === parseClfTime) return code + `logged = parseClfTime(line, ${a}, ${z}, zone);`;
        times.push('');
        return code + `logged = times[${times.length - 1}](line, ${a}, ${z}, zone);`;
      }
      case K_TIME_FRAC: return code + `n = parseDecimal(line, ${a}, ${z}, ${x.scale}); if (n === n) frac = n;`;
      case K_REQUEST: return code + `splitRequest(line, ${a}, ${z}, req); method = req.method; path = req.path; query = req.query;`;
      case K_METHOD: return code + `method = ${dash(a, z)} ? '' : methodOf(line, ${a}, ${z});`;
      case K_URI:
        return code + `if (!${dash(a, z)}) { d = line.indexOf('?', ${a}); if (d !== -1 && d < ${z}) { path = line.slice(${a}, d); query = line.slice(d + 1, ${z}); } else { path = line.slice(${a}, ${z}); } }`;
      case K_PATH: return code + `path = ${dash(a, z)} ? '' : line.slice(${a}, ${z});`;
      case K_QUERY:
        return code + `d = line.charCodeAt(${a}) === 63 ? ${a} + 1 : ${a}; query = ${dash('d', z)} ? '' : line.slice(d, ${z});`;
      case K_STATUS: return code + `n = intOrDash(line, ${a}, ${z}); if (n !== n || n > 999) return BAD_STATUS; status = n < 0 ? 0 : n;`;
      case K_BYTES: return code + `n = intOrDash(line, ${a}, ${z}); if (n !== n) return BAD_BYTES; bytes = n < 0 ? null : n;`;
      case K_DURATION:
        return code + (x.secondsList
          ? `if (!${dash(a, z)}) { n = secondsListToMs(line, ${a}, ${z}); if (n === n) durationMs = n; }`
          : `if (!${dash(a, z)}) { n = parseDecimal(line, ${a}, ${z}, ${x.scale}); if (n !== n) return BAD_DURATION; durationMs = n; }`);
      case K_NUMERIC:
        return code + `n = intOrDash(line, ${a}, ${z}); if (n !== n) return rejects[${rejectIndex++}];`;
    }
    return '';
  };

  steps.forEach((step, k) => {
    out.push(`if (pos >= len) ${step.essential ? 'return MISMATCH;' : 'break done;'}`);
    const v0 = step.vars[0] as RuntimeVariable;
    switch (step.op) {
      case OP_SPACE:
        out.push('if (line.charCodeAt(pos) !== 32) return MISMATCH;', 'do pos++; while (line.charCodeAt(pos) === 32);');
        break;
      case OP_LIT:
        out.push(
          step.text.length === 1
            ? `if (line.charCodeAt(pos) !== ${step.text.charCodeAt(0)}) return MISMATCH; pos++;`
            : `if (!line.startsWith(${JSON.stringify(step.text)}, pos)) return MISMATCH; pos += ${step.text.length};`,
        );
        break;
      case OP_BRACKET:
        out.push(
          'if (line.charCodeAt(pos) !== 91) return MISMATCH;',
          "b = line.indexOf(']', pos + 1); if (b === -1) return MISMATCH;",
          'a = pos + 1; z = b;',
          assign(v0, 'a', 'z'),
          'pos = b + 1;',
        );
        break;
      case OP_QUOTED: {
        const stop = step.text;
        const afterDash = stop === '' || stop === ' ' ? 'c === 32' : `c === ${stop.charCodeAt(0)} || c === 32`;
        // Fast path: the first quote is not escaped and is followed by what follows the field.
        const next = stop === '' ? 32 : stop.charCodeAt(0);
        const fast = step.numericNext
          ? `c = line.charCodeAt(b + ${stop.length + 1}); if (!(b !== -1 && line.charCodeAt(b - 1) !== 92 && line.charCodeAt(b + 1) === ${next} && ((c >= 48 && c <= 57) || c === 45)))`
          : `if (!(b !== -1 && line.charCodeAt(b - 1) !== 92 && (line.charCodeAt(b + 1) === ${next}${stop === '' || stop === ' ' ? ' || b + 1 === len' : ''})))`;
        out.push(
          'if (line.charCodeAt(pos) === 34) {',
          `b = line.indexOf('"', pos + 1);`,
          `${fast} { b = closingQuote(line, pos + 1, steps[${k}]); if (b === -1) return MISMATCH; }`,
          'a = pos + 1; z = b;',
          assign(v0, 'a', 'z'),
          'pos = b + 1;',
          '} else {',
          // Unquoted, only `-` (Traefik writes a bare dash for an empty referer).
          `c = line.charCodeAt(pos + 1); if (line.charCodeAt(pos) !== 45 || !(pos + 1 === len || ${afterDash})) return MISMATCH;`,
          'pos++;',
          '}',
        );
        break;
      }
      case OP_PLAIN: {
        const stop = step.text;
        if ((stop === '' || stop === ' ') && v0.spaces > 0) {
          // A value with spaces inside (an unbracketed time): skip that many.
          out.push("b = line.indexOf(' ', pos);");
          for (let i = 0; i < v0.spaces; i++) out.push("if (b !== -1) b = line.indexOf(' ', b + 1);");
          out.push('if (b === -1) b = len;');
        } else if (stop === '' || stop === ' ') {
          out.push(v0.list ? "b = valueEnd(line, pos, ' ', true);" : "b = line.indexOf(' ', pos); if (b === -1) b = len;");
        } else {
          out.push(`b = line.indexOf(${JSON.stringify(stop)}, pos); if (b === -1) return MISMATCH;`);
        }
        if (step.compound) {
          out.push('c = pos;');
          step.vars.forEach((x, i) => {
            const next = step.vars[i + 1];
            if (next && next.splitChar !== '') {
              out.push(`e = line.indexOf(${JSON.stringify(next.splitChar)}, c); if (e === -1 || e > b) e = b;`);
            } else out.push(next ? 'e = c;' : 'e = b;');
            out.push('a = c; z = e;', assign(x, 'a', 'z'), 'c = e;');
          });
        } else {
          out.push('a = pos; z = b;', assign(v0, 'a', 'z'));
        }
        out.push('pos = b;');
        break;
      }
      case OP_RUN: {
        const n = step.vars.length;
        const L = step.listIndex;
        if (step.vars.filter((x) => x.list).length === 1) {
          // One list variable: single tokens on its left (forward) and right (backward), the
          // list gets what remains in the middle.
          out.push(`b = line.indexOf(${JSON.stringify(step.anchor)}, pos); if (b === -1) return MISMATCH;`, 'c = pos;');
          for (let i = 0; i < L; i++) {
            const x = step.vars[i] as RuntimeVariable;
            out.push('while (c < b && line.charCodeAt(c) === 32) c++;', 'a = c;');
            for (let k = 0; k <= x.spaces; k++) {
              out.push(`${k > 0 ? 'if (c < b) c++; ' : ''}while (c < b && line.charCodeAt(c) !== 32) c++;`);
            }
            out.push('z = c; if (a === z) return MISMATCH;', assign(x, 'a', 'z'));
          }
          out.push('e = b;');
          for (let i = n - 1; i > L; i--) {
            const x = step.vars[i] as RuntimeVariable;
            out.push('while (e > c && line.charCodeAt(e - 1) === 32) e--;', 'z = e;');
            for (let k = 0; k <= x.spaces; k++) {
              out.push(`${k > 0 ? 'if (e > c) e--; ' : ''}while (e > c && line.charCodeAt(e - 1) !== 32) e--;`);
            }
            out.push('a = e; if (a === z) return MISMATCH;', assign(x, 'a', 'z'));
          }
          out.push(
            'while (c < e && line.charCodeAt(c) === 32) c++;',
            'while (e > c && line.charCodeAt(e - 1) === 32) e--;',
            'if (c === e) return MISMATCH;',
            'a = c; z = e;',
            assign(step.vars[L] as RuntimeVariable, 'a', 'z'),
            'pos = b;',
          );
          break;
        }
        out.push(
          `b = line.indexOf(${JSON.stringify(step.anchor)}, pos); if (b === -1) return MISMATCH;`,
          `n = tokenize(line, pos, b, starts, ends); if (n < ${n}) return MISMATCH;`,
          `x = n - ${n};`,
        );
        step.vars.forEach((v, i) => {
          if (v.code === K_IGNORE && v.sessionKey === SK_NONE) return;
          const first = i <= L ? `${i}` : `${i} + x`;
          const last = i < L ? `${i}` : `${i} + x`;
          out.push(`a = starts[${first}]; z = ends[${last}];`, assign(v, 'a', 'z'));
        });
        out.push('pos = b;');
        break;
      }
    }
  });

  const prologue = [
    "'use strict';",
    'const { splitRequest, methodOf, intOrDash, clientOf, forwardedClientOf, stripPort, parseDecimal, secondsListToMs, parseClfTime, cookieValue, closingQuote, valueEnd, tokenize, MISMATCH, BAD_TIMESTAMP, BAD_HOST, BAD_STATUS, BAD_BYTES, BAD_DURATION } = helpers;',
    'const { zone, req, starts, ends, steps, times, rejects } = ctx;',
    'return function parse(line, source) {',
    'const len = line.length;',
    'if (len === 0 || (line.charCodeAt(0) <= 32 && line.trim() === \'\')) return null;',
    'let pos = 0, logged = NaN, frac = 0, status = 0, bytes = null, durationMs = null, captured = 0;',
    'let clientS = -1, clientE = -1, xffS = -1, xffE = -1, uaS = -1, uaE = -1, refS = -1, refE = -1, hostS = -1, hostE = -1;',
    "let method = '', path = '', query = '';",
    keyVariable ? 'let keyS = -1, keyE = -1;' : '',
    'let a = 0, z = 0, b = 0, c = 0, d = 0, e = 0, n = 0, x = 0;',
    'done: {',
  ];
  const epilogue = [
    '}',
    'if (logged !== logged) return BAD_TIMESTAMP;',
    'let timeMs = logged + frac;',
    timeIsEnd ? 'if (durationMs !== null) timeMs = Math.round(timeMs - durationMs); else if (frac !== 0) timeMs = Math.round(timeMs);' : 'if (frac !== 0) timeMs = Math.round(timeMs);',
    "let client = clientS >= 0 ? clientOf(line.slice(clientS, clientE)) : '';",
    `if (xffS >= 0 && !${dash('xffS', 'xffE')}) { const forwarded = forwardedClientOf(line.slice(xffS, xffE)); if (forwarded !== '') client = forwarded; }`,
    "let host = '';",
    `if (hostS >= 0 && !${dash('hostS', 'hostE')}) { host = stripPort(line.slice(hostS, hostE)); if (host.indexOf(',') !== -1 || host.indexOf('"') !== -1 || host.indexOf(' ') !== -1) return BAD_HOST; }`,
    countFields ? 'ctx.captured = captured;' : '',
    'return {',
    'timeMs, method, path, query, status, bytes, durationMs, client,',
    `userAgent: uaS >= 0 && !${dash('uaS', 'uaE')} ? line.slice(uaS, uaE) : '',`,
    `referrer: refS >= 0 && !${dash('refS', 'refE')} ? line.slice(refS, refE) : '',`,
    'host, source,',
    keyVariable ? `sessionKey: ${sessionKeyValue(keyVariable, dash('keyS', 'keyE'))},` : '',
    '};',
    '};',
  ];
  return [...prologue, ...out, ...epilogue].filter((l) => l !== '').join('\n');
}

/** The expression for a record's `sessionKey`: '' when the variable was not logged (absent or `-`). */
function sessionKeyValue(x: RuntimeVariable, isDash: string): string {
  const raw = 'line.slice(keyS, keyE)';
  const value = x.sessionKey === SK_COOKIE ? `cookieValue(${raw}, ${JSON.stringify(x.sessionKeyCookie)})` : raw;
  return `keyS >= 0 && !${isDash} ? ${value} : ''`;
}

/** Parses lines of one compiled format with its generated function. */
export class LogFormatParser implements LineParser {
  readonly parse: ParseFunction;
  private readonly ctx: ParserContext;

  /**
   * `countFields`: count captured fields per line (for detection; slightly slower).
   * `sessionKey`: also read this key into `record.sessionKey` (a UsageError when the format has
   * no variable for it; `formatName` names the format in it).
   */
  constructor(compiled: { steps: Step[] }, zone: ZoneResolver, countFields = false, sessionKey?: SessionKey, formatName = 'log format') {
    const steps = sessionKey ? sessionKeySteps(compiled.steps, sessionKey, formatName) : compiled.steps;
    const times: TimeParser[] = [];
    const rejects: ParseResult[] = [];
    for (const step of steps) {
      for (const x of step.vars) {
        if (x.code === K_TIME && x.time !== parseClfTime) times.push(x.time as TimeParser);
        if (x.code === K_NUMERIC) rejects.push(Object.freeze({ reject: `bad ${x.name}` }));
      }
    }
    this.ctx = {
      zone,
      req: { method: '', path: '', query: '' },
      starts: new Int32Array(MAX_RUN_TOKENS),
      ends: new Int32Array(MAX_RUN_TOKENS),
      steps,
      times,
      rejects,
      captured: 0,
    };
    this.parse = parserFactory(steps, countFields)(HELPERS, this.ctx);
  }

  /** Fields with a value (not empty, not `-`) in the last line parsed, when counting. */
  get captured(): number {
    return this.ctx.captured;
  }
}

/**
 * Splits line[start, end) into space-separated tokens (a quoted token may hold spaces; `a, b`
 * lists are one token). Returns the count, or -1 past MAX_RUN_TOKENS.
 */
function tokenize(line: string, start: number, end: number, starts: Int32Array, ends: Int32Array): number {
  let count = 0;
  let i = start;
  while (i < end) {
    while (i < end && line.charCodeAt(i) === 0x20) i++;
    if (i >= end) break;
    const tokenStart = i;
    for (;;) {
      if (line.charCodeAt(i) === 0x22) {
        const q = line.indexOf('"', i + 1);
        i = q === -1 || q >= end ? end : q + 1;
      }
      while (i < end && line.charCodeAt(i) !== 0x20) i++;
      if (i < end && line.charCodeAt(i - 1) === 0x2c) {
        while (i < end && line.charCodeAt(i) === 0x20) i++;
        continue;
      }
      break;
    }
    if (count === MAX_RUN_TOKENS) return -1;
    starts[count] = tokenStart;
    ends[count] = i;
    count++;
  }
  return count;
}

/** The quote closing a value that starts at `from`: unescaped, and followed by what the format says follows. */
function closingQuote(line: string, from: number, step: Step): number {
  const stop = step.text;
  let first = -1;
  let q = from - 1;
  for (;;) {
    q = line.indexOf('"', q + 1);
    if (q === -1) return first;
    if (line.charCodeAt(q - 1) === 0x5c) {
      let b = q - 1;
      while (b >= from && line.charCodeAt(b) === 0x5c) b--;
      if ((q - 1 - b) % 2 === 1) continue; // escaped
    }
    if (first === -1) first = q;
    const after = q + 1;
    if (after === line.length) return q;
    if (stop === ' ' || stop === '') {
      if (line.charCodeAt(after) !== 0x20) continue;
    } else if (!line.startsWith(stop, after)) continue;
    if (step.numericNext) {
      let n = after + stop.length;
      while (line.charCodeAt(n) === 0x20) n++;
      const c = line.charCodeAt(n);
      if (!((c >= 48 && c <= 57) || c === 0x2d)) continue;
    }
    return q;
  }
}

/** Where a value that starts at `pos` ends, given what follows it; -1 if that never comes. */
function valueEnd(line: string, pos: number, stop: string, list: boolean): number {
  if (stop === '' || stop === ' ') {
    let sp = line.indexOf(' ', pos);
    if (list) {
      // `a, b` and nginx's `a : b` continue a list.
      while (sp !== -1) {
        if (line.charCodeAt(sp - 1) === 0x2c) sp = line.indexOf(' ', sp + 1);
        else if (line.charCodeAt(sp + 1) === 0x3a && line.charCodeAt(sp + 2) === 0x20) sp = line.indexOf(' ', sp + 3);
        else break;
      }
    }
    return sp === -1 ? line.length : sp;
  }
  return line.indexOf(stop, pos);
}

/** Share of sample lines a parser accepts, nudged (< 0.1%) toward formats that capture more fields. */
export function scoreLines(parser: LineParser & { captured?: number }, lines: string[]): number {
  let considered = 0;
  let accepted = 0;
  let captured = 0;
  for (const line of lines) {
    const result = parser.parse(line, '');
    if (result === null) continue;
    considered++;
    if (!('reject' in result)) {
      accepted++;
      captured += parser.captured ?? 0;
    }
  }
  if (considered === 0 || accepted === 0) return 0;
  return (accepted / considered) * (0.999 + (0.001 * Math.min(captured / accepted, 32)) / 32);
}

