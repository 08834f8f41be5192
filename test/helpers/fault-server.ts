import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { createRng } from '../../src/core/rng.js';

/*
 * A fault-injecting HTTP target for the hardening tests (issue 10). It listens on 127.0.0.1,
 * port 0, and misbehaves the way failing systems do. The fault is chosen per server (`fault`),
 * per request (a function of the request and its index), or by the client with an `x-fault`
 * header or a `fault=` query parameter. Everything it starts (sockets, timers, listeners) it
 * stops in close(), so a test never leaks a handle.
 *
 * Malformed responses are written straight to the socket: node:http would refuse to send them.
 */

export type FaultKind =
  /** 200 with a short body. */
  | 'ok'
  /** Nothing listens: the URL is a port that was bound and released (ECONNREFUSED). Per server only. */
  | 'refuse'
  /** The connection is accepted and reset (RST) before the request is read. */
  | 'reset-on-connect'
  /** Status line and headers, then an RST. */
  | 'reset-after-headers'
  /** Headers and part of the body, then an RST. */
  | 'reset-mid-body'
  /** The request is read and never answered. */
  | 'stall-headers'
  /** Headers and a few bytes of body, then nothing. */
  | 'stall-body'
  /** The status line and headers dribbled one byte at a time (slowloris). */
  | 'slowloris-headers'
  /** Headers at once, then the body dribbled one byte at a time (slowloris). */
  | 'slowloris-body'
  /** Bursts of 5xx: the first `burst.errorMs` of every `burst.periodMs` answer 500/502/503, the rest 200. */
  | 'burst-5xx'
  /** A huge body (`hugeBytes`, 50 MB by default) streamed with backpressure. */
  | 'huge'
  /** A status line that is not HTTP. */
  | 'garbage-status'
  /** `Transfer-Encoding: chunked` with a chunk size that is not hex. */
  | 'bad-chunked'
  /** Content-Length larger than the body, then the connection closes (FIN). */
  | 'short-body'
  /** More bytes than Content-Length says, on a connection kept alive. */
  | 'long-body'
  /**
   * 200, then (for a share of connections) the keep-alive connection is closed at a random
   * moment within 200 ms, without `Connection: close`; a request that arrives on it meanwhile
   * is dropped unanswered (the race of a client reusing a connection the server is closing).
   */
  | 'keepalive-close';

export const FAULT_KINDS: readonly FaultKind[] = [
  'ok',
  'refuse',
  'reset-on-connect',
  'reset-after-headers',
  'reset-mid-body',
  'stall-headers',
  'stall-body',
  'slowloris-headers',
  'slowloris-body',
  'burst-5xx',
  'huge',
  'garbage-status',
  'bad-chunked',
  'short-body',
  'long-body',
  'keepalive-close',
];

export type FaultChooser = (req: IncomingMessage, index: number) => FaultKind;

export interface FaultServerOptions {
  /** The fault of every request, or a chooser per request. Default 'ok'. */
  fault?: FaultKind | FaultChooser;
  /** Body size of 'huge'. Default 50 MB. */
  hugeBytes?: number;
  /** Interval between dribbled bytes. Default 100 ms. */
  dribbleIntervalMs?: number;
  /** Body size of 'slowloris-body'. Default 1000 bytes (100 s at the default interval). */
  dribbleBodyBytes?: number;
  /** 'burst-5xx': errors for the first errorMs of each periodMs, counted from the server's start. */
  burst?: { periodMs: number; errorMs: number };
  /** 'keepalive-close': share of connections closed after a response. Default 0.5. */
  keepAliveCloseShare?: number;
  /** Seed of the server's random choices. */
  seed?: number;
}

export interface FaultServerStats {
  /** Connections accepted. */
  connections: number;
  /** Requests seen (a request on a reset-on-connect connection is never seen). */
  requests: number;
  byFault: Partial<Record<FaultKind, number>>;
  /** Statuses of the well-formed responses whose headers were sent. */
  statuses: Record<number, number>;
  /** Keep-alive connections closed by 'keepalive-close'. */
  keepAliveCloses: number;
  /** Requests that arrived on a connection 'keepalive-close' was about to close, dropped unanswered. */
  keepAliveRaces: number;
  /** Body bytes written by 'huge'. */
  hugeBytesWritten: number;
}

export interface FaultServer {
  url: string;
  /** The origin only (no path). */
  origin: string;
  stats: FaultServerStats;
  /** Stops listening and drops every connection: later connects are refused. */
  refuse(): Promise<void>;
  /** Stops everything it started (idempotent). */
  close(): Promise<void>;
}

const CRLF = '\r\n';

