import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseThreshold, parseThresholds, ThresholdSyntaxError, type Threshold } from '../../src/thresholds/parse.js';
import { checkProperty } from './check.js';

/*
 * Issue 10, "bad input": the threshold grammar on any text either gives a Threshold or throws a
 * ThresholdSyntaxError whose position points into the expression (0 … length, where length is
 * "the expression ended"); never another exception. Fixed seed, bounded runs.
 */

const SEED = 20_261_010;
const RUNS = 1_000;

/** Messages of JavaScript's own errors: a user must never see one of these for bad input. */
const JS_ERROR = /Cannot read propert|is not a function|is not iterable|Cannot convert|undefined \(reading|Maximum call stack/;

function outcome(expression: string): Threshold | ThresholdSyntaxError {
  try {
    return parseThreshold(expression);
  } catch (err) {
    if (err instanceof ThresholdSyntaxError) return err;
    throw new Error(`parseThreshold(${JSON.stringify(expression)}) threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
}

function checkExpression(expression: string): void {
  const result = outcome(expression);
  if (result instanceof ThresholdSyntaxError) {
    if (!(Number.isInteger(result.position) && result.position >= 0 && result.position <= expression.length)) {
      throw new Error(`position ${result.position} is outside ${JSON.stringify(expression)} (length ${expression.length})`);
    }
    if (result.code !== 'E_CONFIG' || !result.message.includes(`at position ${result.position + 1}`) || JS_ERROR.test(result.message)) {
      throw new Error(`bad error for ${JSON.stringify(expression)}: ${result.message}`);
    }
    return;
  }
  // A threshold that parsed is usable: a number, a known operator, whole-second windows.
  // (Finite too, but see the known bug below: 400 digits parse to Infinity.)
  const t = result;
  if (Number.isNaN(t.value)) throw new Error(`${JSON.stringify(expression)} parsed to value ${t.value}`);
  if (!['<', '<=', '>', '>=', '==', '!='].includes(t.op)) throw new Error(`${JSON.stringify(expression)} parsed to operator ${t.op}`);
  if (t.stat.kind === 'percentile' && !(t.stat.p > 0 && t.stat.p <= 100)) throw new Error(`${JSON.stringify(expression)} parsed to p${t.stat.p}`);
  if (t.windowMs !== undefined && !(Number.isInteger(t.windowMs / 1000) && t.windowMs >= 1000)) throw new Error(`${JSON.stringify(expression)} parsed to a ${t.windowMs} ms window`);
  if (t.expression !== expression) throw new Error(`expression not kept: ${JSON.stringify(t.expression)}`);
}

// Pieces of the grammar (and near misses), so that random expressions get past the first token.
const STATS = ['p95', 'p99.9', 'p50', 'p0', 'p100', 'p100.0001', 'p1e3', 'P95', 'avg', 'min', 'max', 'med', 'error_rate', 'success_rate', 'rps', 'count', 'latency', ''];
const OPS = ['<', '<=', '>', '>=', '==', '!=', '=', '!', '=>', '<>', '<<', '==='];
const VALUES = ['500ms', '1s', '2', '0.01', '1%', '99.9%', '-1', '0', '10/s', '5us', '1m', '1.', '.5', '1e3', '5 ms', 'ms', '%', '9'.repeat(400), `0.${'0'.repeat(400)}1`];
const SCOPES = [
  'for', 'in', 'stage', 'every', 'window', 'steady', '"POST /api/checkout"', "'GET /api/*'", 'GET', '/api/*', 'POST /x',
  '10s', '1s', '0.5s', '1500ms', '2m', '0s', '"unterminated', "'", '"', '""', 'for for', 'in stage', 'in every',
];
const grammarish = fc
  .tuple(
    fc.constantFrom(...STATS),
    fc.constantFrom(...OPS),
    fc.constantFrom(...VALUES),
    fc.array(fc.constantFrom(...SCOPES), { maxLength: 6 }),
    fc.constantFrom(' ', '', '  ', '\t'),
  )
  .map(([stat, op, value, scopes, sep]) => [stat, op, value, ...scopes].join(sep));

const notAnArray = fc.anything().filter((v) => !Array.isArray(v));

describe('parseThreshold on any text', () => {
  it('accepts the documented examples', () => {
    for (const e of ['p95 < 500ms in stage steady', 'error_rate < 1% in every 10s window', 'success_rate > 99% for "POST /api/checkout"', 'rps > 50']) {
      expect(outcome(e)).not.toBeInstanceOf(ThresholdSyntaxError);
    }
  });

  it('returns a threshold or throws a ThresholdSyntaxError with a position inside the text', () => {
    checkProperty(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme-ascii', maxLength: 80 }), grammarish), checkExpression),
      SEED,
      RUNS,
    );
  });

  it('near-valid expressions (grammar pieces in any order) never escape as another exception', () => {
    checkProperty(fc.property(grammarish, checkExpression), SEED + 1, RUNS);
  });

  it('parseThresholds collects a problem per bad entry, whatever the entries are, and never throws', () => {
    checkProperty(
      fc.property(
        // Arrays as `threshold` are left out: one holding "" hangs the parser (known bug below).
        fc.array(fc.oneof(grammarish, fc.anything(), fc.record({ threshold: fc.oneof(grammarish, notAnArray), abortOnFail: fc.anything(), delayAbortEval: fc.anything() }, { requiredKeys: [] }))),
        (specs) => {
          const { thresholds, problems } = parseThresholds(specs as never);
          expect(thresholds.length + problems.length).toBe(specs.length);
          for (const problem of problems) expect(problem).toMatch(/^thresholds\[\d+\]: /);
        },
      ),
      SEED + 2,
      300,
    );
  });
});

/* Bugs the properties above found (issue 10), now fixed: each stays as a regression test. */
describe('fixed bugs in src/thresholds/parse.ts', () => {
  it('a value of 400 digits is a syntax error, not Infinity', () => {
    expect(outcome(`p95 < ${'9'.repeat(400)}`)).toBeInstanceOf(ThresholdSyntaxError);
  });

  it('a profile entry that is not a string or { threshold: string } gets a problem that says so, not a JavaScript error', () => {
    const { problems } = parseThresholds([{}, 5, null, { threshold: 'p95 < 1s', delayAbortEval: {} }] as never);
    expect(problems).toHaveLength(4);
    for (const problem of problems) expect(problem).not.toMatch(JS_ERROR);
  });

  // It once looped forever: tokenize() took the array's "" for a zero-length operator.
  it('a threshold that is an array holding "" gets a problem (it once looped forever)', () => {
    const { problems } = parseThresholds([{ threshold: ['', 'x'] as unknown as string }]);
    expect(problems).toHaveLength(1);
  });

  it('abortOnFail must be a boolean', () => {
    const { thresholds, problems } = parseThresholds([{ threshold: 'p95 < 1s', abortOnFail: 'yes' as unknown as boolean }]);
    expect(thresholds.every((t) => typeof t.abortOnFail === 'boolean')).toBe(true);
    expect(problems).toHaveLength(1);
  });
});
