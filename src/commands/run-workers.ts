import { existsSync } from 'node:fs';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RunContext } from '../core/context.js';
import { TidemarkError } from '../core/errors.js';
import type { RunOutcome } from '../engine/runner.js';
import { Recorder } from '../metrics/recorder.js';
import { deserializeRecorder, type SerializedRecorder } from '../metrics/serialize.js';
import type { ScheduleJob } from './run-schedule.js';

/** What a worker sends back: its outcome with the recorder as plain data. */
export interface WorkerResult extends Omit<RunOutcome, 'recorder'> {
  recorder: SerializedRecorder;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; elapsedMs: number; requests: number; errors: number; inFlight: number; dropped: number }
  | { type: 'done'; result: WorkerResult }
  | { type: 'error'; message: string };

/** What `defaultWorkerCount` looks at: this machine's cores, names and addresses. */
export interface MachineFacts {
  cores: number;
  /** Host names and interface addresses that mean "this machine". */
  localNames: ReadonlySet<string>;
}

export function machineFacts(): MachineFacts {
  const names = new Set<string>(['localhost', hostname().toLowerCase()]);
  for (const list of Object.values(networkInterfaces())) for (const address of list ?? []) names.add(address.address.toLowerCase());
  return { cores: availableParallelism(), localNames: names };
}

/**
 * `--workers` when the user gives none: every core, less one when the target runs on this machine
 * (it needs a core to answer; loopback, the host's own name or one of its addresses), and at
 * least one. A second thread is not free: each request costs its thread more CPU the fewer that
 * thread sends (the work of each wake-up is shared by fewer), and on the target's cores it takes
 * CPU the target needs. On the 2-core benchmark machine with nginx beside it, two threads keep up
 * with 34,000 requests/s where one falls behind, for 10-20% more CPU per request
 * (BENCHMARKS.md, "One thread or two"); this gives one there, and `--workers 2` asks for both.
 */
export function defaultWorkerCount(target: string, facts: MachineFacts = machineFacts()): number {
  let host: string;
  try {
    host = new URL(target).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return 1;
  }
  const local = facts.localNames.has(host) || /^127\./.test(host) || host === '::1' || host === '0.0.0.0' || host.endsWith('.localhost');
  return Math.max(1, Math.min(64, facts.cores - (local ? 1 : 0)));
}

/**
 * The worker script, next to this module: dist/commands/run-worker.js once built. Under a
 * TypeScript test runner this module is src/commands/run-workers.ts, and workers cannot load
 * TypeScript, so the built twin in dist/ is used.
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const built = here.endsWith('.ts') ? here.replace(/[\\/]src[\\/]commands[\\/]run-workers\.ts$/, '/dist/commands/run-worker.js') : here.replace(/run-workers\.js$/, 'run-worker.js');
  if (!existsSync(built)) throw new TidemarkError('E_INTERNAL', `worker script ${built} is missing`, { hint: 'run `npm run build` first' });
  return built;
}

/**
 * `--workers N`: N worker threads, each playing a deterministic share of one schedule (the
 * sessions numbered w modulo N within this process's segment); their recorders merge exactly.
 * Worker w of N inside segment i/M plays sessions ≡ i + w·M (mod N·M), a subset of ≡ i (mod M).
 * Each draws only its own arrivals and gets its share of the sockets and of the in-flight cap;
 * all start their clocks together, once every one of them has loaded and built its schedule.
 */
export async function runWorkers(job: ScheduleJob, count: number, ctx: RunContext): Promise<RunOutcome> {
  const script = workerScript();
  const base = job.segment ?? { index: 0, count: 1 };
  const progress = new Map<number, { requests: number; errors: number; inFlight: number; dropped: number; seen: number }>();
  const workers: Worker[] = [];
  let ready = 0;
  ctx.signal.addEventListener('abort', forwardAbort, { once: true });
  const results = await Promise.all(
    Array.from({ length: count }, (_, w) => {
      const share: ScheduleJob = {
        ...job,
        maxInFlight: Math.max(1, Math.ceil(job.maxInFlight / count)),
        connections: job.connections === null ? null : Math.max(1, Math.ceil(job.connections / count)),
        segment: { index: base.index + w * base.count, count: base.count * count },
      };
      const worker = new Worker(script, { workerData: { job: share, env: { ...ctx.env }, cwd: ctx.cwd } });
      workers.push(worker);
      return new Promise<WorkerResult>((resolve, reject) => {
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'ready') {
            if (++ready === count) for (const w of workers) w.postMessage({ type: 'start' });
          } else if (message.type === 'done') resolve(message.result);
          else if (message.type === 'error') reject(new TidemarkError('E_INTERNAL', `worker ${w}: ${message.message}`));
          else {
            const p = progress.get(message.elapsedMs) ?? { requests: 0, errors: 0, inFlight: 0, dropped: 0, seen: 0 };
            p.requests += message.requests;
            p.errors += message.errors;
            p.inFlight += message.inFlight;
            p.dropped += message.dropped;
            p.seen++;
            progress.set(message.elapsedMs, p);
            if (p.seen === count) {
              ctx.stderr.write(`  ${message.elapsedMs / 1000}s  ${p.requests} requests, ${p.errors} errors, ${p.inFlight} in flight, ${p.dropped} dropped (${count} workers)\n`);
              progress.delete(message.elapsedMs);
            }
          }
        });
        worker.on('error', (err) => reject(new TidemarkError('E_INTERNAL', `worker ${w} failed: ${err.message}`, { cause: err })));
        worker.on('exit', (code) => {
          if (code !== 0) reject(new TidemarkError('E_INTERNAL', `worker ${w} exited with code ${code}`));
        });
      });
    }),
  ).finally(() => {
    ctx.signal.removeEventListener('abort', forwardAbort);
    // A worker that failed leaves the others waiting (to start, or mid-run): end them all.
    for (const worker of workers) void worker.terminate();
  });
  function forwardAbort(): void {
    for (const worker of workers) worker.postMessage({ type: 'abort', reason: String((ctx.signal.reason as Error | undefined)?.message ?? 'interrupted') });
  }

  const recorder = new Recorder(0);
  for (const result of results) recorder.merge(deserializeRecorder(result.recorder));
  const first = results[0] as WorkerResult;
  const partial = results.find((r) => r.partial);
  return {
    recorder,
    startedAtWallMs: Math.min(...results.map((r) => r.startedAtWallMs)),
    endedAtWallMs: Math.max(...results.map((r) => r.endedAtWallMs)),
    durationMs: Math.max(...results.map((r) => r.durationMs)),
    partial: partial !== undefined,
    partialReason: partial?.partialReason ?? null,
    eventLoopDelayMs: {
      p50: Math.max(...results.map((r) => r.eventLoopDelayMs.p50)),
      p99: Math.max(...results.map((r) => r.eventLoopDelayMs.p99)),
      max: Math.max(...results.map((r) => r.eventLoopDelayMs.max)),
    },
    peakSessions: results.reduce((sum, r) => sum + r.peakSessions, 0) || first.peakSessions,
  };
}
