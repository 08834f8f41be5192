/**
 * Seeded pseudo-random numbers (sfc32 seeded through splitmix32): fast, 2^128 state, and the
 * same sequence for the same seed on every machine, so runs and reports are reproducible.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** A new independent generator derived from this one (for workers, per-session streams). */
  fork(label?: number): Rng;
}

/** The k-th output (k ≥ 1) of splitmix32 seeded with `seed`: its state after k steps is seed + k·γ. */
function splitmix32(seed: number, k: number): number {
  let z = (seed + Math.imul(k, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * sfc32 as a class: the engine builds one generator per synthesized session (at tens of
 * thousands a second), and prototype methods cost one object where closures cost six.
 */
class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = splitmix32(seed, 1) | 0;
    this.b = splitmix32(seed, 2) | 0;
    this.c = splitmix32(seed, 3) | 0;
    this.d = splitmix32(seed, 4) | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  // State kept as signed 32-bit integers (V8 stores them unboxed; the same bits as unsigned).
  private u32(): number {
    const t = (this.a + this.b + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.u32() / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor((this.u32() / 4294967296) * (max - min + 1));
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.u32() / 4294967296) * mean;
  }

  fork(label = 0): Rng {
    return new Sfc32((this.u32() ^ Math.imul(label + 1, 0x27d4eb2d)) >>> 0);
  }
}

export function createRng(seed: number): Rng {
  return new Sfc32(seed);
}

const FNV_OFFSET = 0x811c9dc5;

/** A seed from a string (e.g. a session key), stable across runs. FNV-1a. */
export function hashSeed(text: string): number {
  return hashSeedFrom(FNV_OFFSET, text);
}

/**
 * FNV-1a continued from the hash of a prefix: `hashSeedFrom(hashSeed(p), s) === hashSeed(p + s)`,
 * so a fixed prefix is hashed once and each id costs only its own digits.
 */
export function hashSeedFrom(prefixHash: number, text: string): number {
  let h = prefixHash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
