import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { SessionPlan } from '../../src/core/types.js';
import { HttpClient } from '../../src/engine/http-client.js';
import { runSchedule, type RunOutcome } from '../../src/engine/runner.js';
import { summarizeMs, createHistogram } from '../../src/metrics/histogram.js';
import { RateCurve } from '../../src/schedule/rate-curve.js';
import { startFaultServer, type FaultKind, type FaultServer, type FaultServerOptions } from '../helpers/fault-server.js';

/*
 * Issue 10, "faults from the target": a short fixed-rate run against each kind of misbehaving
 * target. Every run must end on time (the drain deadline holds), account for every arrival,
 * classify every failure, leave no unhandled rejection, and keep memory bounded.
 */

const DURATION_MS = 2_000;
const TIMEOUT_MS = 1_000;
const DRAIN_MS = 1_000;
/** Requests per second: low, since the target shares the test's event loop (and CPU). */
const RATE = 20;
/** Slack over duration + drain: the cut-off and its 1 s grace, timers, a loaded CI machine. */
const END_SLACK_MS = 1_500;

const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);
beforeAll(() => void process.on('unhandledRejection', onRejection));
afterAll(() => void process.off('unhandledRejection', onRejection));


const oneRequest = (id: number): SessionPlan => ({ id, requests: [{ endpointKey: 'GET /x', method: 'GET', path: `/x?i=${id}`, thinkTimeMs: 0 }] });

interface Figures {
  server: FaultServer;
  run: RunOutcome;
  drainMs: number;
  elapsedMs: number;
  requests: number;
  failures: Record<string, number>;
  statuses: Record<string, number>;
  errors: number;
  bytes: number;
  p99Ms: number;
  peakHeapGrowthMb: number;
}

async function runAgainst(kind: FaultKind, ratePerSec: number, serverOptions: FaultServerOptions = {}, drainMs = DRAIN_MS): Promise<Figures> {
  const server = await startFaultServer({ fault: kind, ...serverOptions });
  const curve = new RateCurve([{ startMs: 0, endMs: DURATION_MS, fromPerSec: ratePerSec, toPerSec: ratePerSec, stage: 'main' }]);
  const client = new HttpClient({ target: server.url, connections: null, pipelining: 1, connectTimeoutMs: TIMEOUT_MS, timeoutMs: TIMEOUT_MS, insecure: false });
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
  const started = performance.now();
  let run: RunOutcome;
  try {
    run = await runSchedule(
      {
        curve,
        arrivals: 'uniform',
        sessions: oneRequest,
        seed: 10,
        thinkTimeFactor: 1,
        warmStartLookbackMs: 0,
        maxInFlight: 10_000,
        drainTimeoutMs: drainMs,
        buildRequest: (planned) => ({ method: planned.method, path: planned.path }),
      },
      client,
      systemClock,
      new AbortController().signal,
    );
  } finally {
    clearInterval(sampler);
    await client.close();
    await server.close();
  }
  const elapsedMs = performance.now() - started;
  const failures: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const latency = createHistogram();
  let requests = 0;
  let errors = 0;
  let bytes = 0;
  for (const cell of run.recorder.cells.values()) {
    requests += cell.count;
    errors += cell.errors;
    bytes += cell.bytes;
    for (const [k, v] of Object.entries(cell.failures)) failures[k] = (failures[k] ?? 0) + v;
    for (const [k, v] of Object.entries(cell.statusClasses)) statuses[k] = (statuses[k] ?? 0) + v;
    latency.add(cell.latency);
  }
  const p99Ms = summarizeMs(latency).p99;
  const peakHeapGrowthMb = Math.round((heapPeak - heapBefore) / 1e5) / 10;
  // The figure line the issue asks for, one per fault kind.
  console.log(
    `fault ${kind.padEnd(19)} ${String(requests).padStart(4)} requests in ${Math.round(elapsedMs)} ms; ` +
      `failures ${JSON.stringify(failures)}; status ${JSON.stringify(statuses)}; errors ${errors}; p99 ${p99Ms} ms; ` +
      `heap +${peakHeapGrowthMb} MB; event loop max ${run.eventLoopDelayMs.max} ms; server saw ${server.stats.requests} requests on ${server.stats.connections} connections`,
  );
  if (run.eventLoopDelayMs.max >= STARVED_LOOP_MS) {
    console.log(`  (event loop stalled ${run.eventLoopDelayMs.max} ms: the machine is overloaded; timeouts and cut-offs are tolerated besides the expected class)`);
  }
  return { server, run, elapsedMs, drainMs, requests, failures, statuses, errors, bytes, p99Ms, peakHeapGrowthMb };
}

