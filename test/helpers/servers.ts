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

/**
 * A server in its own process that answers 200 after `delayMs`: for rate and latency tests,
 * so that the generator and the target do not share one event loop.
 */
export async function startChildServer(delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const code = `const s=require('http').createServer((q,r)=>{q.resume();setTimeout(()=>r.end('ok'),${Number(delayMs)})});s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log(s.address().port));process.on('SIGTERM',()=>process.exit(0));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (c) => reject(new Error(`child server exited with ${c}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
