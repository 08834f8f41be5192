import { describe, expect, it } from 'vitest';
import { parseThreshold, parseThresholds, ThresholdSyntaxError } from '../../src/thresholds/parse.js';

describe('parseThreshold: valid expressions', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['p95 < 500ms', { stat: { kind: 'percentile', p: 95 }, op: '<', value: 500 }],
    ['p99 < 2s in stage spike', { stat: { kind: 'percentile', p: 99 }, op: '<', value: 2000, stage: 'spike' }],
    ['p99.9<=1500', { stat: { kind: 'percentile', p: 99.9 }, op: '<=', value: 1500 }],
    ['avg < 250us', { stat: { kind: 'avg' }, value: 0.25 }],
    ['med < 100ms', { stat: { kind: 'percentile', p: 50 }, value: 100 }],
    ['error_rate < 1% in every 10s window', { stat: { kind: 'error_rate' }, value: 0.01, windowMs: 10_000 }],
    ['error_rate < 0.05', { stat: { kind: 'error_rate' }, value: 0.05 }],
    ['success_rate > 99% for "POST /api/checkout"', { stat: { kind: 'success_rate' }, op: '>', value: 0.99, endpoint: 'POST /api/checkout' }],
    ['success_rate >= 99.5% for POST /api/checkout', { endpoint: 'POST /api/checkout', op: '>=', value: 0.995 }],
    ["p95 < 300ms for 'GET /api/products*' in stage steady", { endpoint: 'GET /api/products*', stage: 'steady' }],
    ['rps > 50/s', { stat: { kind: 'rps' }, op: '>', value: 50 }],
    ['count >= 100', { stat: { kind: 'count' }, op: '>=', value: 100 }],
    ['max != 0', { stat: { kind: 'max' }, op: '!=', value: 0 }],
    ['error_rate < 5% for "GET /*" in every 1m window', { windowMs: 60_000, endpoint: 'GET /*' }],
  ];
  for (const [expression, expected] of cases) {
    it(expression, () => {
      expect(parseThreshold(expression)).toMatchObject({ expression, ...expected });
    });
  }
});

describe('parseThreshold: invalid expressions name the position', () => {
  const cases: [string, number, RegExp][] = [
    ['', 1, /expected a statistic/],
    ['p95', 4, /expected an operator/],
    ['p95 <', 6, /expected a value/],
    ['p101 < 5ms', 1, /out of range/],
    ['latency < 5ms', 1, /unknown statistic "latency"/],
    ['p95 = 5ms', 5, /"=" is not an operator/],
    ['p95 < fast', 7, /not a number/],
    ['p95 < 5%', 7, /latency: use us, ms or s/],
    ['error_rate < 5ms', 14, /share: use %/],
    ['error_rate < 5', 14, /not a fraction/],
    ['p95 < 5ms during spike', 11, /unexpected "during"/],
    ['p95 < 5ms in phase x', 14, /expected "stage" or "every"/],
    ['error_rate < 1% in every 1.5s window', 26, /whole number of seconds/],
    ['p95 < 5ms for "GET /x', 15, /unterminated quote/],
    ['p95 < 5ms for "GET /x" in every 10s window', 1, /both "for" and a window/],
  ];
  for (const [expression, position, message] of cases) {
    it(JSON.stringify(expression), () => {
      let error: unknown;
      try {
        parseThreshold(expression);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ThresholdSyntaxError);
      const syntax = error as ThresholdSyntaxError;
      expect(syntax.message).toMatch(message);
      expect(syntax.position + 1).toBe(position);
      expect(syntax.code).toBe('E_CONFIG');
    });
  }
});

describe('parseThresholds', () => {
  it('collects every problem, not only the first', () => {
    const { thresholds, problems } = parseThresholds(['p95 < 500ms', 'bogus < 1', { threshold: 'p99 <', abortOnFail: true }, { threshold: 'error_rate < 1%', abortOnFail: true, delayAbortEval: '10s' }]);
    expect(thresholds).toHaveLength(2);
    expect(thresholds[1]).toMatchObject({ abortOnFail: true, abortGraceMs: 10_000 });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^thresholds\[1\]: /);
    expect(problems[1]).toMatch(/^thresholds\[2\]: /);
  });
});
