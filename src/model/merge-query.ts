/**
 * Query parameter statistics of merged endpoints (`query` and `queryOther`, whose meaning
 * endpoints.ts gives). What is exact and what is a bound is listed at the top of merge.ts; in
 * short: request counts are recovered from the shares (share × endpoint count), summed and
 * divided again; `top` lists are summed value by value and cut to QUERY_TOP; `distinct` is the
 * largest of the inputs' (a lower bound: the sketches are not in the model).
 */
import type { ModelEndpoint, ModelQueryParam } from '../core/types.js';
import { round } from './distribution.js';
import { QUERY_NAMES_LISTED, QUERY_TOP } from './endpoints.js';

/** One name, summed over the inputs that list it. */
interface NameAcc {
  /** Requests carrying it. */
  requests: number;
  /** The largest of the inputs' estimates. */
  distinct: number;
  /** Value → summed count, in the order first met (inputs in order, each most frequent first). */
  top: Map<string, number>;
  /** Occurrences with a value (estimated from `top` and `otherShare`, see `valuedOf`). */
  valued: number;
}

/** The query statistics of one merged endpoint (or `/:other` bucket). */
export class QueryAcc {
  private readonly names = new Map<string, NameAcc>();
  /** Requests carrying a name the inputs did not list (their `queryOther`, once per name). */
  private otherRequests = 0;
  /** Of each input endpoint with statistics: how many names it did not list, and those it listed. */
  private readonly inputs: { unlisted: number; listed: Set<string> }[] = [];

  /** Adds the statistics of one input endpoint. */
  absorb(e: ModelEndpoint): void {
    if (e.query === undefined && e.queryOther === undefined) return;
    for (const [name, q] of Object.entries(e.query ?? {})) {
      let acc = this.names.get(name);
      if (acc === undefined) this.names.set(name, (acc = { requests: 0, distinct: 0, top: new Map(), valued: 0 }));
      const requests = Math.round(q.share * e.count);
      acc.requests += requests;
      acc.distinct = Math.max(acc.distinct, q.distinct);
      for (const [value, n] of q.top) acc.top.set(value, (acc.top.get(value) ?? 0) + n);
      acc.valued += valuedOf(q, requests);
    }
    this.otherRequests += Math.round((e.queryOther?.share ?? 0) * e.count);
    this.inputs.push({ unlisted: e.queryOther?.names ?? 0, listed: new Set(Object.keys(e.query ?? {})) });
  }

  /** Adds another accumulator (an endpoint folded into a `/:other` bucket). */
  merge(other: QueryAcc): void {
    for (const [name, o] of other.names) {
      const acc = this.names.get(name);
      if (acc === undefined) {
        this.names.set(name, { ...o, top: new Map(o.top) });
        continue;
      }
      acc.requests += o.requests;
      acc.distinct = Math.max(acc.distinct, o.distinct);
      for (const [value, n] of o.top) acc.top.set(value, (acc.top.get(value) ?? 0) + n);
      acc.valued += o.valued;
    }
    this.otherRequests += other.otherRequests;
    this.inputs.push(...other.inputs);
  }

  /** `query` and `queryOther` of the merged endpoint of `count` requests, as the builder writes them. */
  finish(count: number): Pick<ModelEndpoint, 'query' | 'queryOther'> {
    const out: Pick<ModelEndpoint, 'query' | 'queryOther'> = {};
    if (count === 0 || this.inputs.length === 0) return out;
    const ranked = [...this.names].sort((a, b) => b[1].requests - a[1].requests || compare(a[0], b[0]));
    const listed = ranked.slice(0, QUERY_NAMES_LISTED).sort((a, b) => compare(a[0], b[0]));
    if (listed.length > 0) {
      const query: Record<string, ModelQueryParam> = {};
      for (const [name, acc] of listed) {
        // A stable sort: ties keep the order first met.
        const top = [...acc.top].sort((a, b) => b[1] - a[1]).slice(0, QUERY_TOP);
        const inTop = top.reduce((s, [, n]) => s + n, 0);
        query[name] = {
          share: round(Math.min(1, acc.requests / count), 6),
          distinct: acc.distinct,
          top,
          otherShare: acc.valued > 0 ? round(Math.max(0, 1 - inTop / acc.valued), 4) : 0,
        };
      }
      out.query = query;
    }
    const rest = ranked.slice(QUERY_NAMES_LISTED);
    if (rest.length > 0 || this.inputs.some((i) => i.unlisted > 0)) {
      // The names an input left out are known only by number, and may be names another input
      // listed. Those left out of the merged listing are at least the known ones (`rest`), and,
      // for each input, its own left-out names that cannot be listed now (at most the listed
      // names it did not list are among them) plus the known ones it listed (not among them).
      const listedNames = listed.map(([name]) => name);
      let names = rest.length;
      for (const i of this.inputs) {
        const mayBeListedNow = listedNames.filter((n) => !i.listed.has(n)).length;
        const knownOfItsOwn = rest.filter(([n]) => i.listed.has(n)).length;
        names = Math.max(names, Math.max(0, i.unlisted - mayBeListedNow) + knownOfItsOwn);
      }
      const requests = this.otherRequests + rest.reduce((s, [, acc]) => s + acc.requests, 0);
      out.queryOther = { names, share: round(Math.min(1, requests / count), 6) };
    }
    return out;
  }
}

/**
 * Occurrences of a name with a value, which the model does not store: `top` holds
 * (1 − otherShare) of them. With nothing in `top` (a sensitive name: values never kept) or
 * everything outside it, the requests carrying the name stand in.
 */
function valuedOf(q: ModelQueryParam, requests: number): number {
  const inTop = q.top.reduce((s, [, n]) => s + n, 0);
  if (q.otherShare <= 0) return inTop;
  if (q.otherShare < 1 && inTop > 0) return inTop / (1 - q.otherShare);
  return Math.max(inTop, requests);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
