import { TidemarkError } from '../core/errors.js';
import { parseDurationMs } from '../core/duration.js';

/*
 * Threshold grammar (whitespace between tokens is free):
 *
 *   threshold := stat op value scope*
 *   stat      := "p" NUMBER            percentile of latency from the intended send time (p50 … p99.9)
 *              | "avg" | "min" | "max" | "med"            latency
 *              | "error_rate" | "success_rate"            share of requests (errors: transport failure or 5xx)
 *              | "rps"                                     requests per second over the scope's time
 *              | "count"                                   requests in the scope
 *   op        := "<" | "<=" | ">" | ">=" | "==" | "!="
 *   value     := NUMBER unit?
 *   unit      := "us" | "ms" | "s"      for latency stats (a bare number means ms)
 *              | "%"                    for rates (a bare number is a fraction: 0.01 = 1%)
 *              | "/s"                   for rps
 *   scope     := "for" ENDPOINT          exact key or glob, quoted when it has spaces: for "POST /api/checkout", for "GET /api/*"
 *              | "in" "stage" NAME        only requests whose intended send time fell in that stage
 *              | "in" "every" DURATION "window"    must hold in every window of that length (10s, 1m)
 *
 * Examples: `p95 < 500ms in stage steady`, `error_rate < 1% in every 10s window`,
 * `success_rate > 99% for "POST /api/checkout"`.
 */

export type Stat = { kind: 'percentile'; p: number } | { kind: 'avg' | 'min' | 'max' | 'error_rate' | 'success_rate' | 'rps' | 'count' };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  expression: string;
  stat: Stat;
  op: Operator;
  /** In the stat's base unit: ms for latency, a fraction for rates, per second for rps. */
  value: number;
  endpoint?: string;
  stage?: string;
  windowMs?: number;
  abortOnFail: boolean;
  /** Failures before this much run time do not abort (a grace period for warm-up). */
  abortGraceMs: number;
}

export class ThresholdSyntaxError extends TidemarkError {
  readonly position: number;
  constructor(expression: string, position: number, message: string) {
    super('E_CONFIG', `threshold "${expression}": ${message} at position ${position + 1}`, {
      hint: 'e.g. "p95 < 500ms in stage steady", "error_rate < 1% in every 10s window", \'success_rate > 99% for "POST /api/checkout"\'',
    });
    this.name = 'ThresholdSyntaxError';
    this.position = position;
  }
}

interface Token {
  text: string;
  pos: number;
  quoted: boolean;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const ch = expression[i] as string;
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const end = expression.indexOf(ch, i + 1);
      if (end < 0) throw new ThresholdSyntaxError(expression, i, 'unterminated quote');
      tokens.push({ text: expression.slice(i + 1, end), pos: i, quoted: true });
      i = end + 1;
      continue;
    }
    if ('<>=!'.includes(ch)) {
      const two = expression.slice(i, i + 2);
      const op = ['<=', '>=', '==', '!='].includes(two) ? two : ch;
      if (op === '!' || op === '=') throw new ThresholdSyntaxError(expression, i, `"${op}" is not an operator (use <, <=, >, >=, ==, !=)`);
      tokens.push({ text: op, pos: i, quoted: false });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < expression.length && !' \t<>=!"\''.includes(expression[j] as string)) j++;
    tokens.push({ text: expression.slice(i, j), pos: i, quoted: false });
    i = j;
  }
  return tokens;
}

const LATENCY_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
const SIMPLE_STATS = ['avg', 'min', 'max', 'error_rate', 'success_rate', 'rps', 'count'] as const;

export function isLatencyStat(stat: Stat): boolean {
  return stat.kind === 'percentile' || stat.kind === 'avg' || stat.kind === 'min' || stat.kind === 'max';
}

