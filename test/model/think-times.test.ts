import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../src/core/rng.js';
import type { LogRecord, TrafficModel } from '../../src/core/types.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { differs, KeyedThinkTimes, MIN_SAMPLES, QUANTILE_POINTS, ThinkSlot, TransitionThinkTimes } from '../../src/model/think-times.js';
import { SessionSynthesizer } from '../../src/synth/synthesizer.js';
import { MIN, OPTIONS, SEC, rec } from './records.js';

/** Log-normal with the given median (σ of the log 0.6): think times are about that shape. */
function lognormal(rng: Rng, median: number): number {
  const u = 1 - rng.next();
  const v = rng.next();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(0.6 * z);
}

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lower = Math.floor(rank);
  const lo = sorted[lower] as number;
  return lo + ((sorted[Math.min(lower + 1, sorted.length - 1)] as number) - lo) * (rank - lower);
}

describe('ThinkSlot', () => {
  it('is exact for few gaps and within 2% of the exact quantiles for many', () => {
    const rng = createRng(1);
    const few = new ThinkSlot();
    const fewValues = [5, 1, 4, 2, 3];
    for (const v of fewValues) few.add(v);
    expect(few.quantile(0.5)).toBe(3);
    expect(few.quantile(0.25)).toBe(2);

    const slot = new ThinkSlot();
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = lognormal(rng, 4000);
      values.push(v);
      slot.add(v);
    }
    for (const q of [0.05, 0.25, 0.5, 0.75, 0.9, 0.99]) {
      expect(Math.abs(slot.quantile(q) / exactQuantile(values, q) - 1), `q=${q}`).toBeLessThan(0.02);
    }
    const d = slot.toDistribution();
    expect(d.quantiles).toHaveLength(QUANTILE_POINTS);
    expect(d.quantiles[5]).toBe(d.p50);
    expect(d.quantiles[9]).toBe(d.p90);
    expect(d.quantiles[0]).toBe(Math.round(Math.min(...values))); // whole ms
    expect(d.count).toBe(20_000);
    for (let i = 1; i < d.quantiles.length; i++) expect(d.quantiles[i]).toBeGreaterThanOrEqual(d.quantiles[i - 1] as number);
  });

  it('merges as if every gap had been added to one slot', () => {
    const rng = createRng(2);
    const a = new ThinkSlot();
    const b = new ThinkSlot();
    const all = new ThinkSlot();
    for (let i = 0; i < 3000; i++) {
      const v = lognormal(rng, i % 2 === 0 ? 500 : 8000);
      (i % 3 === 0 ? a : b).add(v);
      all.add(v);
    }
    a.merge(b);
    expect(a.count).toBe(all.count);
    for (const q of [0.1, 0.5, 0.9]) expect(a.quantile(q)).toBeCloseTo(all.quantile(q), 6);
  });
});

describe('TransitionThinkTimes', () => {
  it('stays within its slot cap and keeps the frequent transitions when full', () => {
    const table = new TransitionThinkTimes(64);
    // Two frequent transitions among 5,000 one-off ones (provisional keys before folding).
    for (let i = 0; i < 5000; i++) {
      table.add(1, 2, 1000);
      table.add(2, 3, 20_000);
      table.add(100 + i, 200 + i, 5);
      expect(table.size).toBeLessThanOrEqual(64);
    }
    const rows = table.entries();
    expect(rows.get(1)?.get(2)?.count).toBe(5000);
    expect(rows.get(2)?.get(3)?.count).toBe(5000);
  });

  it('merges slots when keys merge (remap)', () => {
    const table = new TransitionThinkTimes();
    for (let i = 0; i < 40; i++) {
      table.add(10, 1, 100);
      table.add(11, 1, 300);
    }
    table.remap((id) => (id === 11 ? 10 : id));
    expect(table.size).toBe(1);
    expect(table.entries().get(10)?.get(1)?.count).toBe(80);
  });

  it('writes only transitions with enough gaps, the most frequent first, keys sorted', () => {
    const keyed = new KeyedThinkTimes();
    const slot = (n: number): ThinkSlot => {
      const s = new ThinkSlot();
      for (let i = 0; i < n; i++) s.add(100 + i);
      return s;
    };
    keyed.add('GET /b', 'GET /a', slot(MIN_SAMPLES));
    keyed.add('GET /a', 'GET /c', slot(MIN_SAMPLES - 1));
    keyed.add('GET /a', 'GET /b', slot(200));
    keyed.add('GET /a', 'GET /b', slot(10)); // merged into the same transition
    const written = keyed.toModel(null);
    expect(Object.keys(written)).toEqual(['GET /a', 'GET /b']);
    expect(Object.keys(written['GET /a'] ?? {})).toEqual(['GET /b']);
    expect(written['GET /a']?.['GET /b']?.count).toBe(210);
    expect(Object.keys(keyed.toModel(null, 1))).toEqual(['GET /a']);
  });
});

