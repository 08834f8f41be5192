/**
 * Time sources, injectable so that tests and reports are reproducible.
 * `nowMs` is monotonic (performance.now-like, for measuring); `wallMs` is epoch time (for labels).
 */
export interface Clock {
  nowMs(): number;
  wallMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
};
