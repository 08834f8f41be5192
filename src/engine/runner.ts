import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { MinHeap } from '../core/heap.js';
import { createRng } from '../core/rng.js';
import type { PlannedRequest, SessionPlan } from '../core/types.js';
import { Recorder, type CellHandle } from '../metrics/recorder.js';
import { constantPoisson, poissonArrivals, uniformArrivals, type Arrival } from '../schedule/arrivals.js';
import type { RateCurve, RateSegment } from '../schedule/rate-curve.js';
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
  /**
   * Awaited once everything is built, just before the clock starts: worker threads wait here
   * until every worker is ready, so that none starts its schedule while another still loads.
   */
  beforeStart?: (() => Promise<void>) | undefined;
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

/**
 * A live session, and its next request: waiting in the queue for its intended time, then in
 * flight. One object per session carries it from request to request (no object per request).
 */
class Live implements SessionState {
  vars: Record<string, string> = {};
  /** The request due next (or in flight), its intended run time, and where it is recorded. */
  index = 0;
  intendedRunMs = 0;
  handle: CellHandle | null = null;
  /** Run time it was handed to the client (stands in for the send time when it never went out). */
  handedRunMs = 0;
  vu?: number;

  constructor(
    readonly plan: SessionPlan,
    vu?: number,
  ) {
    if (vu !== undefined) this.vu = vu;
  }
}

const LOOP_DELAY_RESOLUTION_MS = 10;

/** A warm start never builds more sessions than this (a huge scale × a long lookback). */
const MAX_WARM_SESSIONS = 200_000;

/**
 * How close to its time a send must be for the scheduler to spin for it (setImmediate) rather
 * than sleep (a timer, ms resolution, ~1 ms late). Spinning for every gap burns a core at any
 * rate, and starves a target on the same machine; so the scheduler sleeps, wakes at most about
 * a millisecond late, and sends everything then due in one batch. The lag is measured and
 * reported, never hidden.
 */
const SPIN_WITHIN_MS = 0.05;

/**
 * Sends per batch at most: a generator that has fallen behind (an overloaded machine) would
 * otherwise send its whole backlog before reading a single response. The rest goes out after
 * pending I/O, in the next batch.
 */
const MAX_BATCH = 512;

/**
 * The run loop. Every request has an intended send time from the schedule: a session's first
 * request at its arrival, each later one at the previous response's end plus its think time.
 * Latency is measured from that time (as wrk2 does), so a slow target cannot slow the schedule
 * down and hide its own latency. A session that would exceed the in-flight cap is dropped and
 * counted, never delayed. One timer, set for the next due time, wakes the loop; it then sends
 * everything due in one batch, reading the clock once, and yields to I/O between batches.
 */