/** The checks every fault kind must pass. */
function expectSound(f: Figures, ratePerSec: number): void {
  const { recorder } = f.run;
  // Ends on time: the drain deadline holds whatever the target does.
  expect(f.elapsedMs).toBeLessThan(DURATION_MS + f.drainMs + END_SLACK_MS);
  expect(f.run.partial).toBe(false);
  // Every arrival is accounted for: one request per session, none dropped, none lost.
  const arrivals = recorder.sessionsStarted + recorder.droppedSessions;
  expect(Math.abs(arrivals - (ratePerSec * DURATION_MS) / 1000)).toBeLessThanOrEqual(1);
  expect(recorder.droppedSessions).toBe(0);
  expect(f.requests).toBe(recorder.sessionsStarted);
  expect(recorder.sessionsCompleted).toBe(recorder.sessionsStarted);
  // Every failure is an error, every error is a failure or a 5xx.
  const failed = Object.values(f.failures).reduce((a, b) => a + b, 0);
  expect(f.errors).toBe(failed + (f.statuses['5xx'] ?? 0));
  expect(failed + Object.values(f.statuses).reduce((a, b) => a + b, 0)).toBe(f.requests);
  expect(rejections).toEqual([]);
}

/** Failure kinds seen, other than those allowed. */
function unexpectedFailures(f: Figures, allowed: string[]): Record<string, number> {
  return Object.fromEntries(Object.entries(f.failures).filter(([k]) => !allowed.includes(k)));
}

/**
 * An event-loop stall this long (half the request timeout) means the machine, not the target,
 * held requests up: the target here shares the test's event loop. The run measures it (as it
 * does to tell a slow generator from a slow server), and the checks below then accept a timeout
 * or a cut-off besides the expected class. On a machine that is not overloaded they are exact.
 */
const STARVED_LOOP_MS = TIMEOUT_MS / 2;

function starved(f: Figures): boolean {
  return f.run.eventLoopDelayMs.max >= STARVED_LOOP_MS;
}

/** Every request failed, all with the class `kind`. */
function expectAllFailedAs(f: Figures, kind: string): void {
  if (!starved(f)) {
    expect(f.failures).toEqual({ [kind]: f.requests });
    return;
  }
  expect(unexpectedFailures(f, [kind, 'timeout', 'cut_off'])).toEqual({});
  expect(f.failures[kind] ?? 0).toBeGreaterThan(0);
  expect(Object.values(f.statuses).reduce((a, b) => a + b, 0)).toBe(0);
}

/** Failures only of the classes `allowed` (none at all when empty). */
function expectOnlyFailures(f: Figures, allowed: string[]): void {
  expect(unexpectedFailures(f, starved(f) ? [...allowed, 'timeout', 'cut_off'] : allowed)).toEqual({});
}

// Each run mostly waits on sockets and timers, so runs go side by side in small groups (the
// file stays well under 30 s without one event loop serving a dozen runs at once); the huge
// one runs alone, since it measures the heap.
describe.concurrent('connection failures', () => {
  it('baseline: a healthy target answers everything', async () => {
    const f = await runAgainst('ok', RATE);
    expectSound(f, RATE);
    expectOnlyFailures(f, []);
    if (!starved(f)) expect(f.statuses['2xx']).toBe(f.requests);
  });

  it('refused connections are counted as refused, and fail fast', async () => {
    const f = await runAgainst('refuse', RATE);
    expectSound(f, RATE);
    expectAllFailedAs(f, 'refused');
    // Nothing was in flight at the end: no wait for the drain deadline.
    if (!starved(f)) expect(f.elapsedMs).toBeLessThan(DURATION_MS + 500);
  });

  it('a connection reset on accept is a reset', async () => {
    const f = await runAgainst('reset-on-connect', RATE);
    expectSound(f, RATE);
    expectAllFailedAs(f, 'reset');
  });

  it('a reset after the headers is a reset', async () => {
    const f = await runAgainst('reset-after-headers', RATE);
    expectSound(f, RATE);
    expectAllFailedAs(f, 'reset');
    if (!starved(f)) expect(f.server.stats.requests).toBe(f.requests);
  });

  it('a reset in the middle of the body is a reset', async () => {
    const f = await runAgainst('reset-mid-body', RATE);
    expectSound(f, RATE);
    expectAllFailedAs(f, 'reset');
  });
});

