import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/metrics/recorder.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';
import { renderSeriesNdjson, seriesFromRecorder, stageAtMs } from '../../src/reports/series.js';

const STAGES = [
  { name: 'ramp', startMs: 0, endMs: 2000 },
  { name: 'hold', startMs: 2000, endMs: 4000 },
];

/** 4 seconds: 10 requests a second, latency 10…100 ms; second 3 has 4 errors. */
function recorded(): Recorder {
  const recorder = new Recorder(1000);
  for (let s = 0; s < 4; s++) {
    for (let i = 0; i < 10; i++) {
      const intendedMs = 1000 + s * 1000 + i * 100;
      const status = s === 3 && i < 4 ? 503 : 200;
      recorder.record({ endpointKey: 'GET /', stage: s < 2 ? 'ramp' : 'hold', intendedMs, sentMs: intendedMs, endMs: intendedMs + (i + 1) * 10, status, failure: null, bytes: 1 });
    }
  }
  return recorder;
}

/** Results with the series as files have carried it from the start: p95 only. */
function results(recorder: Recorder): RunResults {
  const built = buildResults({
    tidemarkVersion: '0.1.0',
    recorder,
    thresholds: [],
    target: 'http://127.0.0.1:1',
    source: 'test',
    knobs: { mode: 'stages', scale: 1, speed: 1, window: 'peak', durationMs: 4000, seed: 1, warmStart: false, maxInFlight: 10, connections: null, description: 'test' },
    stages: STAGES,
    startedAtWallMs: Date.UTC(2026, 0, 1, 0, 0, 0),
    endedAtWallMs: Date.UTC(2026, 0, 1, 0, 0, 4),
    durationMs: 4000,
    targetSessionsPerSec: 1,
    meanSessionLength: 10,
    partial: false,
    partialReason: null,
    eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
  });
  return { ...built, series: built.series.map(({ second, requests, errors, p95Ms }) => ({ second, requests, errors, p95Ms })) };
}

describe('renderSeriesNdjson', () => {
  it('writes one JSON object per second with its time, stage and error rate', () => {
    const text = renderSeriesNdjson(results(recorded()));
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => [l.second, l.time, l.stage, l.requests, l.errors, l.errorRate])).toEqual([
      [0, '2026-01-01T00:00:00.000Z', 'ramp', 10, 0, 0],
      [1, '2026-01-01T00:00:01.000Z', 'ramp', 10, 0, 0],
      [2, '2026-01-01T00:00:02.000Z', 'hold', 10, 0, 0],
      [3, '2026-01-01T00:00:03.000Z', 'hold', 10, 4, 0.4],
    ]);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['second', 'time', 'stage', 'requests', 'errors', 'errorRate', 'p95Ms']);
      expect(l.p95Ms).toBeCloseTo(100, -1);
    }
  });

  it('adds p50/p99 and the target rate when the series has them', () => {
    const recorder = recorded();
    const r = { ...results(recorder), series: seriesFromRecorder(recorder, (s) => 5 + s) };
    const lines = renderSeriesNdjson(r).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(Object.keys(lines[0])).toEqual(['second', 'time', 'stage', 'requests', 'errors', 'errorRate', 'p50Ms', 'p95Ms', 'p99Ms', 'targetPerSec']);
    expect(lines.map((l) => l.targetPerSec)).toEqual([5, 6, 7, 8]);
    for (const l of lines) {
      expect(l.p50Ms).toBeCloseTo(50, -1);
      expect(l.p50Ms).toBeLessThan(l.p95Ms);
      expect(l.p95Ms).toBeLessThanOrEqual(l.p99Ms);
    }
  });

  it('writes nothing for a run without requests', () => {
    expect(renderSeriesNdjson(results(new Recorder(0)))).toBe('');
  });
});

describe('seriesFromRecorder', () => {
  it('computes second, requests, errors and p95Ms exactly as buildResults stores them', () => {
    const recorder = recorded();
    const pick = (series: RunResults['series']): unknown[] => series.map(({ second, requests, errors, p95Ms }) => ({ second, requests, errors, p95Ms }));
    const extended = seriesFromRecorder(recorder);
    expect(pick(extended)).toEqual(pick(results(recorder).series));
    // Same figures as the per-second buckets give directly.
    expect(extended.map((p) => p.p95Ms)).toEqual(recorder.seconds.map((b) => Math.round(b.latency.getValueAtPercentile(95) / 10) / 100));
    expect(extended.every((p) => p.targetPerSec === undefined)).toBe(true);
  });

  it('gives empty seconds zero latency', () => {
    const recorder = new Recorder(0);
    recorder.record({ endpointKey: 'GET /', stage: 'main', intendedMs: 2500, sentMs: 2500, endMs: 2510, status: 200, failure: null, bytes: 0 });
    const series = seriesFromRecorder(recorder);
    expect(series.map((p) => [p.second, p.requests, p.p50Ms, p.p99Ms])).toEqual([
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [2, 1, series[2]?.p50Ms, series[2]?.p99Ms],
    ]);
    expect(series[2]?.p50Ms).toBeCloseTo(10, 0);
  });
});

describe('stageAtMs', () => {
  it('finds the stage of a run time, the last one past the end', () => {
    expect(stageAtMs({ stages: STAGES }, 0)).toBe('ramp');
    expect(stageAtMs({ stages: STAGES }, 2000)).toBe('hold');
    expect(stageAtMs({ stages: STAGES }, 9000)).toBe('hold');
    expect(stageAtMs({ stages: [] }, 0)).toBeNull();
  });
});