/** A 127.0.0.1 port that nothing listens on (bound on port 0, then released). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const stats: FaultServerStats = { connections: 0, requests: 0, byFault: {}, statuses: {}, keepAliveCloses: 0, keepAliveRaces: 0, hugeBytesWritten: 0 };
  if (options.fault === 'refuse') {
    const port = await closedPort();
    const origin = `http://127.0.0.1:${port}`;
    return { url: origin, origin, stats, refuse: async () => undefined, close: async () => undefined };
  }

  const hugeBytes = options.hugeBytes ?? 50 * 1024 * 1024;
  const dribbleMs = options.dribbleIntervalMs ?? 100;
  const dribbleBodyBytes = options.dribbleBodyBytes ?? 1000;
  const burst = options.burst ?? { periodMs: 1000, errorMs: 400 };
  const closeShare = options.keepAliveCloseShare ?? 0.5;
  const rng = createRng(options.seed ?? 1);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const doomed = new WeakSet<Socket>();
  const startedMs = performance.now();
  let closed = false;
  const chunk = Buffer.alloc(64 * 1024, 'x');

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) fn();
    }, ms);
    timers.add(timer);
  };
  const every = (ms: number, fn: () => boolean): void => {
    // Repeats fn every ms until it returns false (or the server closes).
    const tick = (): void => {
      if (fn()) later(ms, tick);
    };
    later(ms, tick);
  };
  const reset = (socket: Socket): void => {
    if (socket.destroyed) return;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  };
  const sentStatus = (status: number): void => {
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
  };

  const chooseFault = (req: IncomingMessage, index: number): FaultKind => {
    const header = req.headers['x-fault'];
    if (typeof header === 'string' && (FAULT_KINDS as readonly string[]).includes(header)) return header as FaultKind;
    const query = /[?&]fault=([\w-]+)/.exec(req.url ?? '')?.[1];
    if (query && (FAULT_KINDS as readonly string[]).includes(query)) return query as FaultKind;
    const f = options.fault ?? 'ok';
    return typeof f === 'function' ? f(req, index) : f;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const index = stats.requests++;
    const fault = chooseFault(req, index);
    stats.byFault[fault] = (stats.byFault[fault] ?? 0) + 1;
    const socket = req.socket;
    // Drain any request body so that node:http does not stall on it.
    req.resume();
    switch (fault) {
      case 'ok':
      case 'refuse': // a chooser cannot refuse one request; answer it
        sentStatus(200);
        res.end('ok');
        return;
      case 'reset-on-connect': // handled at connection time when per server; per request: reset now
        reset(socket);
        return;
      case 'reset-after-headers':
        sentStatus(200);
        res.writeHead(200, { 'content-length': 1000 });
        res.flushHeaders();
        later(10, () => reset(socket));
        return;
      case 'reset-mid-body':
        sentStatus(200);
        res.writeHead(200, { 'content-length': 100_000 });
        res.write(Buffer.alloc(20_000, 'y'));
        later(10, () => reset(socket));
        return;
      case 'stall-headers':
        return; // never answered; close() ends the socket
      case 'stall-body':
        sentStatus(200);
        res.writeHead(200, { 'content-length': 1000 });
        res.write('partial');
        return;
      case 'slowloris-headers': {
        const head = Buffer.from(`HTTP/1.1 200 OK${CRLF}Content-Type: text/plain${CRLF}Content-Length: 2${CRLF}X-Padding: ${'p'.repeat(40)}${CRLF}${CRLF}ok`);
        let at = 0;
        every(dribbleMs, () => {
          if (socket.destroyed) return false;
          socket.write(head.subarray(at, at + 1));
          at++;
          return at < head.length;
        });
        return;
      }
      case 'slowloris-body': {
        sentStatus(200);
        res.writeHead(200, { 'content-length': dribbleBodyBytes });
        res.flushHeaders();
        let sent = 0;
        every(dribbleMs, () => {
          if (res.destroyed || socket.destroyed) return false;
          res.write('z');
          sent++;
          if (sent >= dribbleBodyBytes) res.end();
          return sent < dribbleBodyBytes;
        });
        return;
      }
      case 'burst-5xx': {
        const phase = (performance.now() - startedMs) % burst.periodMs;
        const status = phase < burst.errorMs ? [500, 502, 503][index % 3] as number : 200;
        sentStatus(status);
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? 'ok' : 'overloaded');
        return;
      }
      case 'huge': {
        sentStatus(200);
        res.writeHead(200, { 'content-length': hugeBytes, 'content-type': 'application/octet-stream' });
        let left = hugeBytes;
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
            left -= piece.length;
            stats.hugeBytesWritten += piece.length;
            if (!res.write(piece)) {
              res.once('drain', pump);
              return;
            }
          }
          if (left === 0 && !res.destroyed) res.end();
        };
        pump();
        return;
      }
      case 'garbage-status':
        socket.end(`HTPT/1.1 two hundred OK${CRLF}Content-Length: 2${CRLF}${CRLF}ok`);
        return;
      case 'bad-chunked':
        socket.end(`HTTP/1.1 200 OK${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}5${CRLF}hello${CRLF}zz${CRLF}world${CRLF}0${CRLF}${CRLF}`);
        return;
      case 'short-body':
        socket.end(`HTTP/1.1 200 OK${CRLF}Content-Length: 1000${CRLF}${CRLF}only a few bytes`);
        return;
      case 'long-body':
        socket.write(`HTTP/1.1 200 OK${CRLF}Content-Length: 2${CRLF}${CRLF}ok and then some bytes nobody asked for${CRLF}`);
        return;
      case 'keepalive-close': {
        if (doomed.has(socket)) {
          // The client reused a connection the server had decided to close: the classic
          // keep-alive race. The request is dropped unanswered.
          stats.keepAliveRaces++;
          socket.destroy();
          return;
        }
        sentStatus(200);
        res.end('ok');
        if (rng.next() < closeShare) {
          stats.keepAliveCloses++;
          doomed.add(socket);
          later(rng.int(0, 200), () => socket.destroy());
        }
        return;
      }
    }
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  // Requests that are never answered must not be cut by the server's own timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.on('connection', (socket: Socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // resets are the point here
    if (options.fault === 'reset-on-connect') reset(socket);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const dropAll = (): void => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  let closing: Promise<void> | null = null;
  const stopListening = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      dropAll();
    });
    return closing;
  };

  return {
    url: origin,
    origin,
    stats,
    refuse: stopListening,
    close: async () => {
      closed = true;
      await stopListening();
      dropAll();
    },
  };
}
