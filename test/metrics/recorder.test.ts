import { describe, expect, it } from 'vitest';
import { summarizeMs } from '../../src/metrics/histogram.js';
import { Recorder } from '../../src/metrics/recorder.js';
import type { RequestOutcome } from '../../src/metrics/outcome.js';

/** A stream of outcomes over 3 s, two stages meeting inside second 1, two endpoints, some errors. */
function outcomes(): RequestOutcome[] {
  const list: RequestOutcome[] = [];
  for (let i = 0; i < 300; i++) {
    const intendedMs = 1_000 + i * 10;
    list.push({
      endpointKey: i % 3 === 0 ? 'GET /a' : 'GET /b',
      stage: intendedMs < 1_500 ? 'ramp' : 'hold',
      intendedMs,
      sentMs: intendedMs + (i % 7) * 0.1,
      endMs: intendedMs + 5 + (i % 11),
      status: i % 13 === 0 ? 503 : 200,
      failure: i % 29 === 0 ? 'reset' : null,
      bytes: 10,
    });
  }
  return list;
}

describe('Recorder', () => {
  it('records through cell handles exactly what record() records', () => {
    const a = new Recorder(1_000);
    const b = new Recorder(1_000);
    for (const o of outcomes()) {
      a.record(o);
      b.recordInto(b.handle(o.stage, o.endpointKey), o.intendedMs, o.sentMs, o.endMs, o.status, o.failure, o.bytes);
    }
    expect([...b.cells.keys()]).toEqual([...a.cells.keys()]);
    for (const [id, cell] of a.cells) {
      const other = b.cells.get(id)!;
      expect({ ...other, latency: summarizeMs(other.latency), serviceLatency: summarizeMs(other.serviceLatency) }).toEqual({
        ...cell,
        latency: summarizeMs(cell.latency),
        serviceLatency: summarizeMs(cell.serviceLatency),
      });
    }
    expect(b.seconds.map((s) => [s.requests, s.errors, [...s.byEndpoint]])).toEqual(a.seconds.map((s) => [s.requests, s.errors, [...s.byEndpoint]]));
    expect(summarizeMs(b.schedulerLag)).toEqual(summarizeMs(a.schedulerLag));
  });

  it('counts an endpoint per second across the stages that share the second', () => {
    const r = new Recorder(0);
    for (const o of outcomes()) r.record({ ...o, intendedMs: o.intendedMs - 1_000, sentMs: o.sentMs - 1_000, endMs: o.endMs - 1_000 });
    // Second 0 holds ramp (0..499 ms) and hold (500..999 ms): 100 requests, 34 of them to /a.
    expect(r.seconds[0]?.requests).toBe(100);
    expect(r.seconds[0]?.byEndpoint.get('GET /a')?.[0]).toBe(34);
    expect(r.seconds[0]?.byEndpoint.get('GET /b')?.[0]).toBe(66);
    const perEndpoint = r.seconds.reduce((sum, s) => sum + [...s.byEndpoint.values()].reduce((n, [requests]) => n + requests, 0), 0);
    expect(perEndpoint).toBe(300);
    // Errors per second and endpoint add up to the cells' errors.
    const errors = [...r.cells.values()].reduce((n, c) => n + c.errors, 0);
    expect(r.seconds.reduce((n, s) => n + [...s.byEndpoint.values()].reduce((m, [, e]) => m + e, 0), 0)).toBe(errors);
    expect(errors).toBeGreaterThan(0);
  });

  it('a handle taken before a merge still records into the merged cell', () => {
    const r = new Recorder(0);
    const handle = r.handle('main', 'GET /a');
    const other = new Recorder(0);
    other.record({ endpointKey: 'GET /a', stage: 'main', intendedMs: 10, sentMs: 10, endMs: 20, status: 200, failure: null, bytes: 1 });
    r.merge(other);
    r.recordInto(handle, 30, 30, 40, 200, null, 1);
    expect(r.cells.size).toBe(1);
    expect([...r.cells.values()][0]?.count).toBe(2);
    expect(r.seconds[0]?.byEndpoint.get('GET /a')).toEqual([2, 0]);
  });
});
