import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/metrics/recorder.js';
import { RateCurve } from '../../src/schedule/rate-curve.js';
import { UserCurve } from '../../src/schedule/user-curve.js';
import { formatProgressLine, ProgressLine, progressSnapshot, type ProgressCurve, type ProgressSnapshot } from '../../src/reports/progress.js';
import type { ThresholdResult } from '../../src/thresholds/evaluate.js';

/** 30 s: a ramp stage to 10 s (1 → 3 sessions/s), then a hold at 3 sessions/s. */
const CURVE: ProgressCurve = {
  durationMs: 30_000,
  rateAt: (t) => (t < 10_000 ? 1 + (2 * t) / 10_000 : 3),
  stageAt: (t) => (t < 10_000 ? 'ramp' : 'hold'),
};

/**
 * 15 s of outcomes: seconds 0–4 are slow (900 ms) and all fail; seconds 5–14 answer in
 * 20–29 ms, 20 requests a second, 1 error a second. The last 10 s must not see the slow start.
 */
function recorder(): Recorder {
  const r = new Recorder(0);
  for (let s = 0; s < 15; s++) {
    const slow = s < 5;
    for (let i = 0; i < 20; i++) {
      const intendedMs = s * 1000 + i * 50;
      const status = slow || i === 0 ? 503 : 200;
      r.record({ endpointKey: 'GET /', stage: s < 10 ? 'ramp' : 'hold', intendedMs, sentMs: intendedMs, endMs: intendedMs + (slow ? 900 : 20 + (i % 10)), status, failure: null, bytes: 0 });
    }
  }
  r.droppedSessions = 2;
  return r;
}

const failing: ThresholdResult[] = [
  { expression: 'p95 < 500ms', ok: true, actual: 1, actualText: '1ms', abortOnFail: false },
  { expression: 'error_rate < 1%', ok: false, actual: 0.3, actualText: '30%', abortOnFail: false },
];

describe('progressSnapshot', () => {
  it('measures the last 10 complete seconds, the target from the curve, totals and failing thresholds', () => {
    const snap = progressSnapshot(recorder(), { elapsedMs: 15_000, inFlight: 7, curve: CURVE, meanSessionLength: 4, thresholds: failing });
    expect(snap).toMatchObject({
      elapsedMs: 15_000,
      durationMs: 30_000,
      stage: 'hold',
      targetPerSec: 12,
      achievedPerSec: 20,
      inFlight: 7,
      errorRate: 0.05,
      windowSec: 10,
      requests: 300,
      errors: 5 * 20 + 10,
      dropped: 2,
      failing: ['error_rate < 1%'],
    });
    // The slow first five seconds are outside the window.
    expect(snap.p95Ms).toBeGreaterThanOrEqual(28);
    expect(snap.p99Ms).toBeLessThan(31);
    expect(snap.p95Ms as number).toBeLessThanOrEqual(snap.p99Ms as number);
  });

  it('uses what there is at the start, and the ramp target in the ramp', () => {
    const snap = progressSnapshot(recorder(), { elapsedMs: 3_000, inFlight: 0, curve: CURVE, meanSessionLength: 2 });
    expect(snap.windowSec).toBe(3);
    expect(snap.stage).toBe('ramp');
    expect(snap.targetPerSec).toBeCloseTo(3.2, 5);
    expect(snap.errorRate).toBe(1);
    expect(snap.p95Ms).toBeGreaterThan(800);
    expect(snap.failing).toEqual([]);
  });

  it('reports no latency and no error rate before anything was measured', () => {
    const snap = progressSnapshot(new Recorder(0), { elapsedMs: 1_000, inFlight: 3, curve: CURVE, meanSessionLength: 1 });
    expect(snap).toMatchObject({ p95Ms: null, p99Ms: null, errorRate: null, achievedPerSec: 0, requests: 0 });
  });

  it("takes the schedule's own curves: a RateCurve (open model) or a UserCurve (closed model)", () => {
    const open = new RateCurve([{ startMs: 0, endMs: 20_000, fromPerSec: 2, toPerSec: 4, stage: 'ramp' }]);
    expect(progressSnapshot(recorder(), { elapsedMs: 10_000, inFlight: 1, curve: open, meanSessionLength: 5 })).toMatchObject({ stage: 'ramp', targetPerSec: 15, targetUsers: null, durationMs: 20_000 });
    const closed = new UserCurve([{ startMs: 0, endMs: 20_000, fromUsers: 10, toUsers: 50, stage: 'vus' }]);
    const snap = progressSnapshot(recorder(), { elapsedMs: 10_000, inFlight: 25, sessions: 28, curve: closed, meanSessionLength: 5 });
    expect(snap).toMatchObject({ stage: 'vus', targetPerSec: null, targetUsers: 30, sessions: 28 });
    expect(formatProgressLine(snap)).toContain('· rate 20.0 req/s · users 28/30 · in flight 25 ·');
  });

  it('names the last stage after the end of the curve', () => {
    expect(progressSnapshot(new Recorder(0), { elapsedMs: 31_000, inFlight: 0, curve: CURVE, meanSessionLength: 1 }).stage).toBe('hold');
  });
});

