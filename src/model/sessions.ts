/**
 * Sessionization: requests of one identity (client IP + user agent, hashed with a salt) belong
 * to one session until a gap longer than the inactivity timeout (30 minutes by default).
 *
 * Requests must come in time order (the builder's reorder buffer sees to it). Memory holds only
 * the sessions that may still continue: every second of log time, sessions idle for longer than
 * the timeout are closed and forgotten. A session that comes back after the timeout is a new
 * session whether or not the sweep has closed the old one yet, so sweeping changes memory,
 * never the result.
 *
 * The sweep is cheap (amortized O(1) per request) without reordering anything per request: open
 * sessions also sit in a FIFO queue in order of the time each was put at its end (`queuedMs`).
 * The sweep takes from the front; a session queued more than a timeout ago is either idle
 * (closed) or was active since (queued again, at most once per timeout); it stops at the first
 * session queued less than a timeout ago, since all later ones were queued later still. An idle
 * session is thus forgotten between one and two timeouts after its last request. (A Map in
 * insertion order cannot serve as the queue: V8 leaves deleted entries as holes that every
 * iteration from the front walks again.)
 *
 * Memory per open session, all in typed arrays (nothing for the garbage collector to trace):
 * its slot's columns (52 bytes; the columns double as needed, so up to twice that after a peak),
 * 2 to 8 entries of the identity table (12 bytes each), and one or two queue entries (16 bytes).
 * About 150 bytes a session: 100,000 concurrent sessions take ~15 MB.
 *
 * Per session: its length (requests), duration (first to last request start), the gaps between
 * consecutive request starts (think times), its entry endpoint, and the transitions between
 * consecutive endpoints and from the last one to the exit state, and the think times of each
 * transition (bounded, see think-times.ts). Endpoints are the route tree's provisional key ids
 * (integers); `remap` brings them up to date after keys merged.
 *
 * One Sessionizer serves one traffic class (the builder keeps one for people and one for bots,
 * see bots.ts), so a session never mixes classes.
 */
import { StreamingDistribution } from './distribution.js';
import { TransitionThinkTimes } from './think-times.js';
import { detach } from './top-values.js';

/** Transition target id of the exit state; key ids are ≥ 0, so −1 is free. */
export const EXIT_ID = -1;

export class Sessionizer {
  count = 0;
  readonly length = new StreamingDistribution();
  readonly durationSec = new StreamingDistribution();
  readonly thinkTimeMs = new StreamingDistribution();
  /** Think times per transition (from key id → to key id), bounded. */
  readonly thinkByTransition = new TransitionThinkTimes();
  /** Identity → slot of its open session. */
  private open = new IdentityTable();
  // The open sessions, one slot each, as columns (typed arrays): nothing per session for the
  // garbage collector. A slot's generation changes when its session ends, so that queue entries
  // left behind by it are recognized as stale.
  private capacity = INITIAL_SLOTS;
  private firstMs = new Float64Array(INITIAL_SLOTS);
  private lastMs = new Float64Array(INITIAL_SLOTS);
  private ids = new Float64Array(INITIAL_SLOTS);
  /** When the identity got its place among the open ones (the order sessions close at the end). */
  private opened = new Float64Array(INITIAL_SLOTS);
  private counts = new Int32Array(INITIAL_SLOTS);
  private lastKeys = new Int32Array(INITIAL_SLOTS);
  private gens = new Int32Array(INITIAL_SLOTS);
  private free = new Int32Array(INITIAL_SLOTS);
  private freeCount = 0;
  /** Slots handed out so far (slots at or above are untouched). */
  private used = 0;
  private nextOpened = 0;
  // The sweep's FIFO queue (see the file comment), a ring of (slot, generation, queued at).
  private queueSlots = new Int32Array(INITIAL_SLOTS);
  private queueGens = new Int32Array(INITIAL_SLOTS);
  private queueMs = new Float64Array(INITIAL_SLOTS);
  private queueHead = 0;
  private queueCount = 0;
  private entry = new Map<number, number>();
  private transitions = new Map<number, Map<number, number>>();
  private nextSweepMs = -Infinity;
  private readonly sweepEveryMs: number;
  /** Told of every session as it closes (its first and last request start): concurrency. */
  onClose: ((firstMs: number, lastMs: number) => void) | null = null;

  constructor(private readonly timeoutMs: number) {
    this.sweepEveryMs = Math.min(timeoutMs, 1000);
  }

  get openCount(): number {
    return this.open.size;
  }

