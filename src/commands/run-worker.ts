/**
 * A worker thread of `tidemark run --workers N`: plays its share of the schedule and sends its
 * measurements back as plain data. It never prints; the main thread owns the terminal.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Readable } from 'node:stream';
import { systemClock } from '../core/clock.js';
import type { RunContext } from '../core/context.js';
import { describeError } from '../core/errors.js';
import { serializeRecorder } from '../metrics/serialize.js';
import { executeSchedule, type ScheduleJob } from './run-schedule.js';
import type { WorkerMessage } from './run-workers.js';

const port = parentPort;
if (port) {
  const { job, env, cwd } = workerData as { job: ScheduleJob; env: Record<string, string | undefined>; cwd: string };
  const controller = new AbortController();
  // The main thread says start once every worker is ready (or abort, which also ends the wait).
  let start: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (start = resolve));
  port.on('message', (message: { type: string; reason?: string }) => {
    if (message.type === 'abort') {
      controller.abort(new Error(message.reason ?? 'interrupted'));
      start();
    } else if (message.type === 'start') start();
  });
  const silent = { write: () => undefined, isTTY: false };
  const ctx: RunContext = { stdout: silent, stderr: silent, stdin: Readable.from([]), env, clock: systemClock, signal: controller.signal, cwd, debug: false };
  const post = (message: WorkerMessage): void => port.postMessage(message);
  executeSchedule(job, ctx, (elapsedMs, recorder, live) => {
    if (elapsedMs % 10_000 !== 0) return;
    let requests = 0;
    let errors = 0;
    for (const cell of recorder.cells.values()) {
      requests += cell.count;
      errors += cell.errors;
    }
    post({ type: 'progress', elapsedMs, requests, errors, inFlight: live.inFlight, dropped: recorder.droppedSessions });
  }, () => {
    post({ type: 'ready' });
    return started;
  }).then(
    (outcome) => {
      post({ type: 'done', result: { ...outcome, recorder: serializeRecorder(outcome.recorder) } });
      port.close();
    },
    (err: unknown) => {
      post({ type: 'error', message: describeError(err) });
      port.close();
    },
  );
}
