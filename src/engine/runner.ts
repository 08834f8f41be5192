import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { MinHeap } from '../core/heap.js';
import { createRng } from '../core/rng.js';
import type { PlannedRequest, SessionPlan } from '../core/types.js';
import { Recorder } from '../metrics/recorder.js';
import { constantPoisson, poissonArrivals, type Arrival } from '../schedule/arrivals.js';
import type { RateCurve } from '../schedule/rate-curve.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';

/** What a session remembers between its requests (captured values, auth token). */
export interface SessionState {
  plan: SessionPlan;
  vars: Record<string, string>;
}

/** Turns a planned request into the HTTP request to send (headers, bodies from a profile). */
export type RequestBuilder = (request: PlannedRequest, session: SessionState) => HttpRequest;
/** Reads values out of a response for later requests of the same session. */
export type ResponseHook = (request: PlannedRequest, response: HttpResponse, session: SessionState) => void;

export interface OpenRunOptions {
  curve: RateCurve;
  sessions: (id: number) => SessionPlan;
  seed: number;
  /** Think times are multiplied by this (1 / speed). */
  thinkTimeFactor: number;
  /**
   * Start in steady state: sessions that would have begun before t=0 (at the initial rate,
   * looking back this far) are already under way, so the run does not open on an empty system.
   * 0 = cold start.
   */
  warmStartLookbackMs: number;
  /** Live sessions (hence requests in flight, one per session) at most; a session over it is dropped. */
  maxInFlight: number;
  /** After the last scheduled send, in-flight requests get this long to finish before being cut off. */
  drainTimeoutMs: number;
  buildRequest: RequestBuilder;
  onResponse?: ResponseHook | undefined;
  /** Whether the response hook needs the body text. */
  wantBody?: ((request: PlannedRequest) => boolean) | undefined;
  /** Called once a second of run time with the recorder (live progress, live thresholds). */
  onSecond?: ((elapsedMs: number, recorder: Recorder, inFlight: number) => void) | undefined;
}