  /**
   * One request of `identity` at `timeMs` (not earlier than the previous call's) to endpoint
   * `keyId`. Returns true when it starts a new session.
   */
  observe(identity: number, timeMs: number, keyId: number): boolean {
    if (timeMs >= this.nextSweepMs) this.sweep(timeMs);
    let slot = this.open.get(identity);
    let opened = -1;
    if (slot >= 0 && timeMs - (this.lastMs[slot] as number) > this.timeoutMs) {
      this.close(slot);
      // The identity keeps its place among the open ones (as a Map entry that is overwritten).
      opened = this.opened[slot] as number;
      this.release(slot);
      slot = -1;
    }
    if (slot < 0) {
      slot = this.allocate();
      this.firstMs[slot] = timeMs;
      this.lastMs[slot] = timeMs;
      this.ids[slot] = identity;
      this.opened[slot] = opened >= 0 ? opened : this.nextOpened++;
      this.counts[slot] = 1;
      this.lastKeys[slot] = keyId;
      this.open.set(identity, slot);
      this.enqueue(slot, timeMs);
      this.count++;
      this.entry.set(keyId, (this.entry.get(keyId) ?? 0) + 1);
      return true;
    }
    this.thinkTimeMs.add(timeMs - (this.lastMs[slot] as number));
    this.thinkByTransition.add(this.lastKeys[slot] as number, keyId, timeMs - (this.lastMs[slot] as number));
    this.countTransition(this.lastKeys[slot] as number, keyId);
    this.lastMs[slot] = timeMs;
    (this.counts[slot] as number)++;
    this.lastKeys[slot] = keyId;
    return false;
  }

  /** End of input: every open session ends (in the order the identities were first opened). */
  closeAll(): void {
    const slots: number[] = [];
    this.open.forEach((slot) => slots.push(slot));
    slots.sort((a, b) => (this.opened[a] as number) - (this.opened[b] as number));
    for (const slot of slots) this.close(slot);
    this.open.clear();
    this.capacity = INITIAL_SLOTS;
    for (const column of ['firstMs', 'lastMs', 'ids', 'opened', 'queueMs'] as const) this[column] = new Float64Array(INITIAL_SLOTS);
    for (const column of ['counts', 'lastKeys', 'gens', 'free', 'queueSlots', 'queueGens'] as const) this[column] = new Int32Array(INITIAL_SLOTS);
    this.freeCount = 0;
    this.used = 0;
    this.queueHead = 0;
    this.queueCount = 0;
  }

  /** Replaces every key id by `find(id)` (after provisional keys were merged). */
  remap(find: (keyId: number) => number): void {
    const entry = new Map<number, number>();
    for (const [k, c] of this.entry) {
      const r = find(k);
      entry.set(r, (entry.get(r) ?? 0) + c);
    }
    this.entry = entry;
    const transitions = new Map<number, Map<number, number>>();
    for (const [from, row] of this.transitions) {
      const rf = find(from);
      let out = transitions.get(rf);
      if (out === undefined) transitions.set(rf, (out = new Map()));
      for (const [to, c] of row) {
        const rt = to === EXIT_ID ? EXIT_ID : find(to);
        out.set(rt, (out.get(rt) ?? 0) + c);
      }
    }
    this.transitions = transitions;
    this.thinkByTransition.remap(find);
    this.open.forEach((slot) => {
      this.lastKeys[slot] = find(this.lastKeys[slot] as number);
    });
  }

  /** Entry counts by key id (ids as recorded; resolve with the tree's `find`). */
  entries(): ReadonlyMap<number, number> {
    return this.entry;
  }

  /** Transition counts: from key id → (to key id or EXIT_ID) → count. */
  transitionCounts(): ReadonlyMap<number, ReadonlyMap<number, number>> {
    return this.transitions;
  }

  private close(slot: number): void {
    this.length.add(this.counts[slot] as number);
    this.durationSec.add(((this.lastMs[slot] as number) - (this.firstMs[slot] as number)) / 1000);
    this.countTransition(this.lastKeys[slot] as number, EXIT_ID);
    this.onClose?.(this.firstMs[slot] as number, this.lastMs[slot] as number);
  }

