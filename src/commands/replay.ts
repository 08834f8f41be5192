import { resolve } from 'node:path';
import type { RunContext } from '../core/context.js';
import { InputError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { createRng, hashSeed } from '../core/rng.js';
import type { LogRecord } from '../core/types.js';
import { VERSION } from '../core/version.js';
import { HttpClient } from '../engine/http-client.js';
import { runSchedule } from '../engine/runner.js';
import { buildResults, type RunResults } from '../reports/results.js';
import { renderRunSummary } from '../reports/terminal.js';
import type { Arrival } from '../schedule/arrivals.js';
import { RateCurve } from '../schedule/rate-curve.js';
import { evaluateThresholds } from '../thresholds/evaluate.js';
import { parseThresholds } from '../thresholds/parse.js';
import { classifySegment } from '../model/routes.js';
import { readRecords } from './read-records.js';
import { toJson, writeFileAtomic } from './write-output.js';

export interface ReplayOptions {
  target: string;
  /** The log's clock runs this many times faster (gaps ÷ speed). */
  speed?: number | undefined;
  /** K copies of each session, each with its own identity and a seeded time offset. */
  scale?: number | undefined;
  /** Play only this much of the (sped-up) log. */
  durationMs?: number | undefined;
  format?: string | undefined;
  logFormat?: string | undefined;
  seed?: number | undefined;
  thresholds?: string[] | undefined;
  maxRequests?: number | undefined;
  out?: string | undefined;
  noOut?: boolean | undefined;
}

/** Copies of a session spread over this much time, so K× is K times the sessions, not bursts. */
const COPY_SPREAD_MS = 60_000;
const DEFAULT_MAX_REQUESTS = 1_000_000;

/**
 * `tidemark replay`: the logged requests themselves, at their original spacing (÷ speed), sent
 * to the target only (a log's hosts are never contacted). Each request is sent at its logged
 * start time regardless of earlier responses (open loop, as GoReplay replays).
 */
export async function runReplay(specs: string[], opts: ReplayOptions, ctx: RunContext): Promise<{ exitCode: number; results: RunResults }> {
  const speed = opts.speed ?? 1;
  const scale = opts.scale ?? 1;
  if (!(speed > 0)) throw new UsageError('--speed must be greater than 0');
  if (!Number.isInteger(scale) || scale < 1) throw new UsageError('--scale for replay is a whole number of copies (1, 2, 3, ...)', { hint: 'for fractional multiples use `tidemark run` on a model' });
  const parsed = parseThresholds(opts.thresholds ?? []);
  if (parsed.problems.length > 0) throw new InputError('invalid --threshold', { problems: parsed.problems });
  const maxRequests = opts.maxRequests ?? DEFAULT_MAX_REQUESTS;
  const seed = opts.seed ?? 1;

  const stream = await readRecords(specs, { ...(opts.format ? { format: opts.format } : {}), ...(opts.logFormat ? { logFormat: opts.logFormat } : {}) }, { cwd: ctx.cwd, stdin: ctx.stdin });
  const records: LogRecord[] = [];
  for await (const batch of stream.batches) {
    for (const record of batch) {
      if (!record.method || !record.path.startsWith('/')) continue;
      records.push(record);
      if (records.length > maxRequests) {
        throw new InputError(`${specs.join(', ')}: more than ${maxRequests} requests to replay`, { hint: 'replay a slice of the log, or raise --max-requests' });
      }
    }
  }
  if (records.length === 0) throw new InputError(`${specs.join(', ')}: no requests to replay`, { hint: 'check the format with `tidemark parse`' });
  records.sort((a, b) => a.timeMs - b.timeMs);
  const first = (records[0] as LogRecord).timeMs;
  const spanMs = ((records[records.length - 1] as LogRecord).timeMs - first) / speed;

  // Each copy of a session (client + user agent) is shifted by one seeded offset, so copies
  // keep the session's own spacing but do not arrive as synchronized bursts.
  const arrivals: Arrival[] = [];
  for (const record of records) {
    const identity = `${record.client}\u0000${record.userAgent}`;
    for (let copy = 0; copy < scale; copy++) {
      const offset = copy === 0 ? 0 : createRng(hashSeed(`${seed}:${identity}:${copy}`)).next() * COPY_SPREAD_MS;
      const timeMs = (record.timeMs - first) / speed + offset;
      const path = record.query ? `${record.path}?${record.query}` : record.path;
      arrivals.push({
        timeMs,
        stage: 'replay',
        plan: { id: 0, requests: [{ endpointKey: `${record.method} ${foldPath(record.path)}`, method: record.method, path, thinkTimeMs: 0, params: { copy: String(copy), session: String(hashSeed(identity)) } }] },
      });
    }
  }
  arrivals.sort((a, b) => a.timeMs - b.timeMs);
  const durationMs = opts.durationMs ?? spanMs + (scale > 1 ? COPY_SPREAD_MS : 0) + 1;
  const curve = new RateCurve([{ startMs: 0, endMs: durationMs, fromPerSec: 0, toPerSec: 0, stage: 'replay' }]);

  const client = new HttpClient({ target: opts.target, connections: null, pipelining: 1, connectTimeoutMs: 5_000, timeoutMs: 10_000, insecure: false }, () => ctx.clock.nowMs());
  let run;
  try {
    run = await runSchedule(
      {
        curve,
        arrivals: arrivals.filter((a) => a.timeMs < durationMs)[Symbol.iterator](),
        sessions: () => ({ id: 0, requests: [] }),
        seed,
        thinkTimeFactor: 1 / speed,
        warmStartLookbackMs: 0,
        maxInFlight: 100_000,
        drainTimeoutMs: 5_000,
        buildRequest: (planned) => ({
          method: planned.method,
          path: planned.path,
          headers: { 'user-agent': 'tidemark-replay', 'x-tidemark-session': `${planned.params?.session ?? ''}-${planned.params?.copy ?? '0'}` },
        }),
      },
      client,
      ctx.clock,
      ctx.signal,
    );
  } finally {
    await client.close();
  }
  const thresholds = evaluateThresholds(parsed.thresholds, { recorder: run.recorder, elapsedMs: run.durationMs, stages: [{ name: 'replay', startMs: 0, endMs: durationMs }] });
  const results = buildResults({
    tidemarkVersion: VERSION,
    recorder: run.recorder,
    thresholds,
    target: client.origin,
    source: specs.join(', '),
    knobs: { mode: 'replay', scale, speed, window: 'all', durationMs, seed, warmStart: false, maxInFlight: 100_000, connections: null, description: `verbatim replay of ${records.length} logged requests (${scale} cop${scale === 1 ? 'y' : 'ies'} of each session)` },
    stages: [{ name: 'replay', startMs: 0, endMs: durationMs }],
    startedAtWallMs: run.startedAtWallMs,
    endedAtWallMs: run.endedAtWallMs,
    durationMs: run.durationMs,
    targetSessionsPerSec: (records.length * scale) / (durationMs / 1000),
    meanSessionLength: 1,
    partial: run.partial,
    partialReason: run.partialReason,
    eventLoopDelayMs: run.eventLoopDelayMs,
  });
  ctx.stdout.write(renderRunSummary(results, { color: ctx.stdout.isTTY === true }));
  if (!opts.noOut) {
    await writeFileAtomic(resolve(ctx.cwd, opts.out ?? 'results.json'), toJson(results));
    ctx.stdout.write(`results written to ${opts.out ?? 'results.json'}\n`);
  }
  const exitCode = run.partial ? ExitCode.INTERRUPTED : results.verdict === 'pass' ? ExitCode.OK : ExitCode.THRESHOLDS_FAILED;
  return { exitCode, results };
}

/** Groups results by route shape (`/api/products/:id`) rather than by every concrete path. */
function foldPath(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment === '' ? segment : (classifySegment(segment) ?? segment)))
    .join('/');
}
