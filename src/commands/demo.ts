import { fileURLToPath } from 'node:url';
import type { RunContext } from '../core/context.js';
import { startShopServer, type ShopServerOptions } from '../demo/shop-server.js';
import { importModel } from './import.js';
import { loadProfile } from './profile.js';
import { runLoad, type RunOutcome } from './run.js';

/** Files shipped with the package, found relative to this module (src/ or dist/). */
export const DEMO_PROFILE = fileURLToPath(new URL('../../profiles/demo.json', import.meta.url));
export const DEMO_LOG = fileURLToPath(new URL('../../samples/shop/access.log.gz', import.meta.url));

export interface DemoOptions {
  scale?: number | undefined;
  durationMs?: number | undefined;
  seed?: number | undefined;
  out?: string | undefined;
  noOut?: boolean | undefined;
  /** Options of the embedded target (tests make it slow or small). */
  server?: ShopServerOptions;
}

/**
 * `tidemark demo`: the whole loop on the embedded sample. Sample log → model → the built-in
 * shop target on 127.0.0.1:0 → replay of the peak hour at K× → summary and verdict.
 */
export async function runDemo(opts: DemoOptions, ctx: RunContext): Promise<RunOutcome> {
  const profile = await loadProfile(DEMO_PROFILE);
  ctx.stdout.write(`1/3 importing ${profile.model ?? DEMO_LOG}\n`);
  const imported = await importModel([profile.model ?? DEMO_LOG], {}, ctx);
  const { model } = imported;
  const peak = model.arrivals.peak;
  ctx.stdout.write(
    `    ${model.totals.requests} requests, ${model.sessions.count} sessions, ${model.endpoints.length} endpoints; ` +
      `peak hour ${peak.start} at ${peak.requestsPerSec.toFixed(2)} req/s (${peak.sessionsPerSec.toFixed(3)} sessions/s)\n`,
  );
  const server = await startShopServer({ host: '127.0.0.1', port: 0, ...opts.server });
  ctx.stdout.write(`2/3 demo shop target listening on ${server.url}\n`);
  try {
    const scale = opts.scale ?? profile.load.scale ?? 3;
    const plannedMs = opts.durationMs ?? profile.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
    ctx.stdout.write(`3/3 replaying the peak hour at ${scale}× for ${Math.round(plannedMs / 1000)}s\n\n`);
    return await runLoad(
      { input: DEMO_PROFILE, target: server.url, scale, durationMs: opts.durationMs, seed: opts.seed, out: opts.out ?? 'tidemark-demo-results.json', noOut: opts.noOut },
      ctx,
      { profile, model, source: `${DEMO_PROFILE} (model from ${profile.model ?? DEMO_LOG})` },
    );
  } finally {
    await server.close();
  }
}