  private countTransition(from: number, to: number): void {
    let row = this.transitions.get(from);
    if (row === undefined) this.transitions.set(from, (row = new Map()));
    row.set(to, (row.get(to) ?? 0) + 1);
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount] as number;
    if (this.used === this.capacity) this.growSlots();
    return this.used++;
  }

  /** The slot's session has ended: queue entries still naming it are stale from now on. */
  private release(slot: number): void {
    this.gens[slot] = ((this.gens[slot] as number) + 1) | 0;
    this.free[this.freeCount++] = slot;
  }

  private growSlots(): void {
    const capacity = this.capacity * 2;
    const grow64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const grow32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.firstMs = grow64(this.firstMs);
    this.lastMs = grow64(this.lastMs);
    this.ids = grow64(this.ids);
    this.opened = grow64(this.opened);
    this.counts = grow32(this.counts);
    this.lastKeys = grow32(this.lastKeys);
    this.gens = grow32(this.gens);
    this.free = grow32(this.free);
    this.capacity = capacity;
  }

  private enqueue(slot: number, atMs: number): void {
    let size = this.queueSlots.length;
    if (this.queueCount === size) {
      // Grow the ring, oldest entry first.
      const slots = new Int32Array(size * 2);
      const gens = new Int32Array(size * 2);
      const times = new Float64Array(size * 2);
      for (let i = 0; i < this.queueCount; i++) {
        const at = (this.queueHead + i) % size;
        slots[i] = this.queueSlots[at] as number;
        gens[i] = this.queueGens[at] as number;
        times[i] = this.queueMs[at] as number;
      }
      this.queueSlots = slots;
      this.queueGens = gens;
      this.queueMs = times;
      this.queueHead = 0;
      size *= 2;
    }
    const at = (this.queueHead + this.queueCount) % size;
    this.queueSlots[at] = slot;
    this.queueGens[at] = this.gens[slot] as number;
    this.queueMs[at] = atMs;
    this.queueCount++;
  }

  private sweep(nowMs: number): void {
    while (this.queueCount > 0) {
      const at = this.queueHead;
      if (nowMs - (this.queueMs[at] as number) <= this.timeoutMs) break;
      const slot = this.queueSlots[at] as number;
      const gen = this.queueGens[at] as number;
      this.queueHead = at + 1 === this.queueSlots.length ? 0 : at + 1;
      this.queueCount--;
      // A session that ended (replaced by a newer one of the same identity): skip its entry.
      if (this.gens[slot] !== gen) continue;
      if (nowMs - (this.lastMs[slot] as number) > this.timeoutMs) {
        this.close(slot);
        this.open.delete(this.ids[slot] as number);
        this.release(slot);
      } else {
        this.enqueue(slot, nowMs); // not lastMs: the queue must stay in order of queueing
      }
    }
    this.nextSweepMs = nowMs + this.sweepEveryMs;
  }
}

/** Slots of open sessions at first; the columns double as needed. */
const INITIAL_SLOTS = 1024;

/**
 * Open sessions by identity: identity → slot (a non-negative integer). The identities are 52-bit
 * hashes, numbers beyond V8's small integers: a `Map` boxes each one and hashes it again. This
 * is an open-addressing table over a Float64Array of keys and an Int32Array of slots (−1:
 * empty), probed linearly from the identity's low bits (already a hash); deletion shifts the
 * entries after it back, so there are no tombstones. It grows ×2 past half full and shrinks ×2
 * below an eighth full (never under its initial size), so memory follows the sessions open now:
 * 2 to 8 entries of 12 bytes per open session.
 */
export class IdentityTable {
  private keys: Float64Array;
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(private readonly initialCapacity = 1024) {
    this.keys = new Float64Array(initialCapacity);
    this.slots = new Int32Array(initialCapacity).fill(-1);
    this.mask = initialCapacity - 1;
  }

  /** The slot of `key`, or −1. */
  get(key: number): number {
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    for (let i = (key >>> 0) & mask; ; i = (i + 1) & mask) {
      const v = slots[i] as number;
      if (v < 0 || keys[i] === key) return v;
    }
  }

  /** `value` ≥ 0. */
  set(key: number, value: number): void {
    const mask = this.mask;
    let i = (key >>> 0) & mask;
    for (; ; i = (i + 1) & mask) {
      if ((this.slots[i] as number) < 0) break;
      if (this.keys[i] === key) {
        this.slots[i] = value;
        return;
      }
    }
    this.keys[i] = key;
    this.slots[i] = value;
    this.size++;
    if (this.size * 2 > this.slots.length) this.resize(this.slots.length * 2);
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const slots = this.slots;
    const mask = this.mask;
    let i = (key >>> 0) & mask;
    for (; ; i = (i + 1) & mask) {
      if ((slots[i] as number) < 0) return false;
      if (keys[i] === key) break;
    }
    slots[i] = -1;
    this.size--;
    // Entries after it that it displaced move back, so that lookups never stop short.
    for (let j = (i + 1) & mask; (slots[j] as number) >= 0; j = (j + 1) & mask) {
      const home = ((keys[j] as number) >>> 0) & mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      keys[i] = keys[j] as number;
      slots[i] = slots[j] as number;
      slots[j] = -1;
      i = j;
    }
    if (this.size * 8 < slots.length && slots.length > this.initialCapacity) this.resize(slots.length / 2);
    return true;
  }

  /** Every value (in no particular order). */
  forEach(visit: (value: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) if ((slots[i] as number) >= 0) visit(slots[i] as number);
  }

