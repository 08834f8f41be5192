// Burstiness of arrivals: counts per 10 ms slot, from nginx's access log (`$msec`, one line per
// request), compared with what evenly spaced arrivals promise (R/100 per slot, give or take one).
import { readFileSync } from 'node:fs';
import { quantile } from './common.mjs';

/**
 * @param {string} logPath nginx access log with one `$msec` (seconds.millis) per line
 * @param {number} ratePerSec the rate the generator promised
 * @param {{ skipStartSec?: number, skipEndSec?: number, slotMs?: number }} options the run's first
 *   and last seconds are left out (start-up and the end are not the steady state)
 */
export function slotStats(logPath, ratePerSec, { skipStartSec = 2, skipEndSec = 1, slotMs = 10 } = {}) {
  const times = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Math.round(Number(l) * 1000))
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b);
  if (times.length === 0) return null;
  const from = times[0] + skipStartSec * 1000;
  const to = times[times.length - 1] - skipEndSec * 1000;
  const slots = Math.floor((to - from) / slotMs);
  if (slots <= 0) return null;
  const counts = new Array(slots).fill(0);
  for (const t of times) {
    if (t < from) continue;
    const i = Math.floor((t - from) / slotMs);
    if (i >= slots) break;
    counts[i]++;
  }
  const expected = (ratePerSec * slotMs) / 1000;
  const mean = counts.reduce((s, c) => s + c, 0) / slots;
  const variance = counts.reduce((s, c) => s + (c - mean) ** 2, 0) / slots;
  const sorted = [...counts].sort((a, b) => a - b);
  // Evenly spaced arrivals put floor(E) or ceil(E) in every slot; allow one more either way
  // for nginx's clock, which it reads once per event-loop pass.
  const lo = Math.floor(expected) - 1;
  const hi = Math.ceil(expected) + 1;
  const within = counts.filter((c) => c >= lo && c <= hi).length / slots;
  // The goal's tolerance: ±10% of the promised count, at least ±1.
  const tolerance = Math.max(1, Math.ceil(expected * 0.1));
  const within10 = counts.filter((c) => Math.abs(c - expected) <= tolerance).length / slots;
  return {
    slots,
    expected,
    mean,
    /** Var/mean of the counts: ~0 when evenly spaced, 1 for Poisson, ≫ 1 for bursts. */
    dispersion: mean > 0 ? variance / mean : NaN,
    p1: quantile(sorted, 0.01),
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    empty: counts.filter((c) => c === 0).length / slots,
    within,
    within10,
  };
}
