import { Readable } from 'node:stream';
import { systemClock } from '../../src/core/clock.js';
import type { RunContext } from '../../src/core/context.js';

export interface CapturedContext extends RunContext {
  out: () => string;
  err: () => string;
  abort: (reason?: string) => void;
}

/** A RunContext with captured stdout/stderr, for driving commands in tests. */
export function testContext(overrides: Partial<RunContext> = {}): CapturedContext {
  let out = '';
  let err = '';
  const controller = new AbortController();
  return {
    stdout: { write: (t: string) => void (out += t), isTTY: false },
    stderr: { write: (t: string) => void (err += t), isTTY: false },
    stdin: Readable.from([]),
    // One generator thread whatever the machine's cores, unless a test says otherwise.
    env: { TIDEMARK_WORKERS: '1' },
    clock: systemClock,
    signal: controller.signal,
    cwd: process.cwd(),
    debug: false,
    ...overrides,
    out: () => out,
    err: () => err,
    abort: (reason = 'test abort') => controller.abort(new Error(reason)),
  };
}
