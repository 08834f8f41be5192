/**
 * Navigation: how sessions move between endpoints, compared as first-order Markov chains.
 *
 *   distance = Σ_i π_i · ½ Σ_j |P_ij − Q_ij|
 *
 * P and Q are the reference's and the candidate's transition matrices (rows over the next
 * endpoint or the exit state), π the reference's visit frequencies. Each row's TVD says how
 * differently users go on from endpoint i; weighting by π makes a difference after the home page
 * count for more than one after a page seen once a day. 0 is the same navigation; 1 is entirely
 * different. A state the candidate never leaves (no row) counts as entirely different.
 */
import type { TrafficModel } from '../../core/types.js';
import { normalize, tvd } from './mix.js';

/** What the distance needs of a model: visit counts (or frequencies) and the transition rows. */
export interface MarkovChain {
  /** Endpoint key → how often it is visited (counts or shares; normalized here). */
  visits: Readonly<Record<string, number>>;
  /** From endpoint → (to endpoint or "$exit") → probability. */
  transitions: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface StateDistance {
  key: string;
  /** π_i: the reference's visit frequency of this state (among states with a row). */
  weight: number;
  /** ½ Σ_j |P_ij − Q_ij| for this row (1 when the candidate has no row). */
  distance: number;
  /** The next step whose probability differs most, for explanations. */
  largest: { to: string; reference: number; candidate: number } | null;
}

export interface TransitionComparison {
  distance: number;
  /** Per state, largest contribution (weight × distance) first. */
  states: StateDistance[];
}

/** The chain of a model: visit frequencies from its endpoint counts, rows from its matrix. */
export function chainOf(model: TrafficModel): MarkovChain {
  return {
    visits: Object.fromEntries(model.endpoints.map((e) => [e.key, e.count])),
    transitions: model.sessions.transitions,
  };
}

/**
 * Σ_i π_i · ½ Σ_j |P_ij − Q_ij|. π is the reference's visits renormalized over the states
 * that have a reference row (every visited state has one in a model built from sessions).
 * Returns null when the reference has no transitions at all (an aggregated source).
 */
export function transitionDistance(reference: MarkovChain, candidate: MarkovChain): TransitionComparison | null {
  const weights: Record<string, number> = {};
  for (const [key, row] of Object.entries(reference.transitions)) {
    const v = reference.visits[key] ?? 0;
    if (v > 0 && Object.keys(row).length > 0) weights[key] = v;
  }
  const pi = normalize(weights);
  if (Object.keys(pi).length === 0) return null;
  const states: StateDistance[] = [];
  let distance = 0;
  for (const [key, weight] of Object.entries(pi)) {
    const p = normalize(reference.transitions[key] ?? {});
    const candidateRow = candidate.transitions[key];
    const q = candidateRow ? normalize(candidateRow) : {};
    const rowDistance = Object.keys(q).length === 0 ? 1 : tvd(p, q);
    let largest: StateDistance['largest'] = null;
    for (const to of new Set([...Object.keys(p), ...Object.keys(q)])) {
      const diff = Math.abs((p[to] ?? 0) - (q[to] ?? 0));
      if (largest === null || diff > Math.abs(largest.reference - largest.candidate)) largest = { to, reference: p[to] ?? 0, candidate: q[to] ?? 0 };
    }
    states.push({ key, weight, distance: rowDistance, largest });
    distance += weight * rowDistance;
  }
  states.sort((a, b) => b.weight * b.distance - a.weight * a.distance || (a.key < b.key ? -1 : 1));
  return { distance, states };
}
