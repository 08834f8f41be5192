import type { LogRecord } from '../../src/core/types.js';

/** 2026-11-27T00:00:00Z, a Friday: the start of the hand-made logs. */
export const T0 = Date.UTC(2026, 10, 27);
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;

let line = 0;

/** A LogRecord with sensible defaults; `at` is ms after T0. */
export function rec(fields: Partial<LogRecord> & { at?: number } = {}): LogRecord {
  const { at, ...rest } = fields;
  line++;
  return {
    timeMs: T0 + (at ?? 0),
    method: 'GET',
    path: '/',
    query: '',
    status: 200,
    bytes: null,
    durationMs: null,
    client: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (test)',
    referrer: '',
    host: 'shop.example',
    source: `access.log:${line}`,
    ...rest,
  };
}

export const OPTIONS = { tidemarkVersion: '0.0.0-test' };