export interface OpenRunResult {
  recorder: Recorder;
  startedAtWallMs: number;
  endedAtWallMs: number;
  /** Scheduled length of the run (what rates are computed over). */
  durationMs: number;
  /** Ended early: interrupted (signal) or aborted by a threshold. */
  partial: boolean;
  partialReason: string | null;
  expectedSessions: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

interface PendingRequest {
  session: SessionState;
  index: number;
}

/**
 * The open-model run loop. Every request has an intended send time from the schedule: a
 * session's first request at its arrival, each later one at the previous response's end plus
 * its think time. Latency is measured from that time (as wrk2 does), so a slow target cannot
 * slow the schedule down and hide its own latency. A session that would exceed the in-flight
 * cap is dropped and counted, never delayed.
 */
export async function runOpenModel(options: OpenRunOptions, client: HttpClient, clock: Clock, signal: AbortSignal): Promise<OpenRunResult> {
  const { curve } = options;
  const durationMs = curve.durationMs;
  const startedAtWallMs = clock.wallMs();
  const t0 = clock.nowMs();
  const recorder = new Recorder(t0);
  const rng = createRng(options.seed);
  const arrivals = poissonArrivals(curve, rng.fork(1));
  const cutOff = new AbortController();
  // Every request in flight listens on it.
  setMaxListeners(0, cutOff.signal);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const queue = new MinHeap<PendingRequest>();
  let nextArrival: Arrival | undefined = arrivals.next().value ?? undefined;
  let sessionId = 0;
  let liveSessions = 0;
  let inFlight = 0;
  let stopped = false;
  let partialReason: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let lastSecond = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const finishSession = (): void => {
    liveSessions--;
    recorder.sessionsCompleted++;
  };

  const send = (pending: PendingRequest, intendedRunMs: number): void => {
    const { session, index } = pending;
    const planned = session.plan.requests[index] as PlannedRequest;
    const stage = curve.stageAt(intendedRunMs);
    const request = options.buildRequest(planned, session);
    const wantBody = options.wantBody?.(planned) ?? false;
    const sentMs = clock.nowMs();
    inFlight++;
    void client.send(request, cutOff.signal, wantBody).then((response) => {
      const endMs = clock.nowMs();
      inFlight--;
      recorder.record({
        endpointKey: planned.endpointKey,
        stage,
        intendedMs: t0 + intendedRunMs,
        sentMs,
        endMs,
        status: response.status,
        failure: response.failure,
        bytes: response.bytes,
      });
      if (response.failure === 'cut_off') recorder.cutOff++;
      options.onResponse?.(planned, response, session);
      const next = session.plan.requests[index + 1];
      if (next && !stopped) {
        const nextRunMs = endMs - t0 + next.thinkTimeMs * options.thinkTimeFactor;
        if (nextRunMs < durationMs) {
          queue.push(nextRunMs, { session, index: index + 1 });
          wake();
          return;
        }
      }
      finishSession();
    });
  };

  const startSession = (arrival: Arrival): void => {
    const id = sessionId++;
    if (liveSessions >= options.maxInFlight) {
      recorder.droppedSessions++;
      return;
    }
    const plan = options.sessions(id);
    if (plan.requests.length === 0) return;
    liveSessions++;
    recorder.sessionsStarted++;
    send({ session: { plan, vars: {} }, index: 0 }, arrival.timeMs);
  };

  // Warm start: sessions begun before t=0 at the initial rate are under way; the first of
  // their requests due at or after 0 is queued at its planned time.
  if (options.warmStartLookbackMs > 0) {
    const initialRate = curve.rateAt(0);
    for (const startMs of constantPoisson(initialRate, -options.warmStartLookbackMs, 0, rng.fork(2))) {
      const id = sessionId++;
      const plan = options.sessions(id);
      let t = startMs;
      for (let i = 0; i < plan.requests.length; i++) {
        if (i > 0) t += (plan.requests[i] as PlannedRequest).thinkTimeMs * options.thinkTimeFactor;
        if (t >= 0) {
          if (t < durationMs) {
            liveSessions++;
            recorder.sessionsStarted++;
            queue.push(t, { session: { plan, vars: {} }, index: i });
          }
          break;
        }
      }
    }
  }

  const stop = (reason: string | null): void => {
    if (stopped) return;
    stopped = true;
    partialReason = reason;
    if (timer) clearTimeout(timer);
    // Sessions waiting for their next request end here; requests in flight may drain.
    while (queue.size > 0) {
      queue.pop();
      finishSession();
    }
    resolveDone();
  };

  const onAbort = (): void => stop(signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'interrupted'));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  function pump(): void {
    timer = undefined;
    if (stopped) return;
    const nowRun = clock.nowMs() - t0;
    for (;;) {
      const arrivalDue = nextArrival !== undefined && nextArrival.timeMs <= nowRun;
      const queued = queue.peekKey();
      const queueDue = queued !== undefined && queued <= nowRun;
      if (!arrivalDue && !queueDue) break;
      if (arrivalDue && (!queueDue || (nextArrival as Arrival).timeMs <= (queued as number))) {
        startSession(nextArrival as Arrival);
        nextArrival = arrivals.next().value ?? undefined;
      } else {
        send(queue.pop() as PendingRequest, queued as number);
      }
    }
    while (nowRun - lastSecond * 1000 >= 1000) {
      lastSecond++;
      options.onSecond?.(lastSecond * 1000, recorder, inFlight);
    }
    if (nowRun >= durationMs) {
      stop(null);
      return;
    }
    wake();
  }

  function wake(): void {
    if (stopped) return;
    const nowRun = clock.nowMs() - t0;
    let next = Math.min(durationMs, lastSecond * 1000 + 1000);
    if (nextArrival !== undefined) next = Math.min(next, nextArrival.timeMs);
    const queued = queue.peekKey();
    if (queued !== undefined) next = Math.min(next, queued);
    const delay = next - nowRun;
    if (timer) clearTimeout(timer);
    if (delay <= 0) {
      timer = setTimeout(pump, 0);
    } else {
      timer = setTimeout(pump, Math.max(1, Math.floor(delay)));
    }
  }

  wake();
  await done;
  // Drain: what is still in flight gets drainTimeoutMs, then is cut off and counted.
  if (!(await waitUntil(() => inFlight === 0, options.drainTimeoutMs))) {
    cutOff.abort();
    await waitUntil(() => inFlight === 0, 1000);
  }
  signal.removeEventListener('abort', onAbort);
  loopDelay.disable();
  const ns = (x: number): number => Math.round((x / 1e6) * 100) / 100;
  return {
    recorder,
    startedAtWallMs,
    endedAtWallMs: clock.wallMs(),
    durationMs,
    partial: partialReason !== null,
    partialReason,
    expectedSessions: curve.expectedArrivals(),
    eventLoopDelayMs: { p50: ns(loopDelay.percentile(50)), p99: ns(loopDelay.percentile(99)), max: ns(loopDelay.max) },
  };
}

/** Polls `condition` every 5 ms until it holds (true) or `timeoutMs` passes (false). */
function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  if (condition()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (condition()) {
        clearInterval(check);
        clearTimeout(deadline);
        resolve(true);
      }
    }, 5);
    const deadline = setTimeout(() => {
      clearInterval(check);
      resolve(condition());
    }, timeoutMs);
  });
}
