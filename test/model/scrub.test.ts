import { describe, expect, it } from 'vitest';
import { isKeepableValue, isSensitiveName, isSensitiveSegment, isTokenLike } from '../../src/model/scrub.js';

describe('scrub', () => {
  it.each(['token', 'access_token', 'api_key', 'apiKey', 'apikey', 'X-Amz-Signature', 'X-Amz-Credential', 'password', 'passwd', 'secret', 'session', 'sessionId', 'PHPSESSID', 'sid', 'sig', 'auth', 'code', 'email', 'user%40mail'])(
    'query name %s is sensitive',
    (name) => expect(isSensitiveName(name)).toBe(true),
  );

  it.each(['q', 'page', 'sort', 'keyword', 'category', 'utm_source', 'zipcode', 'lang'])('query name %s is not', (name) => expect(isSensitiveName(name)).toBe(false));

  it.each(['jane@example.com', 'to jane.doe@example.co.uk', '10.1.2.3', '2001:db8::1', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.x', 'Zx81KqPw7Lm2Rt5Yv9Bn3Hd6', 'x'.repeat(65)])('value %s is not kept', (value) => expect(isKeepableValue(value)).toBe(false));

  it.each(['shoes', '42', 'how-to-bake-bread-2024', '/home', 'red shoes', '2026-11-27'])('value %s is kept', (value) => expect(isKeepableValue(value)).toBe(true));

  it('tells tokens from slugs', () => {
    expect(isTokenLike('aB3dE5fG7hJ9kL1mN3pQ5rS')).toBe(true);
    expect(isTokenLike('how-to-bake-bread-in-2024')).toBe(false);
  });

  it('knows secret-bearing route names', () => {
    for (const s of ['reset-password', 'verify', 'confirm', 'unsubscribe', 'oauth', 'magic-link']) expect(isSensitiveSegment(s)).toBe(true);
    for (const s of ['products', 'blog', 'api', 'orders']) expect(isSensitiveSegment(s)).toBe(false);
  });
});
