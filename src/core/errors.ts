/**
 * Errors that reach a user. Each has a stable `code` (for scripts and tests), a message that
 * says what went wrong and what to do, an optional `hint`, and an optional location
 * (`access.log.gz:1042`, a JSON path, a column). The CLI prints `message` (and `hint`); only
 * `--debug` prints a stack.
 */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_INPUT'
  | 'E_CONFIG'
  | 'E_FORMAT'
  | 'E_MODEL'
  | 'E_IO'
  | 'E_TARGET'
  | 'E_INTERNAL';

export interface TidemarkErrorOptions {
  hint?: string;
  location?: string;
  cause?: unknown;
  /** Several problems found at once (configuration validation lists all of them). */
  problems?: string[];
}

export class TidemarkError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: string | undefined;
  readonly problems: string[];

  constructor(code: ErrorCode, message: string, options: TidemarkErrorOptions = {}) {
    super(options.location ? `${options.location}: ${message}` : message, { cause: options.cause });
    this.name = 'TidemarkError';
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.problems = options.problems ?? [];
  }
}

/** Wrong command line: unknown command or option, missing argument. Exit 2. */
export class UsageError extends TidemarkError {
  constructor(message: string, options: TidemarkErrorOptions = {}) {
    super('E_USAGE', message, options);
    this.name = 'UsageError';
  }
}

/** Input the user gave us that we cannot read (a log, a model, a profile). Exit 2. */
export class InputError extends TidemarkError {
  constructor(message: string, options: TidemarkErrorOptions = {}) {
    super('E_INPUT', message, options);
    this.name = 'InputError';
  }
}

/** A profile or option set that is invalid; carries every problem, not only the first. Exit 2. */
export class ConfigError extends TidemarkError {
  constructor(message: string, problems: string[], options: Omit<TidemarkErrorOptions, 'problems'> = {}) {
    super('E_CONFIG', message, { ...options, problems });
    this.name = 'ConfigError';
  }
}

export function isTidemarkError(err: unknown): err is TidemarkError {
  return err instanceof TidemarkError;
}

/** A one-line description of any thrown value, for places that must not throw again. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
