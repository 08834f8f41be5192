import { describe, expect, it } from 'vitest';
import { defaultWorkerCount, machineFacts } from '../../src/commands/run-workers.js';

const facts = (cores: number) => ({ cores, localNames: new Set(['localhost', 'gen-1', '10.0.0.5', 'fe80::1']) });

describe('--workers when none is given', () => {
  it('takes every core for a target on another machine', () => {
    expect(defaultWorkerCount('http://staging.example:8080', facts(8))).toBe(8);
    expect(defaultWorkerCount('https://10.0.0.6/', facts(4))).toBe(4);
  });

  it('leaves the target a core when it runs on this machine (loopback, own name, own address)', () => {
    for (const target of ['http://127.0.0.1:8080', 'http://127.1.2.3/', 'http://localhost:3000', 'http://[::1]:8080', 'http://gen-1:80', 'http://10.0.0.5/', 'http://[fe80::1]/', 'http://shop.localhost/']) {
      expect(defaultWorkerCount(target, facts(8)), target).toBe(7);
    }
  });

  it('is at least one and at most 64', () => {
    expect(defaultWorkerCount('http://127.0.0.1:8080', facts(1))).toBe(1);
    expect(defaultWorkerCount('http://127.0.0.1:8080', facts(2))).toBe(1);
    expect(defaultWorkerCount('http://far.example', facts(128))).toBe(64);
    expect(defaultWorkerCount('not a url', facts(8))).toBe(1);
  });

  it('reads this machine: its cores, and loopback among its addresses', () => {
    const here = machineFacts();
    expect(here.cores).toBeGreaterThanOrEqual(1);
    expect(here.localNames.has('localhost')).toBe(true);
    expect(here.localNames.has('127.0.0.1')).toBe(true);
  });
});

describe('TIDEMARK_WORKERS', () => {
  it('is the default for --workers, and a bad value is refused naming it', async () => {
    const { runLoad } = await import('../../src/commands/run.js');
    const { testContext } = await import('../helpers/context.js');
    const { smallModel } = await import('../helpers/models.js');
    const preloaded = { profile: null, model: smallModel({ sessionsPerSec: 5 }), source: 'small model' };
    const opts = { input: 'model', target: 'http://127.0.0.1:9', rate: 10, durationMs: 100, noOut: true } as const;
    await expect(runLoad(opts, testContext({ env: { TIDEMARK_WORKERS: 'many' } }), preloaded)).rejects.toThrow(/TIDEMARK_WORKERS="many": give a whole number from 1 to 64/);
    await expect(runLoad({ ...opts, workers: 0 }, testContext(), preloaded)).rejects.toThrow(/--workers takes a whole number/);
  });
});
