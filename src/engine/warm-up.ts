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
 */
export async function warmUp(options: RunOptions, client: Omit<HttpClientOptions, 'target'>, clock: Clock, requests = WARM_REQUESTS): Promise<void> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    answerEveryRequest(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const http = new HttpClient({ ...client, target: `http://127.0.0.1:${port}`, insecure: false });
  try {
    const rate = (requests * 1000) / WARM_MS;
    await runSchedule(
      {
        ...options,
        curve: new RateCurve([{ startMs: 0, endMs: WARM_MS, fromPerSec: rate, toPerSec: rate, stage: 'warm-up' }]),
        arrivals: 'uniform',
        users: undefined,
        segment: undefined,
        warmStartLookbackMs: 0,
        maxInFlight: requests,
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
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok', 'latin1');
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = /^content-length:\s*(\d+)\s*$/im;

/**
 * The warm-up server's whole HTTP: one canned 200 per request, a request being a header block
 * and the body its Content-Length announces (the engine sends string bodies, never chunked).
 * A real HTTP server would cost as much as the client it serves.
 */
function answerEveryRequest(socket: Socket): void {
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
    for (let i = 0; i < answers; i++) socket.write(RESPONSE);
  });
}