export function parseThreshold(expression: string, options: { abortOnFail?: boolean; abortGraceMs?: number } = {}): Threshold {
  if (typeof expression !== 'string') throw new ThresholdSyntaxError(String(expression), 0, 'a threshold is a string such as "p95 < 500ms"');
  const tokens = tokenize(expression);
  let k = 0;
  const end = expression.length;
  const expect = (what: string): Token => {
    const token = tokens[k++];
    if (!token) throw new ThresholdSyntaxError(expression, end, `expected ${what} but the expression ended`);
    return token;
  };

  const statToken = expect('a statistic (p95, avg, error_rate, ...)');
  let stat: Stat;
  const statText = statToken.text.toLowerCase();
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(statText);
  if (percentile) {
    const p = Number(percentile[1]);
    if (!(p > 0 && p <= 100)) throw new ThresholdSyntaxError(expression, statToken.pos, `percentile ${p} is out of range (0, 100]`);
    stat = { kind: 'percentile', p };
  } else if (statText === 'med') {
    stat = { kind: 'percentile', p: 50 };
  } else if ((SIMPLE_STATS as readonly string[]).includes(statText)) {
    stat = { kind: statText as (typeof SIMPLE_STATS)[number] };
  } else {
    throw new ThresholdSyntaxError(expression, statToken.pos, `unknown statistic "${statToken.text}" (use p50…p99.9, avg, min, max, med, error_rate, success_rate, rps, count)`);
  }

  const opToken = expect('an operator (<, <=, >, >=, ==, !=)');
  if (!['<', '<=', '>', '>=', '==', '!='].includes(opToken.text)) {
    throw new ThresholdSyntaxError(expression, opToken.pos, `expected an operator (<, <=, >, >=, ==, !=), found "${opToken.text}"`);
  }
  const op = opToken.text as Operator;

  const valueToken = expect('a value');
  const valueMatch = /^(-?\d+(?:\.\d+)?)(us|ms|s|%|\/s)?$/.exec(valueToken.text);
  if (!valueMatch) throw new ThresholdSyntaxError(expression, valueToken.pos, `"${valueToken.text}" is not a number with an optional unit (ms, s, %, /s)`);
  let value = Number(valueMatch[1]);
  if (!Number.isFinite(value)) throw new ThresholdSyntaxError(expression, valueToken.pos, `${valueToken.text.slice(0, 20)}… is too large a number`);
  const unit = valueMatch[2];
  if (isLatencyStat(stat)) {
    if (unit && !(unit in LATENCY_UNITS)) throw new ThresholdSyntaxError(expression, valueToken.pos, `${statText} is a latency: use us, ms or s, not "${unit}"`);
    value *= LATENCY_UNITS[unit ?? 'ms'] as number;
  } else if (stat.kind === 'error_rate' || stat.kind === 'success_rate') {
    if (unit && unit !== '%') throw new ThresholdSyntaxError(expression, valueToken.pos, `${statText} is a share: use % or a fraction, not "${unit}"`);
    if (unit === '%') value /= 100;
    else if (value > 1) throw new ThresholdSyntaxError(expression, valueToken.pos, `${value} is not a fraction: write ${value}% for a percentage`);
  } else if (stat.kind === 'rps') {
    if (unit && unit !== '/s') throw new ThresholdSyntaxError(expression, valueToken.pos, `rps takes a plain number or /s, not "${unit}"`);
  } else if (unit) {
    throw new ThresholdSyntaxError(expression, valueToken.pos, `count takes a plain number, not "${unit}"`);
  }

  const threshold: Threshold = {
    expression,
    stat,
    op,
    value,
    abortOnFail: options.abortOnFail ?? false,
    abortGraceMs: options.abortGraceMs ?? 0,
  };

  while (k < tokens.length) {
    const word = tokens[k++] as Token;
    const lower = word.text.toLowerCase();
    if (lower === 'for' && !word.quoted) {
      const endpoint = expect('an endpoint key or glob');
      let key = endpoint.text;
      // Unquoted `for GET /api/x`: take the method and the path as two tokens.
      const next = tokens[k];
      if (!endpoint.quoted && /^[A-Z]+$/.test(key) && next && next.text.startsWith('/')) {
        key = `${key} ${next.text}`;
        k++;
      }
      if (threshold.endpoint) throw new ThresholdSyntaxError(expression, word.pos, 'only one "for" scope is allowed');
      threshold.endpoint = key;
    } else if (lower === 'in' && !word.quoted) {
      const what = expect('"stage NAME" or "every DURATION window"');
      if (what.text.toLowerCase() === 'stage') {
        const name = expect('a stage name');
        if (threshold.stage) throw new ThresholdSyntaxError(expression, word.pos, 'only one stage scope is allowed');
        threshold.stage = name.text;
      } else if (what.text.toLowerCase() === 'every') {
        const duration = expect('a window length such as 10s');
        let ms: number;
        try {
          ms = parseDurationMs(duration.text, 'window');
        } catch {
          throw new ThresholdSyntaxError(expression, duration.pos, `"${duration.text}" is not a duration (use e.g. 10s, 1m)`);
        }
        if (ms < 1000 || ms % 1000 !== 0) throw new ThresholdSyntaxError(expression, duration.pos, 'a window is a whole number of seconds, at least 1s');
        const windowWord = tokens[k];
        if (windowWord && windowWord.text.toLowerCase() === 'window') k++;
        threshold.windowMs = ms;
      } else {
        throw new ThresholdSyntaxError(expression, what.pos, `expected "stage" or "every" after "in", found "${what.text}"`);
      }
    } else {
      throw new ThresholdSyntaxError(expression, word.pos, `unexpected "${word.text}" (scopes are: for ENDPOINT, in stage NAME, in every 10s window)`);
    }
  }
  if (threshold.windowMs !== undefined && threshold.endpoint !== undefined && isLatencyStat(stat)) {
    // Per-second buckets keep latency for the whole run only, not per endpoint (memory).
    throw new ThresholdSyntaxError(expression, 0, 'a latency threshold cannot have both "for" and a window (rates can)');
  }
  return threshold;
}

