import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  server: Server;
  requests: { method: string; url: string; atMs: number }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1, port 0, recording every request it sees. */
export async function startTestServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', atMs: performance.now() });
    handler(req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers 200 after `delayMs`. */
export function delayed(delayMs: number | (() => number)) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    const ms = typeof delayMs === 'number' ? delayMs : delayMs();
    const timer = setTimeout(() => res.end('ok'), ms);
    res.on('close', () => clearTimeout(timer));
  };
}
