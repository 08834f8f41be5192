import { UsageError } from '../core/errors.js';

/*
 * `--session-key`: what identifies a visitor when sessions are cut.
 *
 *   ip+ua          client address + user agent (the default; every format has them)
 *   cookie:NAME    the value of cookie NAME (a session or visitor cookie)
 *   header:NAME    the value of request header NAME (case-insensitive), e.g. header:x-user-id
 *   field:NAME     a field of the source as the format names it: an nginx variable
 *                  (field:remote_user), a JSON path (field:user.id), a CSV column, a W3C column
 *
 * A format that is asked for a key fills `LogRecord.sessionKey` with its value ('' or absent
 * when the line has none: the model builder then falls back to ip+ua for that record and
 * counts it). A format that cannot provide the kind of key asked for at all fails with a
 * UsageError before reading (`unsupportedSessionKey`). The value is hashed by the builder and
 * never written anywhere.
 */

export type SessionKeyKind = 'cookie' | 'header' | 'field';

export interface SessionKey {
  kind: SessionKeyKind;
  /** As given (a cookie's name keeps its case; header names compare case-insensitively). */
  name: string;
  /** `kind:name`, as the model records it. */
  text: string;
}

export const DEFAULT_SESSION_KEY = 'ip+ua';
const KINDS: readonly SessionKeyKind[] = ['cookie', 'header', 'field'];
const EXAMPLES = 'ip+ua (the default), cookie:sid, header:x-user-id, field:remote_user or field:user.id';

/** `--session-key` text → the key; null for the default (ip+ua). Throws a UsageError when malformed. */
export function parseSessionKey(text: string | undefined): SessionKey | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === DEFAULT_SESSION_KEY) return null;
  const colon = trimmed.indexOf(':');
  const kind = (colon === -1 ? trimmed : trimmed.slice(0, colon)).toLowerCase() as SessionKeyKind;
  const name = colon === -1 ? '' : trimmed.slice(colon + 1).trim();
  if (!KINDS.includes(kind)) {
    throw new UsageError(`--session-key "${text}": unknown kind of key`, { hint: `use one of ${EXAMPLES}` });
  }
  // A field may be a CSV column with spaces in its name; cookie and header names have none.
  if (name === '' || (kind !== 'field' && /[\s;,=]/.test(name))) {
    throw new UsageError(`--session-key "${text}": ${name === '' ? 'no name after the colon' : `a ${kind} name may not hold spaces, ";", "," or "="`}`, { hint: `e.g. ${EXAMPLES}` });
  }
  return { kind, name, text: `${kind}:${name}` };
}

/**
 * The UsageError for a format that cannot give `key`: which key, which format, why, and what
 * to do (`hint`, else: choose another key).
 */
export function unsupportedSessionKey(key: SessionKey, format: string, why: string, hint?: string): UsageError {
  return new UsageError(`--session-key ${key.text}: format ${format} ${why}`, {
    hint: hint ?? `use --session-key ip+ua (the default), or a key this format logs`,
  });
}

/**
 * The value of cookie `name` in a Cookie header (`a=1; sid=xyz`), '' when absent. Separators
 * may be followed by spaces or by `+` (IIS writes spaces as `+`); a quoted value is unquoted.
 */
export function cookieValue(header: string, name: string): string {
  const n = header.length;
  let i = 0;
  while (i < n) {
    let end = header.indexOf(';', i);
    if (end === -1) end = n;
    let s = i;
    while (s < end) {
      const c = header.charCodeAt(s);
      if (c !== 0x20 && c !== 0x2b && c !== 0x09) break;
      s++;
    }
    if (header.charCodeAt(s + name.length) === 0x3d && header.startsWith(name, s) && s + name.length < end) {
      let value = header.slice(s + name.length + 1, end).trim();
      if (value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22) value = value.slice(1, -1);
      return value;
    }
    i = end + 1;
  }
  return '';
}

/** `x-user-id` → `X-User-Id`: how Go servers (Caddy, Traefik) spell header names in their logs. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((part) => (part === '' ? part : part[0]?.toUpperCase() + part.slice(1)))
    .join('-');
}
