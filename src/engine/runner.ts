import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { MinHeap } from '../core/heap.js';
import { createRng } from '../core/rng.js';
import type { PlannedRequest, SessionPlan } from '../core/types.js';
import { Recorder } from '../metrics/recorder.js';
import { constantPoisson, poissonArrivals, type Arrival } from '../schedule/arrivals.js';
import type { RateCurve } from '../schedule/rate-curve.js';
import type { UserCurve } from '../schedule/user-curve.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';

/** What a session remembers between its requests (captured values, auth token). */
export interface SessionState {
  plan: SessionPlan;
  vars: Record<string, string>;
  /** The virtual user that runs it, in closed-model runs. */
  vu?: number;
}

/**
 * Turns a planned request into the HTTP request to send (headers, bodies from a profile), or
 * null to skip it (a value it requires was never captured in this session).
 */
export type RequestBuilder = (request: PlannedRequest, session: SessionState) => HttpRequest | null;
/** Reads values out of a response for later requests of the same session. */
export type ResponseHook = (request: PlannedRequest, response: HttpResponse, session: SessionState) => void;

export interface RunOptions {
  /**
   * Open model: session starts follow this curve (non-homogeneous Poisson, or evenly spaced
   * with `arrivals: 'uniform'`). Closed model: `users` instead.
   */
  curve: RateCurve;
  arrivals?: 'poisson' | 'uniform' | Iterator<Arrival>;
  /** Closed model: this many virtual users, each looping sessions (like k6 ramping-vus). */
  users?: UserCurve | undefined;
  sessions: (id: number) => SessionPlan;
  seed: number;
  /** Think times are multiplied by this (1 / speed). */
  thinkTimeFactor: number;
  /**
   * Start in steady state: sessions that would have begun before t=0 (at the initial rate,
   * looking back this far) are already under way, so the run does not open on an empty system.
   * 0 = cold start. Open model only.
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
  /**
   * Play only segment `index` of `count` of one shared schedule: every process draws the same
   * arrivals from the same seed and starts only the sessions (or virtual users) whose number
   * is `index` modulo `count`, so N processes together play exactly the schedule one would.
   */
  segment?: { index: number; count: number } | undefined;
  /**
   * A ceiling on requests per second whatever the model says (a token bucket of one second):
   * a session that would start over it is dropped, a session whose next request would go over
   * it ends there; both are counted (rateCapped).
   */
  maxRatePerSec?: number | undefined;
  /** Aborted on a second interrupt: cut off what is in flight at once instead of draining. */
  urgent?: AbortSignal | undefined;
  /** Called once a second of run time (live progress, live thresholds); may stop the run. */
  onSecond?: ((elapsedMs: number, recorder: Recorder, live: { inFlight: number; sessions: number }) => void) | undefined;
}

export interface RunOutcome {
  recorder: Recorder;
  startedAtWallMs: number;
  endedAtWallMs: number;
  /** Run time covered (the schedule's length, or less when stopped early). */
  durationMs: number;
  /** Ended early: interrupted (signal) or aborted by a threshold. */
  partial: boolean;
  partialReason: string | null;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Most virtual users live at once (closed model), or most sessions live (open). */
  peakSessions: number;
}

interface Pending {
  session: SessionState;
  index: number;
}

const LOOP_DELAY_RESOLUTION_MS = 10;

/** A warm start never builds more sessions than this (a huge scale × a long lookback). */
const MAX_WARM_SESSIONS = 200_000;

/** Evenly spaced arrivals along a rate curve (k6's constant-arrival-rate): the n-th at ∫λ = n. */
function* uniformArrivals(curve: RateCurve): Generator<Arrival> {
  let owed = 0;
  for (const s of curve.segments) {
    const stepMs = 1;
    for (let t = s.startMs; t < s.endMs; t += stepMs) {
      const rate = s.fromPerSec + ((s.toPerSec - s.fromPerSec) * (t - s.startMs)) / (s.endMs - s.startMs);
      owed += (rate * stepMs) / 1000;
      // The tolerance keeps float drift (0.3 added 2,000 times) from losing the last arrival.
      while (owed >= 1 - 1e-9) {
        owed -= 1;
        yield { timeMs: t + stepMs - (owed * 1000) / Math.max(rate, 1e-9), stage: s.stage };
      }
    }
  }
}

