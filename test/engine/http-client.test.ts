import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, type HttpResponse } from '../../src/engine/http-client.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

let server: TestServer | undefined;
let client: HttpClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const options = (url: string, timeoutMs = 2_000) => ({ target: url, connections: 4, pipelining: 1, connectTimeoutMs: 1_000, timeoutMs, insecure: false });

describe('HttpClient', () => {
  it('reads status, bytes, lower-cased headers (repeated ones as a list) and, when asked, the body', async () => {
    server = await startTestServer((_req, res) => {
      res.setHeader('X-Cart-Id', 'c-42');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.end('{"ok":true}');
    });
    client = new HttpClient(options(server.url));
    const before = performance.now();
    const withBody = await client.send({ method: 'GET', path: '/a' }, true);
    expect(withBody.status).toBe(200);
    expect(withBody.failure).toBeNull();
    expect(withBody.bytes).toBe(11);
    expect(withBody.text).toBe('{"ok":true}');
    expect(withBody.headers['x-cart-id']).toBe('c-42');
    expect(withBody.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(withBody.sentAtMs).toBeGreaterThanOrEqual(before);
    const without = await client.send({ method: 'GET', path: '/b' });
    expect(without.text).toBeUndefined();
    expect(without.bytes).toBe(11);
  });

  it('dispatch calls back exactly once per request with its tag, and counts what is in flight', async () => {
    server = await startTestServer((_req, res) => setTimeout(() => res.end('ok'), 20));
    client = new HttpClient(options(server.url));
    const seen: number[] = [];
    const all = new Promise<void>((resolve) => {
      const done = (tag: number, response: HttpResponse): void => {
        expect(response.status).toBe(200);
        seen.push(tag);
        if (seen.length === 10) resolve();
      };
      for (let i = 0; i < 10; i++) client?.dispatch({ method: 'GET', path: `/x?i=${i}` }, false, i, done);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(client.inFlight).toBeGreaterThan(0);
    await all;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(client.inFlight).toBe(0);
  });

  it('ends a response that is still dribbling at the whole-response deadline, as a timeout', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      const drip = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(drip));
    });
    client = new HttpClient(options(server.url, 300));
    const started = performance.now();
    const response = await client.send({ method: 'GET', path: '/slow' });
    const elapsed = performance.now() - started;
    expect(response.failure).toBe('timeout');
    expect(response.status).toBe(0);
    expect(response.bytes).toBeGreaterThan(0);
    // The deadline is swept every timeout/20 (here 15 ms): it ends close after 300 ms.
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(600);
  });

  it('preconnect opens sockets ahead that the pool then uses, before opening any of its own', async () => {
    server = await startTestServer((_req, res) => setTimeout(() => res.end('ok'), 30));
    let connections = 0;
    server.server.on('connection', () => connections++);
    client = new HttpClient(options(server.url)); // at most 4 sockets
    expect(await client.preconnect(3)).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(connections).toBe(3);
    expect(server.requests.length).toBe(0); // sockets only, no request
    const responses = await Promise.all([1, 2, 3].map((i) => client!.send({ method: 'GET', path: `/${i}` })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(connections).toBe(3);
    // A fourth concurrent request needs a fourth socket: the pool opens it itself.
    await Promise.all([1, 2, 3, 4].map((i) => client!.send({ method: 'GET', path: `/${i}` })));
    expect(connections).toBe(4);
  });

  it('a spare socket the server closed before use is skipped, not used', async () => {
    server = await startTestServer((_req, res) => res.end('ok'));
    client = new HttpClient(options(server.url));
    expect(await client.preconnect(2)).toBe(2);
    server.server.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await client.send({ method: 'GET', path: '/' });
    expect(response.failure).toBeNull();
    expect(response.status).toBe(200);
  });

  it('preconnect to a port nobody listens on opens nothing; requests then fail as refused', async () => {
    server = await startTestServer((_req, res) => res.end('ok'));
    const url = server.url;
    await server.close();
    server = undefined;
    client = new HttpClient(options(url));
    expect(await client.preconnect(2)).toBe(0);
    expect((await client.send({ method: 'GET', path: '/' })).failure).toBe('refused');
  });

  it('cuts off what is in flight and what is queued, as cut_off', async () => {
    server = await startTestServer(() => undefined); // never answers
    client = new HttpClient({ ...options(server.url), connections: 1 });
    const responses = [client.send({ method: 'GET', path: '/1' }), client.send({ method: 'GET', path: '/2' })];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.inFlight).toBe(1); // one on the only socket, one queued behind it
    await client.cutOff();
    const ended = await Promise.all(responses);
    expect(ended.map((r) => r.failure)).toEqual(['cut_off', 'cut_off']);
    expect(Number.isNaN(ended[1]?.sentAtMs)).toBe(true);
    expect(client.inFlight).toBe(0);
  });
});