const SNAP: ProgressSnapshot = {
  elapsedMs: 15_000,
  durationMs: 60_000,
  stage: 'spike',
  targetPerSec: 42.5,
  targetUsers: null,
  sessions: null,
  achievedPerSec: 40.04,
  inFlight: 17,
  p95Ms: 612.3,
  p99Ms: 1840,
  errorRate: 0.0123,
  windowSec: 10,
  requests: 600,
  errors: 9,
  dropped: 0,
  failing: ['p95 < 500ms'],
};

describe('formatProgressLine', () => {
  it('has stage, elapsed and remaining time, target vs achieved, in flight, p95/p99, errors and failing thresholds', () => {
    expect(formatProgressLine(SNAP)).toBe(
      '[█████░░░░░░░░░░░░░░░] 15s/1m (45s left) · stage spike · rate 40.0/42.5 req/s · in flight 17 · p95 612ms p99 1.84s (last 10s) · errors 1.23% · ✗ p95 < 500ms',
    );
  });

  it('shows dashes before there is data, and drops', () => {
    const line = formatProgressLine({ ...SNAP, p95Ms: null, p99Ms: null, errorRate: null, dropped: 3, failing: [] });
    expect(line).toContain('p95/p99 – (last 10s)');
    expect(line).toContain('errors –');
    expect(line).toContain('3 dropped');
    expect(line).not.toContain('✗');
  });

  it('colours failing thresholds only when asked', () => {
    expect(formatProgressLine(SNAP, { color: true })).toContain('\u001b[31m✗ p95 < 500ms\u001b[0m');
    expect(formatProgressLine(SNAP)).not.toContain('\u001b');
  });
});

describe('ProgressLine', () => {
  it('on a terminal redraws one line in place every second', () => {
    const progress = new ProgressLine({ tty: true });
    const first = progress.update({ ...SNAP, elapsedMs: 1_000 });
    const second = progress.update(SNAP);
    for (const text of [first, second]) {
      expect(text.startsWith('\r')).toBe(true);
      expect(text.endsWith('\u001b[K')).toBe(true);
      expect(text).not.toContain('\n');
    }
    expect(second).toContain('15s/1m');
    expect(progress.finish()).toBe('\r\u001b[K');
    expect(progress.finish()).toBe('');
  });

  it('cuts the line to the terminal width so that redraws never wrap', () => {
    const text = new ProgressLine({ tty: true, columns: 60, color: true }).update(SNAP);
    // eslint-disable-next-line no-control-regex
    const visible = text.replace(/\u001b\[[0-9;]*[mK]/g, '').replace('\r', '');
    expect(visible).toHaveLength(60);
    expect(visible.endsWith('…')).toBe(true);
  });

  it('without a terminal writes one plain line every 10 s and nothing in between', () => {
    const progress = new ProgressLine({ tty: false });
    const out = [1, 2, 9, 10, 11, 19, 20].map((s) => progress.update({ ...SNAP, elapsedMs: s * 1000 }));
    expect(out.map((t) => t !== '')).toEqual([false, false, false, true, false, false, true]);
    // due() says so beforehand, so that the run builds a snapshot only for a line it will print.
    expect([1, 2, 9, 10, 11, 19, 20].map((s) => progress.due(s * 1000))).toEqual([false, false, false, true, false, false, true]);
    expect(new ProgressLine({ tty: true }).due(3_000)).toBe(true);
    expect(out[3]).toMatch(/^ {2}\[.*10s\/1m \(50s left\).*\n$/);
    expect(out.join('')).not.toContain('\r');
    expect(out.join('')).not.toContain('\u001b');
    expect(progress.finish()).toBe('');
  });
});