export async function runSchedule(options: RunOptions, client: HttpClient, clock: Clock, signal: AbortSignal): Promise<RunOutcome> {
  const { curve, users } = options;
  // What the hot paths read, taken out of `options` once: the warm-up calls this with an object
  // of another shape (a spread copy), and property reads compiled for one shape are thrown away
  // on meeting the other (a "wrong map" deopt at the real run's first arrival).
  const { sessions, thinkTimeFactor, maxInFlight, onSecond } = options;
  const scheduledMs = users ? users.durationMs : curve.durationMs;
  const rng = createRng(options.seed);
  const segmentCount = options.segment?.count ?? 1;
  const segmentIndex = options.segment?.index ?? 0;
  // Warm start (open model): sessions begun before t=0 at the initial rate are under way; the
  // first of their requests due at or after 0 is queued at its planned time. Built before the
  // clock starts, so that the time it takes is not charged to the target as latency.
  const warm: { atMs: number; plan: SessionPlan; index: number }[] = [];
  let sessionId = 0;
  if (!users && options.warmStartLookbackMs > 0) {
    for (const startMs of constantPoisson(curve.rateAt(0), -options.warmStartLookbackMs, 0, rng.fork(2))) {
      const id = sessionId++;
      if (id % segmentCount !== segmentIndex) continue;
      const plan = sessions(id);
      let t = startMs;
      for (let i = 0; i < plan.requests.length; i++) {
        if (i > 0) t += (plan.requests[i] as PlannedRequest).thinkTimeMs * thinkTimeFactor;
        if (t < 0) continue;
        if (t < scheduledMs && warm.length < maxInFlight) warm.push({ atMs: t, plan, index: i });
        break;
      }
      if (warm.length >= MAX_WARM_SESSIONS) break;
    }
  }
  // Generated arrivals come already filtered to this segment, numbered in the whole schedule;
  // a given iterator (verbatim replay) is walked whole and shared out here.
  const warmSessions = sessionId;
  const share = { index: segmentIndex, count: segmentCount };
  const generated = typeof options.arrivals !== 'object';
  const arrivals: Iterator<Arrival> = users
    ? [][Symbol.iterator]()
    : typeof options.arrivals === 'object'
      ? options.arrivals
      : options.arrivals === 'uniform'
        ? uniformArrivals(curve, share)
        : poissonArrivals(curve, rng.fork(1), share);

  if (options.beforeStart) await options.beforeStart();
  const startedAtWallMs = clock.wallMs();
  const t0 = clock.nowMs();
  const recorder = new Recorder(t0);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();

  const queue = new MinHeap<Live>();
  let nextArrival: Arrival | undefined = arrivals.next().value ?? undefined;
  let liveSessions = 0;
  let peakSessions = 0;
  let inFlight = 0;
  let stopped = false;
  let endedAtRunMs = scheduledMs;
  let partialReason: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  /** Run time the pending timer is set for (Infinity: none; -Infinity: an immediate). */
  let armedForMs = Infinity;
  let pumping = false;
  let lastSecond = 0;
  // Closed model: virtual users and whether each is still wanted.
  const vuWanted: boolean[] = [];
  let vuLive = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const mine = (n: number): boolean => n % segmentCount === segmentIndex;

  // Stage of a run time: the curve's segments, from the one found last (times mostly grow).
  const segments = curve.segments;
  let stageSegment: RateSegment | undefined = segments[0];
  const stageAt = (runMs: number): string => {
    if (users) return users.stageAt(runMs);
    if (stageSegment !== undefined && runMs >= stageSegment.startMs && runMs < stageSegment.endMs) return stageSegment.stage;
    stageSegment = curve.segmentAt(runMs) ?? stageSegment;
    return curve.stageAt(runMs);
  };

  let closedSessions = 0;
  const newSession = (id: number, vu?: number, fixed?: SessionPlan): Live | null => {
    const plan = fixed ?? sessions(id);
    if (plan.requests.length === 0) return null;
    liveSessions++;
    if (liveSessions > peakSessions) peakSessions = liveSessions;
    recorder.sessionsStarted++;
    return new Live(plan, vu);
  };

  /** Closed model: number sessions across segments so that no two segments play the same one. */
  const newUserSession = (vu: number): Live | null => newSession(closedSessions++ * segmentCount + segmentIndex, vu);

  const finishSession = (session: Live, endRunMs: number): void => {
    liveSessions--;
    recorder.sessionsCompleted++;
    if (session.vu === undefined || stopped) return;
    if (!vuWanted[session.vu]) {
      vuLive--;
      return;
    }
    // The user starts another session after a pause like any think time.
    const next = newUserSession(session.vu);
    if (!next) return;
    const pause = (next.plan.requests[1]?.thinkTimeMs ?? 0) * thinkTimeFactor;
    schedule(next, 0, endRunMs + pause);
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

  const { buildRequest, onResponse, wantBody } = options;

  /** Sends the session's request `session.index`, due at `session.intendedRunMs`; `nowRun` is the batch's clock reading. */
  const send = (session: Live, nowRun: number): void => {
    if (maxRate !== undefined && !takeToken(nowRun)) {
      recorder.rateCapped++;
      if (session.index === 0) recorder.droppedSessions++;
      finishSession(session, nowRun);
      return;
    }
    const planned = session.plan.requests[session.index] as PlannedRequest;
    const request = buildRequest(planned, session);
    if (request === null) {
      recorder.skipped++;
      advance(session, nowRun);
      return;
    }
    session.handle = recorder.handle(stageAt(session.intendedRunMs), planned.endpointKey);
    session.handedRunMs = nowRun;
    inFlight++;
    client.dispatch(request, wantBody?.(planned) ?? false, session, ended);
  };

  /** A request ended (answered or failed): record it, run the response hook, go on with its session. */
  function ended(session: Live, response: HttpResponse): void {
    const endMs = clock.nowMs();
    inFlight--;
    recorder.recordInto(
      session.handle as CellHandle,
      t0 + session.intendedRunMs,
      // Never written (refused, cut off while queued): the hand-off time stands in.
      Number.isNaN(response.sentAtMs) ? t0 + session.handedRunMs : response.sentAtMs,
      endMs,
      response.status,
      response.failure,
      response.bytes,
    );
    if (response.failure === 'cut_off') recorder.cutOff++;
    if (onResponse) onResponse(session.plan.requests[session.index] as PlannedRequest, response, session);
    advance(session, endMs - t0);
  }

  /** After request `session.index` ended at `endRunMs`: queue the next one after its think time, or end the session. */
  function advance(session: Live, endRunMs: number): void {
    const next = session.plan.requests[session.index + 1];
    if (next && !stopped && (session.vu === undefined || vuWanted[session.vu])) {
      const nextRunMs = endRunMs + next.thinkTimeMs * thinkTimeFactor;
      if (nextRunMs < scheduledMs) {
        schedule(session, session.index + 1, nextRunMs);
        return;
      }
    }
    finishSession(session, endRunMs);
  }

  /** Queues request `index` of `session` for `atRunMs`. */
  function schedule(session: Live, index: number, atRunMs: number): void {
    session.index = index;
    session.intendedRunMs = atRunMs;
    queue.push(atRunMs, session);
    if (!pumping && atRunMs < armedForMs) wake(clock.nowMs() - t0);
  }

  const startArrival = (arrival: Arrival, nowRun: number): void => {
    let id: number;
    if (generated) id = warmSessions + (arrival.index as number);
    else {
      id = sessionId++;
      if (!mine(id)) return;
    }
    if (liveSessions >= maxInFlight) {
      recorder.droppedSessions++;
      return;
    }
    const session = newSession(id, undefined, arrival.plan);
    if (!session) return;
    session.intendedRunMs = arrival.timeMs;
    send(session, nowRun);
  };

  for (const w of warm) {
    liveSessions++;
    recorder.sessionsStarted++;
    const session = new Live(w.plan);
    session.index = w.index;
    session.intendedRunMs = w.atMs;
    queue.push(w.atMs, session);
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
      const session = newUserSession(vu);
      if (session) {
        session.intendedRunMs = runMs;
        queue.push(runMs, session);
      }
    }
    for (let vu = vuWanted.length - 1; wanted > target && vu >= 0; vu--) {
      if (!vuWanted[vu]) continue;
      vuWanted[vu] = false; // ramp-down: it stops after its request in flight
      wanted--;
    }
  };

  const disarm = (): void => {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    armedForMs = Infinity;
  };

  const stop = (reason: string | null, atRunMs: number): void => {
    if (stopped) return;
    stopped = true;
    partialReason = reason;
    endedAtRunMs = Math.min(scheduledMs, atRunMs);
    disarm();
    // Sessions waiting for their next request end here; requests in flight may drain.
    while (queue.size > 0) {
      queue.pop();
      liveSessions--;
      recorder.sessionsCompleted++;
    }
    resolveDone();
  };

  const onAbort = (): void => stop(signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'interrupted'), clock.nowMs() - t0);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  function pump(): void {
    timer = undefined;
    immediate = undefined;
    armedForMs = Infinity;
    if (stopped) return;
    const nowRun = clock.nowMs() - t0;
    adjustUsers(nowRun);
    // Everything due by now goes out in this batch (bounded: only what was due at this reading,
    // and at most MAX_BATCH of it).
    pumping = true;
    let capped = true;
    for (let sent = 0; sent < MAX_BATCH; sent++) {
      const arrivalAt = nextArrival !== undefined ? nextArrival.timeMs : Infinity;
      const queuedAt = queue.size > 0 ? (queue.peekKey() as number) : Infinity;
      if (arrivalAt <= queuedAt) {
        if (arrivalAt > nowRun) {
          capped = false;
          break;
        }
        const arrival = nextArrival as Arrival;
        nextArrival = arrivals.next().value ?? undefined;
        startArrival(arrival, nowRun);
      } else {
        if (queuedAt > nowRun) {
          capped = false;
          break;
        }
        send(queue.pop() as Live, nowRun);
      }
      if (stopped) break;
    }
    pumping = false;
    while (nowRun - lastSecond * 1000 >= 1000 && !stopped) {
      lastSecond++;
      onSecond?.(lastSecond * 1000, recorder, { inFlight, sessions: liveSessions });
    }
    if (stopped) return;
    if (capped) {
      // More was due: the rest after pending I/O.
      armedForMs = -Infinity;
      immediate = setImmediate(pump);
      return;
    }
    if (nowRun >= scheduledMs) {
      stop(null, scheduledMs);
      return;
    }
    wake(clock.nowMs() - t0);
  }

  /** Sets the one timer for the next thing due: a send, the next second's hook, the end. */
  function wake(nowRun: number): void {
    if (stopped) return;
    let next = Math.min(scheduledMs, lastSecond * 1000 + 1000);
    if (users) next = Math.min(next, nowRun + 50); // re-check the user curve
    if (nextArrival !== undefined && nextArrival.timeMs < next) next = nextArrival.timeMs;
    if (queue.size > 0 && (queue.peekKey() as number) < next) next = queue.peekKey() as number;
    if (next >= armedForMs) return; // the timer already set comes first
    disarm();
    const delayMs = next - nowRun;
    if (delayMs <= SPIN_WITHIN_MS) {
      // Due now (or about to be): after pending I/O, not before, so responses are never starved.
      armedForMs = -Infinity;
      immediate = setImmediate(pump);
    } else {
      armedForMs = next;
      timer = setTimeout(pump, Math.max(1, Math.ceil(delayMs)));
    }
  }

  wake(clock.nowMs() - t0);
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
