import type { TimeParser } from './time.js';

/*
 * The intermediate form of a compiled log format: a list of steps, each reading one literal or
 * one or more variables. log-format.ts builds it from a format string; log-format-parser.ts
 * turns it into a parse function.
 */

export type Kind =
  | 'ignore'
  | 'client'
  | 'xff'
  | 'time'
  | 'timeFrac'
  | 'request'
  | 'method'
  | 'uri'
  | 'path'
  | 'query'
  | 'isArgs'
  | 'status'
  | 'bytes'
  | 'duration'
  | 'numeric'
  | 'userAgent'
  | 'referrer'
  | 'host';

export interface Variable {
  /** As written in the format: `$remote_addr`, `%>s`. */
  name: string;
  kind: Kind;
  /** The value may be a list (`a, b`), read across list separators. */
  list: boolean;
  /** Among variables filling the same field, the lowest rank is used and the others ignored. */
  rank: number;
  time?: TimeParser;
  /** The logged time is the end of the request (nginx), so the start is time − duration. */
  timeIsEnd?: boolean;
  /** Milliseconds per logged unit, for durations and time fractions. */
  scale?: number;
  /** Durations logged as a list of seconds (`$upstream_response_time`). */
  secondsList?: boolean;
  /** Spaces inside the value (a time such as `10/Oct/2000:13:55:36 -0700` has one). */
  spaces?: number;
}

// Kind codes for the hot path (a switch on small integers, not on strings).
export const K_IGNORE = 0;
export const K_CLIENT = 1;
export const K_XFF = 2;
export const K_TIME = 3;
export const K_TIME_FRAC = 4;
export const K_REQUEST = 5;
export const K_METHOD = 6;
export const K_URI = 7;
export const K_PATH = 8;
export const K_QUERY = 9;
export const K_STATUS = 10;
export const K_BYTES = 11;
export const K_DURATION = 12;
export const K_NUMERIC = 13;
export const K_USER_AGENT = 14;
export const K_REFERRER = 15;
export const K_HOST = 16;

const KIND_CODES: Record<Kind, number> = {
  ignore: K_IGNORE,
  isArgs: K_IGNORE,
  client: K_CLIENT,
  xff: K_XFF,
  time: K_TIME,
  timeFrac: K_TIME_FRAC,
  request: K_REQUEST,
  method: K_METHOD,
  uri: K_URI,
  path: K_PATH,
  query: K_QUERY,
  status: K_STATUS,
  bytes: K_BYTES,
  duration: K_DURATION,
  numeric: K_NUMERIC,
  userAgent: K_USER_AGENT,
  referrer: K_REFERRER,
  host: K_HOST,
};

/** A variable as the parser uses it: every field present, so that property access stays monomorphic. */
export interface RuntimeVariable {
  name: string;
  code: number;
  /** Whether a value here counts as a captured field (see CAPTURED). */
  counts: boolean;
  list: boolean;
  time: TimeParser | null;
  timeIsEnd: boolean;
  scale: number;
  secondsList: boolean;
  /** For adjacent variables: the character where this one starts inside the joint value ('' = cannot split). */
  splitChar: string;
  spaces: number;
  /**
   * Whether this variable holds the `--session-key` value: SK_NONE, SK_VALUE (the value is the
   * key) or SK_COOKIE (a Cookie header, the key is cookie `sessionKeyCookie` in it).
   */
  sessionKey: number;
  sessionKeyCookie: string;
}

export const SK_NONE = 0;
export const SK_VALUE = 1;
export const SK_COOKIE = 2;

export function toRuntime(x: Variable): RuntimeVariable {
  return {
    name: x.name,
    code: KIND_CODES[x.kind],
    counts: CAPTURED.has(x.kind),
    list: x.list,
    time: x.time ?? null,
    timeIsEnd: x.timeIsEnd === true,
    scale: x.scale ?? 1,
    secondsList: x.secondsList === true,
    splitChar: x.kind === 'path' || x.kind === 'uri' ? '/' : x.kind === 'query' || x.kind === 'isArgs' ? '?' : '',
    spaces: x.spaces ?? 0,
    sessionKey: SK_NONE,
    sessionKeyCookie: '',
  };
}

/** Fields that reach a record; detection counts them to prefer the format that reads more. */
export const CAPTURED: ReadonlySet<Kind> = new Set<Kind>([
  'client', 'xff', 'time', 'request', 'method', 'uri', 'path', 'query', 'status', 'bytes', 'duration', 'userAgent', 'referrer', 'host',
]);
export type Wrap = 'none' | 'quote' | 'bracket';
export type Element = { lit: string } | { v: Variable; wrap: Wrap; parts?: Variable[] };

export const OP_LIT = 0;
export const OP_SPACE = 1;
export const OP_QUOTED = 2;
export const OP_BRACKET = 3;
export const OP_PLAIN = 4;
export const OP_RUN = 5;

export interface Step {
  op: number;
  /** OP_LIT: the literal. OP_PLAIN / OP_QUOTED: what follows the value ('' = end of format, ' ' = spaces). */
  text: string;
  /** The variable(s) read by this step; several for OP_RUN and for adjacent variables. */
  vars: RuntimeVariable[];
  /** OP_PLAIN with adjacent variables: split the value between vars. */
  compound: boolean;
  /** OP_RUN: index of the variable that takes extra tokens; the anchor that ends the run. */
  listIndex: number;
  anchor: string;
  /** OP_QUOTED: the value after the closing quote and literal must start with a digit or '-'. */
  numericNext: boolean;
  /** True when this step or a later one reads a field a record cannot do without. */
  essential: boolean;
}

