import type { RunContext } from '../core/context.js';
import { startShopServer } from '../demo/shop-server.js';

/** `tidemark serve-demo`: the embedded shop target, until interrupted. */
export async function serveDemo(opts: { port: number; host: string; poolSize?: number | undefined; latencyScale?: number | undefined }, ctx: RunContext): Promise<void> {
  const server = await startShopServer({
    host: opts.host,
    port: opts.port,
    ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}),
    ...(opts.latencyScale !== undefined ? { latencyScale: opts.latencyScale } : {}),
  });
  ctx.stdout.write(`demo shop target listening on ${server.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  const stats = server.stats();
  ctx.stdout.write(`stopped after ${stats.requests} requests\n`);
}
