import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/metrics/recorder.js';
import { endpointMatcher, evaluateThreshold, type EvaluationInput } from '../../src/thresholds/evaluate.js';
import { parseThreshold } from '../../src/thresholds/parse.js';

/** 60 s of traffic: 10 req/s on two endpoints; latency 100 ms, but 900 ms in the spike stage (40-50 s); 5xx burst in 20-30 s. */
function sixtySeconds(): EvaluationInput {
  const recorder = new Recorder(0);
  for (let second = 0; second < 60; second++) {
    for (let i = 0; i < 10; i++) {
      const intendedMs = second * 1000 + i * 100;
      const spike = second >= 40 && second < 50;
      const burst = second >= 20 && second < 30 && i < 2;
      const endpointKey = i % 2 === 0 ? 'GET /api/products' : 'POST /api/checkout';
      recorder.record({
        endpointKey,
        stage: spike ? 'spike' : 'steady',
        intendedMs,
        sentMs: intendedMs,
        endMs: intendedMs + (spike ? 900 : 100),
        status: burst ? 503 : 200,
        failure: null,
        bytes: 10,
      });
    }
  }
  return {
    recorder,
    elapsedMs: 60_000,
    stages: [
      { name: 'steady', startMs: 0, endMs: 40_000 },
      { name: 'spike', startMs: 40_000, endMs: 50_000 },
      { name: 'steady', startMs: 50_000, endMs: 60_000 },
    ],
  };
}

const judge = (expression: string, input = sixtySeconds()) => evaluateThreshold(parseThreshold(expression), input);

describe('evaluateThreshold', () => {
  it('p95 in the steady stage passes while the spike stage fails', () => {
    const steady = judge('p95 < 500ms in stage steady');
    expect(steady.ok).toBe(true);
    expect(steady.actual).toBeCloseTo(100, 0); // within HDR's 3 significant digits
    const spike = judge('p99 < 500ms in stage spike');
    expect(spike.ok).toBe(false);
    expect(spike.actual).toBeCloseTo(900, 0);
    expect(judge('p99 < 2s in stage spike').ok).toBe(true);
  });
  it('whole-run error rate hides a 10-second burst that a window catches', () => {
    const whole = judge('error_rate < 5%');
    expect(whole.ok).toBe(true);
    expect(whole.actual).toBeCloseTo(20 / 600, 5);
    const windowed = judge('error_rate < 5% in every 10s window');
    expect(windowed.ok).toBe(false);
    expect(windowed.actual).toBeCloseTo(0.2, 5);
    expect(windowed.worstWindowStartSec).toBe(20);
    expect(windowed.actualText).toMatch(/20\.00% \(worst window at 20s\)/);
  });
  it('scopes by endpoint, exact or glob, with windows too', () => {
    // The burst hits i = 0 and 1: one products and one checkout request per second.
    expect(judge('success_rate > 99% for "POST /api/checkout"')).toMatchObject({ ok: false });
    expect(judge('success_rate > 95% for "POST /api/checkout"').actual).toBeCloseTo(1 - 10 / 300, 5);
    expect(judge('error_rate < 15% for "POST /*" in every 10s window')).toMatchObject({ ok: false, actual: 0.2 });
    expect(judge('count == 300 for "GET /api/*"')).toMatchObject({ ok: true, actual: 300 });
  });
  it('computes rps over the scope and says "no data" for an empty scope', () => {
    expect(judge('rps >= 10')).toMatchObject({ ok: true, actual: 10 });
    expect(judge('rps >= 10 in stage spike')).toMatchObject({ ok: true, actual: 10 });
    const empty = judge('p95 < 1s for "GET /nothing"');
    expect(empty).toMatchObject({ ok: false, actual: null, actualText: 'no data' });
  });
  it('matches globs', () => {
    const m = endpointMatcher('GET /api/*');
    expect(m('GET /api/products/:id')).toBe(true);
    expect(m('POST /api/cart')).toBe(false);
    expect(endpointMatcher('GET /a.b')('GET /aXb')).toBe(false);
  });
});