/** A profile's threshold entry: a string, or an object with abort options. */
export type ThresholdSpec = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

/** Parses every spec; collects every problem (a profile lists all at once). */
export function parseThresholds(specs: readonly ThresholdSpec[]): { thresholds: Threshold[]; problems: string[] } {
  const thresholds: Threshold[] = [];
  const problems: string[] = [];
  specs.forEach((spec: unknown, index) => {
    const where = `thresholds[${index}]`;
    try {
      if (typeof spec === 'string') {
        thresholds.push(parseThreshold(spec));
        return;
      }
      if (spec === null || typeof spec !== 'object' || Array.isArray(spec) || typeof (spec as { threshold?: unknown }).threshold !== 'string') {
        problems.push(`${where}: expected a string such as "p95 < 500ms", or { "threshold": "...", "abortOnFail": true, "delayAbortEval": "10s" }`);
        return;
      }
      const entry = spec as { threshold: string; abortOnFail?: unknown; delayAbortEval?: unknown };
      if (entry.abortOnFail !== undefined && typeof entry.abortOnFail !== 'boolean') {
        problems.push(`${where}: abortOnFail must be true or false`);
        return;
      }
      if (entry.delayAbortEval !== undefined && typeof entry.delayAbortEval !== 'string') {
        problems.push(`${where}: delayAbortEval must be a duration such as "10s"`);
        return;
      }
      let grace = 0;
      if (entry.delayAbortEval !== undefined) {
        try {
          grace = parseDurationMs(entry.delayAbortEval, 'delayAbortEval');
        } catch {
          problems.push(`${where}: delayAbortEval "${entry.delayAbortEval}" is not a duration (e.g. 10s)`);
          return;
        }
      }
      thresholds.push(parseThreshold(entry.threshold, { abortOnFail: entry.abortOnFail ?? false, abortGraceMs: grace }));
    } catch (err) {
      problems.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return { thresholds, problems };
}
