/**
 * What must never reach a model (DESIGN.md, Safety): raw client IPs, tokens, cookies, e-mail
 * addresses. The model keeps pools of real path and query values for replay, so every value
 * passes through here first. When in doubt a value is dropped: a replay can always be given a
 * data pool in the profile, but a leaked secret cannot be taken back.
 */

/** Query parameter names (or words in them) whose values are never kept. */
const SENSITIVE_WORDS = new Set([
  'token',
  'key',
  'apikey',
  'password',
  'passwd',
  'pwd',
  'pass',
  'secret',
  'session',
  'sessionid',
  'sessid',
  'phpsessid',
  'jsessionid',
  'sid',
  'sig',
  'signature',
  'auth',
  'authorization',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'code',
  'email',
  'mail',
  'otp',
  'pin',
  'jwt',
  'bearer',
  'credential',
  'credentials',
  'nonce',
  'ssn',
  'cookie',
]);

/**
 * True for a query parameter name whose values must not be kept: the name, any of its words
 * (split at punctuation and camelCase: `access_token`, `X-Amz-Signature`, `apiKey`) or the
 * words run together (`apikey`, `sessionid`) is one of SENSITIVE_WORDS.
 */
export function isSensitiveName(name: string): boolean {
  const decoded = safeDecode(name);
  if (decoded.includes('@')) return true;
  const words = decoded
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((w) => SENSITIVE_WORDS.has(w))) return true;
  return SENSITIVE_WORDS.has(words.join(''));
}

const EMAIL_ANYWHERE = /[^@\s/]+@[^@\s/]+\.[a-z]{2,}/i;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$/i;
const JWT = /^eyJ[\w-]+\.[\w-]+\.?[\w-]*$/;

export function isIpLike(decoded: string): boolean {
  return IPV4.test(decoded) || (decoded.includes(':') && IPV6.test(decoded));
}

/**
 * Long runs of letters and digits in both cases, or a JWT: reset links, API keys, signed URLs.
 * A slug (`how-to-bake-bread-2024`) is not a token: it is lower case with word separators.
 */
export function isTokenLike(value: string): boolean {
  if (value.length < 20) return false;
  if (value.startsWith('eyJ') && JWT.test(value)) return true;
  let digits = 0;
  let upper = 0;
  let lower = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c >= 97 && c <= 122) lower++;
    // Only base64/URL-safe punctuation: _ - + / = . ~
    else if (c !== 95 && c !== 45 && c !== 43 && c !== 47 && c !== 61 && c !== 46 && c !== 126) return false;
  }
  return digits >= 2 && upper >= 2 && lower >= 2;
}

/** Longest value kept in a pool; longer ones are more likely blobs or secrets than ids. */
export const MAX_VALUE_LENGTH = 64;

/**
 * True when a (decoded) value may be kept in a pool: not an e-mail (anywhere in it), not an IP
 * address, not a token, not too long.
 */
export function isKeepableValue(decoded: string): boolean {
  if (decoded.length > MAX_VALUE_LENGTH) return false;
  if (decoded.includes('@') && EMAIL_ANYWHERE.test(decoded)) return false;
  if (isIpLike(decoded)) return false;
  if (isTokenLike(decoded)) return false;
  return true;
}

/**
 * Literal path segments after which parameter values are secrets more often than ids
 * (`/reset-password/<token>`, `/verify/<code>`, `/unsubscribe/<hash>`): values of every
 * parameter below such a segment are not kept.
 */
const SENSITIVE_SEGMENT = /reset|token|verif|confirm|activat|invit|unsubscri|magic|auth|login|passw|session|otp|secret|signin|sign-in|oauth|callback|api[-_]?key/i;

export function isSensitiveSegment(segment: string): boolean {
  return SENSITIVE_SEGMENT.test(segment);
}

/** decodeURIComponent that never throws (malformed escapes stay as they are). */
export function safeDecode(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Decodes a path segment (no `+` → space there, unlike a query). */
export function safeDecodeSegment(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
