import { createRng, hashSeed, hashSeedFrom } from '../core/rng.js';
import type { Rng } from '../core/rng.js';
import type { Distribution, ModelEndpoint, PlannedRequest, SessionPlan, TrafficModel } from '../core/types.js';
import { pickWeighted, sampleDistribution } from './sample.js';

export const EXIT = '$exit';

export interface SynthOptions {
  seed: number;
  /** A walk never exceeds this many requests (guards against a transition matrix without exits). */
  maxSessionLength?: number;
}

type Table = { entries: [string, number][]; total: number };

function toTable(probabilities: Record<string, number>, usable: (key: string) => boolean): Table {
  const entries = Object.entries(probabilities).filter(([key, p]) => p > 0 && usable(key));
  return { entries, total: entries.reduce((sum, [, p]) => sum + p, 0) };
}

/**
 * Turns the model into concrete sessions: an entry endpoint, a first-order Markov walk until
 * the exit state, think times sampled from the transition's own distribution where the model
 * has one (`thinkTimeByTransition`), else from the overall one, path parameters filled
 * from the model's pools of real values. Session `id` alone decides its content (each session
 * has its own RNG stream derived from the seed), so any process can build any session.
 */
export class SessionSynthesizer {
  private readonly endpoints = new Map<string, ModelEndpoint>();
  private readonly entry: Table;
  private readonly transitions = new Map<string, Table>();
  private readonly thinkByTransition = new Map<string, Map<string, Distribution>>();
  private readonly mix: Table;
  private readonly maxLength: number;
  /** No navigation in the model (an aggregated source): pages drawn from the mix, length from the distribution. */
  private readonly independent: boolean;
  /** FNV states of the seed strings' fixed prefixes (`${seed}:single:` ...): an id then hashes only its digits. */
  private readonly singlePrefix: number;
  private readonly sessionPrefix: number;
  private readonly flowPrefix: number;
  private readonly plainSingles = new Map<string, PlannedRequest[] | null>();

  constructor(
    private readonly model: TrafficModel,
    private readonly options: SynthOptions,
  ) {
    for (const endpoint of model.endpoints) {
      if (isReplayable(endpoint)) this.endpoints.set(endpoint.key, endpoint);
    }
    const usable = (key: string): boolean => key === EXIT || this.endpoints.has(key);
    this.entry = toTable(model.sessions.entry, usable);
    if (this.entry.total === 0) {
      // No entry table (aggregated source): enter by the endpoint mix.
      this.entry = toTable(Object.fromEntries(model.endpoints.map((e) => [e.key, e.share])), usable);
    }
    this.mix = toTable(Object.fromEntries(model.endpoints.map((e) => [e.key, e.count])), (key) => this.endpoints.has(key));
    for (const [from, row] of Object.entries(model.sessions.transitions)) {
      this.transitions.set(from, toTable(row, usable));
    }
    for (const [from, row] of Object.entries(model.sessions.thinkTimeByTransition ?? {})) {
      this.thinkByTransition.set(from, new Map(Object.entries(row)));
    }
    this.singlePrefix = hashSeed(`${options.seed}:single:`);
    this.sessionPrefix = hashSeed(`${options.seed}:`);
    this.flowPrefix = hashSeed(`${options.seed}:flow:`);
    this.maxLength = options.maxSessionLength ?? Math.max(50, Math.ceil(model.sessions.length.max * 2));
    this.independent = Object.keys(model.sessions.entry).length === 0 && Object.keys(model.sessions.transitions).length === 0;
  }

  /**
   * A one-request session drawn from the endpoint mix: what a fixed request rate (`--rate`)
   * plays, like k6's constant-arrival-rate with the model's mix.
   */
  single(id: number): SessionPlan {
    // A one-endpoint mix draws nothing: no generator to build (the same plan either way).
    const only = this.mix.entries.length === 1 ? this.plainSingle((this.mix.entries[0] as [string, number])[0]) : undefined;
    if (only) return { id, requests: only };
    // Same seed as hashSeed(`${seed}:single:${id}`), without building the string.
    const rng = createRng(hashSeedFrom(this.singlePrefix, String(id)));
    const key = pickWeighted(this.mix.entries, this.mix.total, rng);
    const endpoint = key === undefined ? undefined : this.endpoints.get(key);
    if (!endpoint) return { id, requests: [] };
    const plain = this.plainSingle(endpoint.key);
    if (plain) return { id, requests: plain };
    const params: Record<string, string> = {};
    return { id, requests: [{ endpointKey: endpoint.key, method: endpoint.method, path: fillPath(endpoint, rng, params), params, thinkTimeMs: 0 }] };
  }