  clear(): void {
    this.keys = new Float64Array(this.initialCapacity);
    this.slots = new Int32Array(this.initialCapacity).fill(-1);
    this.mask = this.initialCapacity - 1;
    this.size = 0;
  }

  private resize(capacity: number): void {
    const keys = this.keys;
    const slots = this.slots;
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < slots.length; i++) {
      const v = slots[i] as number;
      if (v >= 0) this.set(keys[i] as number, v);
    }
  }
}

/**
 * A 52-bit hash of (client, user agent) with a salt (`seedA`, `seedB`): the session identity.
 * The raw address is never stored, even in memory; two identities collide with probability
 * ~2⁻⁵² per pair. `userAgent` is a number standing for the user agent (see `UserAgentCodes`),
 * so that a 100-character user agent string is not hashed in JavaScript on every request.
 */
export function identityHash(seedA: number, seedB: number, client: string, userAgent: number): number {
  let h1 = seedA | 0;
  let h2 = seedB | 0;
  for (let i = 0; i < client.length; i++) {
    const c = client.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = Math.imul(h1 ^ (userAgent | 0), 0x01000193);
  h2 = Math.imul(h2 ^ (userAgent | 0), 0x5bd1e995);
  // Hashed user agents (see UserAgentCodes) have bits above the low 32: mix those in too.
  const high = Math.floor(userAgent / 0x100000000) | 0;
  if (high !== 0 && high !== -1) {
    h1 = Math.imul(h1 ^ high, 0x01000193);
    h2 = Math.imul(h2 ^ high, 0x5bd1e995);
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 ^= h2 >>> 13;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff);
}

/**
 * User agents → small integers, in order of first appearance (so deterministic). Logs have few
 * distinct user agents compared with requests (hundreds to a few thousand); past `capacity` of
 * them (10,000), a 52-bit hash of the agent is used instead (negative, so the two never meet):
 * two agents would have to share a hash, and a client address, for two identities to merge.
 *
 * Speed: every record brings a new 100-150-character string, which a `Map` would hash in full.
 * A direct-mapped cache of `CACHE_SLOTS` recent user agents, indexed by the length and a few
 * characters, answers most lookups with one string comparison (V8 compares the bytes; no hash).
 * A cache hit gives the code the map holds for the same string, so the codes are the same.
 *
 * Memory: at most `capacity` strings (each copied out of its log line, so that a kept user agent
 * does not keep the whole line alive), in the map and in a list by code; the cache points at
 * those same copies. Agents past `capacity` are hashed and not cached.
 */
const CACHE_BITS = 10;
const CACHE_SLOTS = 1 << CACHE_BITS;

export class UserAgentCodes {
  private readonly codes = new Map<string, number>();
  /** code → its user agent (the map's own copy). */
  private readonly agents: string[] = [];
  private readonly cacheKeys: string[] = new Array<string>(CACHE_SLOTS).fill('\u0000');
  private readonly cacheCodes = new Int32Array(CACHE_SLOTS);

  constructor(private readonly capacity = 10_000) {}

  code(userAgent: string): number {
    const n = userAgent.length;
    const slot =
      n === 0
        ? 0
        : (Math.imul(n, 0x9e3779b1) ^ Math.imul(userAgent.charCodeAt(n >> 1), 0x85ebca6b) ^ Math.imul(userAgent.charCodeAt(n - 1), 0xc2b2ae35) ^ (userAgent.charCodeAt((n * 3) >> 2) << 7) ^ (userAgent.charCodeAt(n >> 2) << 13)) >>>
          (32 - CACHE_BITS);
    if (this.cacheKeys[slot] === userAgent) return this.cacheCodes[slot] as number;
    let code = this.codes.get(userAgent);
    if (code === undefined) {
      if (this.codes.size >= this.capacity) {
        let h1 = 0x811c9dc5;
        let h2 = 0x2545f491;
        for (let i = 0; i < n; i++) {
          const c = userAgent.charCodeAt(i);
          h1 = Math.imul(h1 ^ c, 0x01000193);
          h2 = Math.imul(h2 ^ c, 0x5bd1e995);
          h2 ^= h2 >>> 15;
        }
        return -1 - ((h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff));
      }
      code = this.codes.size;
      const copy = detach(userAgent);
      this.codes.set(copy, code);
      this.agents.push(copy);
    }
    // The cache holds the map's copy, not the record's string (a slice of its log line): with
    // many distinct agents every miss replaces a slot, and a record's string kept there would
    // keep its line alive in the old generation.
    this.cacheKeys[slot] = this.agents[code] as string;
    this.cacheCodes[slot] = code;
    return code;
  }
}