/**
 * The run loop. Every request has an intended send time from the schedule: a session's first
 * request at its arrival, each later one at the previous response's end plus its think time.
 * Latency is measured from that time (as wrk2 does), so a slow target cannot slow the schedule
 * down and hide its own latency. A session that would exceed the in-flight cap is dropped and
 * counted, never delayed. Timers: setTimeout for waits over 2 ms, setImmediate below, so sends
 * leave within a fraction of a millisecond of their time without spinning the whole run.
 */
export async function runSchedule(options: RunOptions, client: HttpClient, clock: Clock, signal: AbortSignal): Promise<RunOutcome> {
  const { curve, users } = options;
  const scheduledMs = users ? users.durationMs : curve.durationMs;
  const rng = createRng(options.seed);
  // Warm start (open model): sessions begun before t=0 at the initial rate are under way; the
  // first of their requests due at or after 0 is queued at its planned time. Built before the
  // clock starts, so that the time it takes is not charged to the target as latency.
  const warm: { atMs: number; plan: SessionPlan; index: number }[] = [];
  let sessionId = 0;
  if (!users && options.warmStartLookbackMs > 0) {
    const segmentCount0 = options.segment?.count ?? 1;
    const segmentIndex0 = options.segment?.index ?? 0;
    for (const startMs of constantPoisson(curve.rateAt(0), -options.warmStartLookbackMs, 0, rng.fork(2))) {
      const id = sessionId++;
      if (id % segmentCount0 !== segmentIndex0) continue;
      const plan = options.sessions(id);
      let t = startMs;
      for (let i = 0; i < plan.requests.length; i++) {
        if (i > 0) t += (plan.requests[i] as PlannedRequest).thinkTimeMs * options.thinkTimeFactor;
        if (t < 0) continue;
        if (t < scheduledMs && warm.length < options.maxInFlight) warm.push({ atMs: t, plan, index: i });
        break;
      }
      if (warm.length >= MAX_WARM_SESSIONS) break;
    }
  }
  const startedAtWallMs = clock.wallMs();
  const t0 = clock.nowMs();
  const recorder = new Recorder(t0);
  const arrivals: Iterator<Arrival> = users
    ? [][Symbol.iterator]()
    : typeof options.arrivals === 'object'
      ? options.arrivals
      : options.arrivals === 'uniform'
        ? uniformArrivals(curve)
        : poissonArrivals(curve, rng.fork(1));
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();

  const queue = new MinHeap<Pending>();
  let nextArrival: Arrival | undefined = arrivals.next().value ?? undefined;
  let liveSessions = 0;
  let peakSessions = 0;
  let inFlight = 0;
  let stopped = false;
  let endedAtRunMs = scheduledMs;
  let partialReason: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let lastSecond = 0;
  // Closed model: virtual users and whether each is still wanted.
  const vuWanted: boolean[] = [];
  let vuLive = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const segmentCount = options.segment?.count ?? 1;
  const segmentIndex = options.segment?.index ?? 0;
  const mine = (n: number): boolean => n % segmentCount === segmentIndex;

  const stageAt = (runMs: number): string => (users ? users.stageAt(runMs) : curve.stageAt(runMs));

  let closedSessions = 0;
  const newSession = (vu?: number, fixed?: SessionPlan): SessionState | null => {
    // Closed model: number sessions across segments so that no two segments play the same one.
    const id = vu === undefined ? sessionId++ : closedSessions++ * segmentCount + segmentIndex;
    const plan = fixed ?? options.sessions(id);
    if (plan.requests.length === 0) return null;
    liveSessions++;
    peakSessions = Math.max(peakSessions, liveSessions);
    recorder.sessionsStarted++;
    return vu === undefined ? { plan, vars: {} } : { plan, vars: {}, vu };
  };

  const finishSession = (session: SessionState, endRunMs: number): void => {
    liveSessions--;
    recorder.sessionsCompleted++;
    if (session.vu === undefined || stopped) return;
    if (!vuWanted[session.vu]) {
      vuLive--;
      return;
    }
    // The user starts another session after a pause like any think time.
    const next = newSession(session.vu);
    if (!next) return;
    const pause = (next.plan.requests[1]?.thinkTimeMs ?? 0) * options.thinkTimeFactor;
    queue.push(endRunMs + pause, { session: next, index: 0 });
    wake();
  };

  // Token bucket for --max-rate: refills continuously, holds at most one second of requests.
  const maxRate = options.maxRatePerSec;
  let tokens = maxRate ?? 0;
  let tokensAtMs = 0;
  const takeToken = (nowRunMs: number): boolean => {
    if (maxRate === undefined) return true;
    tokens = Math.min(maxRate, tokens + ((nowRunMs - tokensAtMs) * maxRate) / 1000);
    tokensAtMs = nowRunMs;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const send = (pending: Pending, intendedRunMs: number): void => {
    const { session, index } = pending;
    if (!takeToken(clock.nowMs() - t0)) {
      recorder.rateCapped++;
      if (index === 0) recorder.droppedSessions++;
      finishSession(session, clock.nowMs() - t0);
      return;
    }
    const planned = session.plan.requests[index] as PlannedRequest;
    const stage = stageAt(intendedRunMs);
    const request = options.buildRequest(planned, session);
    if (request === null) {
      recorder.skipped++;
      advance(session, index, clock.nowMs() - t0);
      return;
    }
    const wantBody = options.wantBody?.(planned) ?? false;
    const handedMs = clock.nowMs();
    inFlight++;
    void client.send(request, wantBody).then((response) => {
      const endMs = clock.nowMs();
      inFlight--;
      recorder.record({
        endpointKey: planned.endpointKey,
        stage,
        intendedMs: t0 + intendedRunMs,
        // Never written (refused, cut off while queued): the hand-off time stands in.
        sentMs: Number.isNaN(response.sentAtMs) ? handedMs : response.sentAtMs,
        endMs,
        status: response.status,
        failure: response.failure,
        bytes: response.bytes,
      });
      if (response.failure === 'cut_off') recorder.cutOff++;
      options.onResponse?.(planned, response, session);
      advance(session, index, endMs - t0);
    });
  };

  /** After request `index` ended at `endRunMs`: queue the next one after its think time, or end the session. */
  function advance(session: SessionState, index: number, endRunMs: number): void {
    const next = session.plan.requests[index + 1];
    if (next && !stopped && (session.vu === undefined || vuWanted[session.vu])) {
      const nextRunMs = endRunMs + next.thinkTimeMs * options.thinkTimeFactor;
      if (nextRunMs < scheduledMs) {
        queue.push(nextRunMs, { session, index: index + 1 });
        wake();
        return;
      }
    }
    finishSession(session, endRunMs);
  }

  const startArrival = (arrival: Arrival): void => {
    if (!mine(sessionId)) {
      sessionId++;
      return;
    }
    if (liveSessions >= options.maxInFlight) {
      sessionId++;
      recorder.droppedSessions++;
      return;
    }
    const session = newSession(undefined, arrival.plan);
    if (session) send({ session, index: 0 }, arrival.timeMs);
  };

  for (const w of warm) {
    liveSessions++;
    recorder.sessionsStarted++;
    queue.push(w.atMs, { session: { plan: w.plan, vars: {} }, index: w.index });
  }
  peakSessions = liveSessions;

  /** Closed model: bring the number of wanted users to the curve's value at `runMs`. */
  const adjustUsers = (runMs: number): void => {
    if (!users) return;
    const total = Math.max(0, Math.round(users.usersAt(runMs)));
    // This segment's users are those numbered index, index + count, ... below the total.
    const target = Math.max(0, Math.ceil((total - segmentIndex) / segmentCount));
    let wanted = vuWanted.filter(Boolean).length;
    for (let vu = 0; wanted < target && vu <= vuWanted.length; vu++) {
      if (vuWanted[vu]) continue;
      const wasLive = vu < vuWanted.length && vuLive > 0 && vuWanted[vu] === false;
      vuWanted[vu] = true;
      wanted++;
      if (wasLive) continue; // a user still finishing its session just carries on
      vuLive++;
      const session = newSession(vu);
      if (session) queue.push(runMs, { session, index: 0 });
    }
    for (let vu = vuWanted.length - 1; wanted > target && vu >= 0; vu--) {
      if (!vuWanted[vu]) continue;
      vuWanted[vu] = false; // ramp-down: it stops after its request in flight
      wanted--;
    }
  };

  const stop = (reason: string | null, atRunMs: number): void => {
    if (stopped) return;
    stopped = true;
    partialReason = reason;
    endedAtRunMs = Math.min(scheduledMs, atRunMs);
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    // Sessions waiting for their next request end here; requests in flight may drain.
    while (queue.size > 0) {
      const pending = queue.pop() as Pending;
      liveSessions--;
      recorder.sessionsCompleted++;
      void pending;
    }
    resolveDone();
  };

  const onAbort = (): void => stop(signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'interrupted'), clock.nowMs() - t0);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  function pump(): void {
    timer = undefined;
    immediate = undefined;
    if (stopped) return;
    const nowRun = clock.nowMs() - t0;
    adjustUsers(nowRun);
    for (;;) {
      const arrivalDue = nextArrival !== undefined && nextArrival.timeMs <= nowRun;
      const queued = queue.peekKey();
      const queueDue = queued !== undefined && queued <= nowRun;
      if (!arrivalDue && !queueDue) break;
      if (arrivalDue && (!queueDue || (nextArrival as Arrival).timeMs <= (queued as number))) {
        startArrival(nextArrival as Arrival);
        nextArrival = arrivals.next().value ?? undefined;
      } else {
        send(queue.pop() as Pending, queued as number);
      }
    }
    while (nowRun - lastSecond * 1000 >= 1000 && !stopped) {
      lastSecond++;
      options.onSecond?.(lastSecond * 1000, recorder, { inFlight, sessions: liveSessions });
    }
    if (stopped) return;
    if (nowRun >= scheduledMs) {
      stop(null, scheduledMs);
      return;
    }
    wake();
  }

  function wake(): void {
    if (stopped) return;
    const nowRun = clock.nowMs() - t0;
    let next = Math.min(scheduledMs, lastSecond * 1000 + 1000);
    if (users) next = Math.min(next, nowRun + 50); // re-check the user curve
    if (nextArrival !== undefined) next = Math.min(next, nextArrival.timeMs);
    const queued = queue.peekKey();
    if (queued !== undefined) next = Math.min(next, queued);
    const delay = next - nowRun;
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    // A timer for anything but a send due now: spinning on setImmediate until a send is due
    // burns a whole core at any rate (and starves a target on the same machine). Timers fire
    // up to ~1 ms late; the lag is measured and reported, never hidden.
    if (delay > 0.25) timer = setTimeout(pump, Math.max(1, Math.floor(delay)));
    else immediate = setImmediate(pump);
  }

  wake();
  await done;
  // Drain: what is still in flight gets drainTimeoutMs, then is cut off and counted.
  if (!(await waitUntil(() => inFlight === 0 || options.urgent?.aborted === true, options.drainTimeoutMs)) || inFlight > 0) {
    await client.cutOff();
    await waitUntil(() => inFlight === 0, 1000);
  }
  signal.removeEventListener('abort', onAbort);
  loopDelay.disable();
  // The monitor counts its own 10 ms sampling interval in every reading: take it out.
  const ms = (ns: number): number => Math.max(0, Math.round((ns / 1e6 - LOOP_DELAY_RESOLUTION_MS) * 100) / 100);
  return {
    recorder,
    startedAtWallMs,
    endedAtWallMs: clock.wallMs(),
    durationMs: endedAtRunMs,
    partial: partialReason !== null,
    partialReason,
    eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
    peakSessions,
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
