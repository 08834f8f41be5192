import type { Clock } from './clock.js';

/** Where a command writes text. The CLI binds these to process.stdout/stderr; tests to buffers. */
export interface TextSink {
  write(text: string): void;
  /** True when the sink is an interactive terminal (live progress, colours). */
  readonly isTTY?: boolean;
}

/**
 * Everything a command may touch of the outside world, injected (as k6 does with its global
 * state) so that commands are testable and only `src/cli` touches `process`.
 */
export interface RunContext {
  stdout: TextSink;
  stderr: TextSink;
  /** Standard input as a byte stream, for `-` sources. */
  stdin: NodeJS.ReadableStream;
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  /** Aborted on SIGINT/SIGTERM: stop scheduling, drain, write what was measured. */
  signal: AbortSignal;
  /** Aborted on a second interrupt: stop draining, cut off what is in flight, still write results. */
  urgent?: AbortSignal;
  /** Working directory for relative paths. */
  cwd: string;
  debug: boolean;
}