  /**
   * The request list of a one-request session to an endpoint without path parameters: the
   * same for every session, so built once and shared (frozen: nothing downstream changes a plan).
   */
  private plainSingle(key: string): PlannedRequest[] | undefined {
    let plain = this.plainSingles.get(key);
    if (plain === undefined) {
      const endpoint = this.endpoints.get(key);
      plain =
        endpoint && !endpoint.template.includes(':')
          ? Object.freeze([Object.freeze({ endpointKey: endpoint.key, method: endpoint.method, path: endpoint.template, params: Object.freeze({}), thinkTimeMs: 0 })]) as unknown as PlannedRequest[]
          : null;
      this.plainSingles.set(key, plain);
    }
    return plain ?? undefined;
  }

  /**
   * A scripted session: the profile's flow, step by step. A step's endpoint key is its method
   * and path without the query, a `${...}` template standing as `:param` (templates are
   * expanded when the request is built);
   * its think time is the step's own, or one sampled from the model.
   */
  flowSession(id: number, flow: readonly { method: string; path: string; thinkMs: number | null }[]): SessionPlan {
    const rng = createRng(hashSeedFrom(this.flowPrefix, String(id)));
    return {
      id,
      requests: flow.map((step, i) => ({
        endpointKey: `${step.method} ${(step.path.split('?')[0] as string).replace(/\$\{[^}]*\}/g, ':param')}`,
        method: step.method,
        path: step.path,
        thinkTimeMs: i === 0 ? 0 : (step.thinkMs ?? Math.max(0, sampleDistribution(this.model.sessions.thinkTimeMs, rng))),
      })),
    };
  }

  /** The think-time distribution of the gap from `from` to `to`: the transition's own, else the overall one. */
  thinkTimeOf(from: string, to: string): Distribution {
    return this.thinkByTransition.get(from)?.get(to) ?? this.model.sessions.thinkTimeMs;
  }

  /** The replayable endpoints (those with a concrete route). */
  endpointKeys(): string[] {
    return [...this.endpoints.keys()];
  }

  session(id: number): SessionPlan {
    const rng = createRng(hashSeedFrom(this.sessionPrefix, String(id)));
    const requests: PlannedRequest[] = [];
    let key = pickWeighted(this.entry.entries, this.entry.total, rng);
    // Without navigation, the session's length is drawn first and each page from the mix.
    const length = this.independent ? Math.min(this.maxLength, Math.max(1, Math.round(sampleDistribution(this.model.sessions.length, rng)))) : this.maxLength;
    let previous: string | undefined;
    while (key !== undefined && key !== EXIT && requests.length < length) {
      const endpoint = this.endpoints.get(key);
      if (!endpoint) break;
      const params: Record<string, string> = {};
      requests.push({
        endpointKey: key,
        method: endpoint.method,
        path: fillPath(endpoint, rng, params),
        params,
        thinkTimeMs: previous === undefined ? 0 : Math.max(0, sampleDistribution(this.thinkTimeOf(previous, key), rng)),
      });
      previous = key;
      if (this.independent) {
        key = pickWeighted(this.entry.entries, this.entry.total, rng);
        continue;
      }
      const row = this.transitions.get(key);
      key = row && row.total > 0 ? pickWeighted(row.entries, row.total, rng) : EXIT;
    }
    return { id, requests };
  }
}

/** Endpoints whose template can be turned back into a concrete path. */
export function isReplayable(endpoint: ModelEndpoint): boolean {
  return endpoint.template.startsWith('/') && !endpoint.template.includes(':other');
}

function fillPath(endpoint: ModelEndpoint, rng: Rng, chosen: Record<string, string>): string {
  const template = endpoint.template;
  if (!template.includes(':')) return template;
  return template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
    const pool = endpoint.params?.[`:${name}`] ?? endpoint.params?.[name];
    const value = pool && pool.length > 0 ? (pool[Math.floor(rng.next() * pool.length)] as string) : String(1 + Math.floor(rng.next() * 1000));
    chosen[name] = value;
    return encodeURIComponent(value);
  });
}