describe.concurrent('stalls', () => {
  it('stalled headers time out (the tail is cut off at the drain deadline)', async () => {
    const f = await runAgainst('stall-headers', RATE);
    expectSound(f, RATE);
    expect(unexpectedFailures(f, ['timeout', 'cut_off'])).toEqual({});
    // Everything sent in the first second has had its timeout well before the end.
    if (!starved(f)) expect(f.failures.timeout ?? 0).toBeGreaterThanOrEqual(f.requests / 2 - 1);
    expect(f.failures.cut_off ?? 0).toBe(f.run.recorder.cutOff);
  });

  it('a stalled body times out (the tail is cut off at the drain deadline)', async () => {
    const f = await runAgainst('stall-body', RATE);
    expectSound(f, RATE);
    expect(unexpectedFailures(f, ['timeout', 'cut_off'])).toEqual({});
    if (!starved(f)) expect(f.failures.timeout ?? 0).toBeGreaterThanOrEqual(f.requests / 2 - 1);
  });

  it('headers dribbled a byte at a time (slowloris) time out', async () => {
    const f = await runAgainst('slowloris-headers', RATE);
    expectSound(f, RATE);
    expect(unexpectedFailures(f, ['timeout', 'cut_off'])).toEqual({});
    if (!starved(f)) expect(f.failures.timeout ?? 0).toBeGreaterThanOrEqual(f.requests / 2 - 1);
  });

  it('a body dribbled a byte at a time (slowloris) times out at the whole-response deadline', async () => {
    // undici's bodyTimeout is an idle timeout that a byte every 100 ms never trips; the client's
    // own deadline on the whole response does.
    const f = await runAgainst('slowloris-body', RATE);
    expectSound(f, RATE);
    expect(unexpectedFailures(f, ['timeout', 'cut_off'])).toEqual({});
    expect(f.failures.timeout ?? 0).toBeGreaterThan(0);
    expect(f.statuses['2xx'] ?? 0).toBe(0);
  });

});

describe.concurrent('bad answers', () => {
  it('bursts of 5xx are counted as errors, by status class', async () => {
    const f = await runAgainst('burst-5xx', RATE);
    expectSound(f, RATE);
    expectOnlyFailures(f, []);
    const sent5xx = (f.server.stats.statuses[500] ?? 0) + (f.server.stats.statuses[502] ?? 0) + (f.server.stats.statuses[503] ?? 0);
    expect(sent5xx).toBeGreaterThan(10);
    // Every 5xx the server sent is counted as a 5xx and as an error.
    expect(f.statuses['5xx']).toBe(sent5xx);
    if (!starved(f)) {
      expect(f.errors).toBe(sent5xx);
      expect(f.statuses['2xx']).toBe(f.requests - sent5xx);
    }
  });

  it('a garbage status line is a failure, not a crash', async () => {
    // undici: HTTPParserError "Expected HTTP/, RTSP/ or ICE/" (no code): classed other.
    const f = await runAgainst('garbage-status', RATE);
    expectSound(f, RATE);
    expectAllFailedAs(f, 'other');
  });

  it('invalid chunked encoding is a failure, not a crash', async () => {
    // undici: HTTPParserError "Invalid character in chunk size" (no code): classed other.
    const f = await runAgainst('bad-chunked', RATE);
    expectSound(f, RATE);
    expectAllFailedAs(f, 'other');
  });

  it('a body shorter than its Content-Length (then close) is a reset', async () => {
    // undici: SocketError UND_ERR_SOCKET "other side closed".
    const f = await runAgainst('short-body', RATE);
    expectSound(f, RATE);
    expectAllFailedAs(f, 'reset');
  });

  it('a body longer than its Content-Length is read to its length; the excess does not break the run', async () => {
    const f = await runAgainst('long-body', RATE);
    expectSound(f, RATE);
    expectOnlyFailures(f, ['other', 'reset']);
    expect(f.statuses['2xx'] ?? 0).toBeGreaterThan(f.requests / 2);
  });

  it('keep-alive connections closed at random: requests succeed, or fail as resets', async () => {
    const f = await runAgainst('keepalive-close', 2 * RATE, { keepAliveCloseShare: 0.5 });
    expectSound(f, 2 * RATE);
    expectOnlyFailures(f, ['reset']);
    expect(f.server.stats.keepAliveCloses).toBeGreaterThan(10);
    // Every request left unanswered is a reset: those dropped in the race, and those that reached
    // a connection as the server closed it (never seen by the server). None lost, none retried.
    const unanswered = f.server.stats.keepAliveRaces + (f.requests - f.server.stats.requests);
    if (!starved(f)) {
      expect(f.failures.reset ?? 0).toBe(unanswered);
      expect(f.statuses['2xx']).toBe(f.requests - unanswered);
    }
  });
});

describe('a huge response', () => {
  it('is consumed (50 MB each) without holding it in memory', async () => {
    // The second arrival is due at the end of the run: its 50 MB get a longer drain than the
    // rest, so that a slow machine does not turn a memory test into a timing test.
    const f = await runAgainst('huge', 1, {}, 3_000);
    expectSound(f, 1);
    expectOnlyFailures(f, []);
    expect(f.statuses['2xx'] ?? 0).toBeGreaterThan(0);
    expect(f.bytes).toBeGreaterThanOrEqual((f.statuses['2xx'] ?? 0) * 50 * 1024 * 1024);
    if (!starved(f)) expect(f.bytes).toBe(f.requests * 50 * 1024 * 1024);
    expect(f.peakHeapGrowthMb).toBeLessThan(100);
  });
});

describe('after every fault kind', () => {
  it('no promise rejection went unhandled', async () => {
    // Give late rejections (a socket error after the run) a moment to surface.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rejections).toEqual([]);
  });
});
