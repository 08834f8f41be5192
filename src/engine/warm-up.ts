import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.js';
import { RateCurve } from '../schedule/rate-curve.js';
import { HttpClient, type HttpClientOptions } from './http-client.js';
import { runSchedule, type RunOptions } from './runner.js';

/**
 * Requests of the warm-up run. V8 compiles a function's optimized code only after it has run
 * thousands of times: undici's request path reaches its full speed after some 5,000-10,000
 * requests (the first 2,000 cost ~10× the steady state).
 */
const WARM_REQUESTS = 5_000;
/** Requests of the short pass before it (see warmUp: why two passes). */
const FIRST_PASS_REQUESTS = 500;
/** Offered as fast as they go (the warm-up measures nothing): all due within this. */
const WARM_MS = 100;

/**
 * A cold process sends its first few thousand requests slowly: undici's HTTP parser is compiled
 * on the first connection, and the request path (undici's, the scheduler's, the recorder's) runs
 * unoptimized until it has run often enough. At 10,000 requests/s that costs the first second
 * tens to hundreds of milliseconds of lag, and the run's lag p99 with it. So before the clock
 * starts, the engine plays a short run of the same sessions and requests against a throwaway
 * server on 127.0.0.1 in this process (never the target, which sees nothing of it), and throws
 * its measurements away. Same functions, so the same compiled code serves the real run.
 *
 * Same functions is not enough on its own. The scheduler's hot functions are closures made by
 * each `runSchedule` call (and the client calls back into one of them), and while a function
 * literal has produced only one closure, V8 compiles optimized code for that closure alone, its
 * variables built in; the real run's closures could not use it, and its first half second ran
 * unoptimized while some 70 functions compiled again (`--trace-opt`, 14,000 requests/s: the V8
 * helper threads a core busy meanwhile, lag max 85 ms). So the warm-up plays twice, a short pass
 * then the full one: the full pass's closures are each literal's second, and the code compiled
 * for them serves every later closure (2 to 11 functions compiled in the real run's first half
 * second, lag max 16-28 ms). `now` must be the real client's own clock function for the same
 * reason (the client calls it on every send).
 */
export async function warmUp(options: RunOptions, client: Omit<HttpClientOptions, 'target'>, clock: Clock, now: () => number, requests = WARM_REQUESTS): Promise<void> {
  const sockets = new Set<Socket>();
  let answered = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    answerEveryRequest(socket, () => RESPONSES[answered++ % RESPONSES.length] as Buffer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const count of [Math.min(FIRST_PASS_REQUESTS, requests), requests]) {
      const http = new HttpClient({ ...client, target: `http://127.0.0.1:${port}`, insecure: false }, now);
      try {
        const rate = (count * 1000) / WARM_MS;
        await runSchedule(
          {
            ...options,
            curve: new RateCurve([{ startMs: 0, endMs: WARM_MS, fromPerSec: rate, toPerSec: rate, stage: 'warm-up' }]),
            arrivals: 'uniform',
            users: undefined,
            segment: undefined,
            warmStartLookbackMs: 0,
            maxInFlight: count,
            maxRatePerSec: undefined,
            // Nothing here is measured: what a slow machine has not answered by then is just cut off.
            drainTimeoutMs: 2_000,
            onSecond: undefined,
            beforeStart: undefined,
            urgent: undefined,
          },
          http,
          clock,
          new AbortController().signal,
        );
      } finally {
        await http.close();
      }
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * What the warm-up server answers, in turn: a common web server's response (nginx's headers, a
 * Content-Length body) and a Node.js server's (keep-alive with a timeout, a chunked body). The
 * target's own headers are unknown before the run; with these the client's header and body
 * handling has met the usual shapes, and the real run's first responses do not throw its
 * compiled code away ("insufficient type feedback" on a header the warm-up never sent).
 */
const RESPONSES = [
  'HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Sun, 29 Nov 2026 12:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok',
  'HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: Sun, 29 Nov 2026 12:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
].map((text) => Buffer.from(text, 'latin1'));
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = /^content-length:\s*(\d+)\s*$/im;

/**
 * The warm-up server's whole HTTP: one canned 200 per request (`next` gives it), a request being
 * a header block and the body its Content-Length announces (the engine sends string bodies, never
 * chunked). A real HTTP server would cost as much as the client it serves.
 */
function answerEveryRequest(socket: Socket, next: () => Buffer): void {
  let pending: Buffer = Buffer.alloc(0);
  let bodyLeft = 0;
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let answers = 0;
    // Bounded: each pass consumes a header block or a body from `pending`.
    for (;;) {
      if (bodyLeft > 0) {
        const skip = Math.min(bodyLeft, pending.length);
        bodyLeft -= skip;
        pending = pending.subarray(skip);
        if (bodyLeft > 0) break;
        answers++;
        continue;
      }
      const end = pending.indexOf(HEADER_END);
      if (end < 0) break;
      const head = pending.subarray(0, end).toString('latin1');
      pending = pending.subarray(end + HEADER_END.length);
      bodyLeft = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
      if (bodyLeft === 0) answers++;
    }
    for (let i = 0; i < answers; i++) socket.write(next());
  });
}