describe('differs (Kolmogorov–Smirnov on quantiles)', () => {
  const sample = (seed: number, n: number, median: number): ThinkSlot => {
    const rng = createRng(seed);
    const slot = new ThinkSlot();
    for (let i = 0; i < n; i++) slot.add(lognormal(rng, median));
    return slot;
  };

  it('tells a different distribution from sampling noise', () => {
    const overall = sample(1, 50_000, 5000).toDistribution(101, 1);
    expect(differs(sample(2, 400, 5000).toDistribution(), overall)).toBe(false);
    expect(differs(sample(3, 400, 6500).toDistribution(), overall)).toBe(true);
    // With few gaps, only a large difference counts.
    expect(differs(sample(4, 30, 6500).toDistribution(), overall)).toBe(false);
    expect(differs(sample(5, 30, 1000).toDistribution(), overall)).toBe(true);
  });

  it('leaves out a transition that the overall distribution already describes', () => {
    const keyed = new KeyedThinkTimes();
    keyed.add('GET /a', 'GET /b', sample(6, 300, 5000));
    keyed.add('GET /b', 'GET /c', sample(7, 300, 500));
    const overall = sample(8, 20_000, 5000).toDistribution(101, 1);
    expect(Object.keys(keyed.toModel(overall))).toEqual(['GET /b']);
  });
});

describe('think times per transition in the model', () => {
  /**
   * 400 sessions: /products/:id (one of 200 ids) → /cart after ~1 s (a quick add to cart), then
   * /cart → /checkout after ~20 s (filling in the form). Overall the median is between the two.
   */
  function generated(): { model: TrafficModel; gaps: { toCart: number[]; toCheckout: number[] } } {
    const rng = createRng(42);
    const records: LogRecord[] = [];
    const gaps = { toCart: [] as number[], toCheckout: [] as number[] };
    for (let s = 0; s < 400; s++) {
      const start = s * 20 * SEC;
      const client = `10.1.${s >> 8}.${s & 255}`;
      const toCart = Math.round(lognormal(rng, 1000));
      const toCheckout = Math.round(lognormal(rng, 20_000));
      gaps.toCart.push(toCart);
      gaps.toCheckout.push(toCheckout);
      records.push(rec({ at: start, client, path: `/products/${s % 200}` }));
      records.push(rec({ at: start + toCart, client, method: 'POST', path: '/cart' }));
      records.push(rec({ at: start + toCart + toCheckout, client, method: 'POST', path: '/checkout' }));
    }
    records.sort((a, b) => a.timeMs - b.timeMs);
    const b = new ModelBuilder(OPTIONS);
    for (const r of records) b.add(r);
    return { model: b.finish(), gaps };
  }
  const { model, gaps } = generated();

  it('recovers each transition\'s median think time within 10%, keyed by the folded templates', () => {
    const table = model.sessions.thinkTimeByTransition ?? {};
    expect(Object.keys(table)).toEqual(['GET /products/:id', 'POST /cart']);
    const toCart = table['GET /products/:id']?.['POST /cart'];
    const toCheckout = table['POST /cart']?.['POST /checkout'];
    expect(toCart?.count).toBe(400);
    expect(toCheckout?.count).toBe(400);
    expect(Math.abs((toCart?.p50 as number) / 1000 - 1)).toBeLessThan(0.1);
    expect(Math.abs((toCheckout?.p50 as number) / 20_000 - 1)).toBeLessThan(0.1);
    // And they are the logged gaps' own medians, closer still.
    expect(Math.abs((toCart?.p50 as number) / exactQuantile(gaps.toCart, 0.5) - 1)).toBeLessThan(0.02);
    expect(Math.abs((toCheckout?.p50 as number) / exactQuantile(gaps.toCheckout, 0.5) - 1)).toBeLessThan(0.02);
    // The overall distribution mixes both.
    expect(model.sessions.thinkTimeMs.count).toBe(800);
    expect(model.sessions.thinkTimeMs.p50).toBeGreaterThan(toCart?.p90 as number);
  });

  it('the synthesizer samples each transition from its own distribution', () => {
    const synth = new SessionSynthesizer(model, { seed: 3 });
    const sampled = { toCart: [] as number[], toCheckout: [] as number[] };
    for (let id = 0; id < 2000; id++) {
      const [, cart, checkout] = synth.session(id).requests;
      if (cart) sampled.toCart.push(cart.thinkTimeMs);
      if (checkout) sampled.toCheckout.push(checkout.thinkTimeMs);
    }
    expect(sampled.toCart).toHaveLength(2000);
    expect(Math.abs(exactQuantile(sampled.toCart, 0.5) / 1000 - 1)).toBeLessThan(0.1);
    expect(Math.abs(exactQuantile(sampled.toCheckout, 0.5) / 20_000 - 1)).toBeLessThan(0.1);

    // Without the table (an older model) both come from the overall distribution.
    const older = structuredClone(model);
    delete older.sessions.thinkTimeByTransition;
    const plain = new SessionSynthesizer(older, { seed: 3 });
    const cartGaps: number[] = [];
    for (let id = 0; id < 2000; id++) cartGaps.push(plain.session(id).requests[1]?.thinkTimeMs as number);
    expect(exactQuantile(cartGaps, 0.5)).toBeGreaterThan(3000);
  });

  it('leaves out transitions with fewer than 30 gaps', () => {
    const b = new ModelBuilder(OPTIONS);
    for (let s = 0; s < 29; s++) {
      b.add(rec({ at: s * MIN, client: `10.2.0.${s}`, path: '/a' }));
      b.add(rec({ at: s * MIN + 2 * SEC, client: `10.2.0.${s}`, path: '/b' }));
    }
    expect(b.finish().sessions.thinkTimeByTransition).toEqual({});
  });
});
