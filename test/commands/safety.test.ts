import { afterEach, describe, expect, it } from 'vitest';
import { parseProfile } from '../../src/commands/profile.js';
import { refuseForbidden, runLoad } from '../../src/commands/run.js';
import { testContext } from '../helpers/context.js';
import { smallModel } from '../helpers/models.js';
import { delayed, startTestServer, type TestServer } from '../helpers/servers.js';

let target: TestServer | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

describe('safety', () => {
  it('--max-rate caps the total request rate whatever the model says, and counts what it held back', async () => {
    target = await startTestServer(delayed(1));
    const { results } = await runLoad({ input: 'model', target: target.url, rate: 400, maxRate: 100, durationMs: 2_000, noOut: true }, testContext(), { profile: null, model: smallModel(), source: 'small' });
    // One second of burst (the bucket starts full) plus 100/s.
    expect(results.totals.requests).toBeLessThanOrEqual(100 + 2 * 100 + 5);
    expect(results.totals.rateCapped).toBeGreaterThan(400);
    expect(target.requests.length).toBe(results.totals.requests);
    expect(results.knobs.maxRatePerSec).toBe(100);
  });

  it('a profile can forbid targets (production hostnames); tidemark refuses them before sending anything', async () => {
    const profile = parseProfile({ model: 'm.json', forbiddenTargets: ['*.example.com', 'api.prod.internal'] }, '/tmp/p.json');
    await expect(runLoad({ input: 'p', target: 'https://shop.example.com', noOut: true }, testContext(), { profile, model: smallModel(), source: 'p' })).rejects.toThrow(/refusing to load https:\/\/shop\.example\.com: the profile forbids targets matching "\*\.example\.com"/);
    expect(() => refuseForbidden('http://api.prod.internal:8080/x', profile.forbiddenTargets)).toThrow(/api\.prod\.internal/);
    expect(() => refuseForbidden('http://127.0.0.1:8080', profile.forbiddenTargets)).not.toThrow();
    expect(() => parseProfile({ forbiddenTargets: 'prod' }, '/tmp/p.json')).toThrow(/problem/);
  });

  it('--insecure is said in the report', async () => {
    target = await startTestServer(delayed(1));
    const ctx = testContext();
    const { results } = await runLoad({ input: 'model', target: target.url, rate: 20, durationMs: 500, insecure: true, noOut: true }, ctx, { profile: null, model: smallModel(), source: 'small' });
    expect(results.knobs.insecure).toBe(true);
    expect(ctx.out()).toMatch(/certificates NOT verified \(--insecure\)/);
  });
});
