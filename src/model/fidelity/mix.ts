/**
 * Endpoint mix: how the requests of two traffic samples spread over endpoints.
 *
 * The distance is the total variation distance TVD = ½ Σ_i |p_i − q_i| over the union of the
 * keys (a key missing on one side counts as 0 there): 0 for the same mix, 1 for disjoint ones.
 * It is the largest difference in probability that the two mixes give to any set of endpoints,
 * so "TVD 0.05" reads as "at most 5% of the requests go somewhere else".
 */

/** A probability table: key → share. */
export type Shares = Readonly<Record<string, number>>;

/** ½ Σ |p − q| over the union of the keys of `p` and `q` (both taken as given, not renormalized). */
export function tvd(p: Shares, q: Shares): number {
  let sum = 0;
  for (const [key, pv] of Object.entries(p)) sum += Math.abs(pv - (q[key] ?? 0));
  for (const [key, qv] of Object.entries(q)) if (!(key in p)) sum += Math.abs(qv);
  return sum / 2;
}

/** Counts (or weights) → shares summing to 1; an empty or all-zero table gives {}. */
export function normalize(counts: Readonly<Record<string, number>>): Record<string, number> {
  let total = 0;
  for (const v of Object.values(counts)) if (v > 0) total += v;
  const out: Record<string, number> = {};
  if (total <= 0) return out;
  for (const [key, v] of Object.entries(counts)) if (v > 0) out[key] = v / total;
  return out;
}

export interface EndpointShareComparison {
  key: string;
  reference: number;
  candidate: number;
  /** (candidate − reference) / reference: −0.5 is "half as often", +1 "twice as often". */
  relativeError: number;
}

export interface MixComparison {
  tvd: number;
  /** Every endpoint with at least `minShare` of the reference, largest reference share first. */
  endpoints: EndpointShareComparison[];
  /** Reference endpoints the candidate never hit, largest reference share first. */
  missingInCandidate: { key: string; share: number }[];
  /** Candidate endpoints the reference never saw, largest candidate share first. */
  missingInReference: { key: string; share: number }[];
  /** The endpoints whose difference adds most to the TVD, largest first (at most five). */
  largestDifferences: { key: string; reference: number; candidate: number }[];
}

const byShare = (a: { key: string; share: number }, b: { key: string; share: number }): number => b.share - a.share || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Compares two mixes given as counts or shares (each side is normalized first). `minShare`
 * (default 1%) decides which reference endpoints get a relative error.
 */
export function compareMix(reference: Readonly<Record<string, number>>, candidate: Readonly<Record<string, number>>, minShare = 0.01): MixComparison {
  const p = normalize(reference);
  const q = normalize(candidate);
  const endpoints: EndpointShareComparison[] = Object.entries(p)
    .filter(([, share]) => share >= minShare)
    .map(([key, share]) => {
      const c = q[key] ?? 0;
      return { key, reference: share, candidate: c, relativeError: (c - share) / share };
    })
    .sort((a, b) => b.reference - a.reference || (a.key < b.key ? -1 : 1));
  const missingInCandidate = Object.entries(p)
    .filter(([key]) => !(key in q))
    .map(([key, share]) => ({ key, share }))
    .sort(byShare);
  const missingInReference = Object.entries(q)
    .filter(([key]) => !(key in p))
    .map(([key, share]) => ({ key, share }))
    .sort(byShare);
  const keys = new Set([...Object.keys(p), ...Object.keys(q)]);
  const largestDifferences = [...keys]
    .map((key) => ({ key, reference: p[key] ?? 0, candidate: q[key] ?? 0 }))
    .filter((d) => d.reference !== d.candidate)
    .sort((a, b) => Math.abs(b.candidate - b.reference) - Math.abs(a.candidate - a.reference) || (a.key < b.key ? -1 : 1))
    .slice(0, 5);
  return { tvd: tvd(p, q), endpoints, missingInCandidate, missingInReference, largestDifferences };
}

/**
 * The TVD that sampling noise alone gives when `n` requests are drawn from the mix `p`:
 * E|p̂_i − p_i| ≈ √(2 p_i (1 − p_i) / (π n)) for each endpoint (normal approximation), halved
 * and summed. A short run's mix is never exact; a gate should not fail it for that.
 */
export function expectedSamplingTvd(p: Shares, n: number): number {
  if (n <= 0) return 1;
  let sum = 0;
  for (const share of Object.values(p)) sum += Math.sqrt((2 * share * (1 - share)) / (Math.PI * n));
  return sum / 2;
}
