import { UsageError } from '../core/errors.js';
import type { ModelSessionClass, TrafficModel } from '../core/types.js';

/**
 * `--traffic human|bot|all`: which class of sessions a run replays (the model keeps bots and
 * crawlers apart by user agent, see src/model/bots.ts).
 *
 * `selectTraffic` returns the model as if only that class had been logged, so that everything
 * downstream (synthesizer, arrival curve, self-check, reports) needs no change:
 * - sessions: the class's own length, duration, think times (overall and per transition), entry
 *   and transition tables;
 * - arrivals: session counts and rates × the class's share of sessions, request counts and rates
 *   × its share of requests. The daily shape and the peak hour stay those of all traffic (the
 *   model does not keep them per class);
 * - endpoints: counts and shares are the class's expected visits (from its entry and transition
 *   tables), so that the mix a run is checked against, and `--rate`'s mix, are the class's.
 */

export type TrafficSelection = 'all' | 'human' | 'bot';
export const TRAFFIC_SELECTIONS: readonly TrafficSelection[] = ['all', 'human', 'bot'];

/** `--traffic` text → the selection (default all); a UsageError for anything else. */
export function parseTraffic(text: string | undefined): TrafficSelection {
  if (text === undefined) return 'all';
  const t = text.trim().toLowerCase();
  if ((TRAFFIC_SELECTIONS as readonly string[]).includes(t)) return t as TrafficSelection;
  throw new UsageError(`--traffic "${text}": expected human, bot or all`, { hint: 'human: people only; bot: bots and crawlers only; all (the default): both, as logged' });
}

/** The share of sessions in `traffic` (1 for all; null when the model does not know). */
export function trafficShare(model: TrafficModel, traffic: TrafficSelection): number | null {
  if (traffic === 'all') return 1;
  const cls = model.sessions.classes?.[traffic];
  if (cls === undefined) return null;
  return model.sessions.count > 0 ? cls.count / model.sessions.count : 0;
}

export function selectTraffic(model: TrafficModel, traffic: TrafficSelection): TrafficModel {
  if (traffic === 'all') return model;
  const classes = model.sessions.classes;
  if (classes === undefined) {
    throw new UsageError(`--traffic ${traffic}: this model does not tell bots from people (written by an older tidemark)`, { hint: 'import the log again, or use --traffic all' });
  }
  const cls = classes[traffic];
  if (cls.count === 0) {
    throw new UsageError(`--traffic ${traffic}: the model has no ${traffic === 'bot' ? 'bot' : 'human'} sessions`, { hint: `its ${model.sessions.count} sessions are all ${traffic === 'bot' ? 'people' : 'bots'}; use --traffic all` });
  }
  if (cls.count === model.sessions.count) return model; // the class is all the traffic
  const { length, durationSec, thinkTimeMs, entry, transitions } = cls;
  if (!length || !durationSec || !thinkTimeMs || !entry || !transitions) {
    throw new UsageError(`--traffic ${traffic}: the model has no statistics of its ${traffic} sessions`, { hint: 'import the log again, or use --traffic all' });
  }
  const sessionShare = cls.count / model.sessions.count;
  const requestShare = model.totals.requests > 0 ? Math.min(1, cls.requests / model.totals.requests) : sessionShare;
  const { peak } = model.arrivals;
  return {
    ...model,
    totals: { ...model.totals, requests: cls.requests },
    endpoints: classEndpoints(model, cls),
    sessions: {
      ...model.sessions,
      count: cls.count,
      length,
      durationSec,
      thinkTimeMs,
      entry,
      transitions,
      thinkTimeByTransition: cls.thinkTimeByTransition ?? {},
    },
    arrivals: {
      ...model.arrivals,
      sessionsPerHour: model.arrivals.sessionsPerHour.map((n) => n * sessionShare),
      requestsPerHour: model.arrivals.requestsPerHour.map((n) => n * requestShare),
      peak: {
        ...peak,
        sessions: Math.round(peak.sessions * sessionShare),
        requests: Math.round(peak.requests * requestShare),
        sessionsPerSec: peak.sessionsPerSec * sessionShare,
        requestsPerSec: peak.requestsPerSec * requestShare,
        sessionsPerMinute: peak.sessionsPerMinute.map((n) => n * sessionShare),
      },
    },
  };
}

/** Most sweeps of the visit equation; it converges geometrically (faster the shorter the sessions). */
const MAX_SWEEPS = 1000;

/**
 * The model's endpoints with the class's expected request counts: visits v solve
 * v = n·entry + Pᵀ·v (every request is an entry or the target of a transition), found by
 * repeated substitution from v = n·entry.
 */
function classEndpoints(model: TrafficModel, cls: ModelSessionClass): TrafficModel['endpoints'] {
  const entry = cls.entry ?? {};
  const transitions = cls.transitions ?? {};
  const base = new Map<string, number>();
  for (const [key, p] of Object.entries(entry)) base.set(key, p * cls.count);
  let visits = new Map(base);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    const next = new Map(base);
    for (const [from, row] of Object.entries(transitions)) {
      const v = visits.get(from) ?? 0;
      if (v === 0) continue;
      for (const [to, p] of Object.entries(row)) if (to !== '$exit') next.set(to, (next.get(to) ?? 0) + v * p);
    }
    let change = 0;
    let total = 0;
    for (const [key, v] of next) {
      change += Math.abs(v - (visits.get(key) ?? 0));
      total += v;
    }
    visits = next;
    if (change <= 1e-9 * Math.max(1, total)) break;
  }
  // Scaled to the class's logged request count (the walk's own total differs by rounding).
  const walked = [...visits.values()].reduce((s, v) => s + v, 0);
  const scale = walked > 0 ? cls.requests / walked : 0;
  return model.endpoints.map((e) => {
    const count = Math.round((visits.get(e.key) ?? 0) * scale);
    return { ...e, count, share: cls.requests > 0 ? Math.round((count / cls.requests) * 1e6) / 1e6 : 0 };
  });
}
