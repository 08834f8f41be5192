#!/usr/bin/env node
// A target that stalls completely for --stall-ms every --period-ms: requests are answered after
// --service-ms, except that a response due during a stall is held until the stall ends. Runs in
// its own process so that the generator's event loop never shares its timers.
//
//   node bench/lib/stall-server.mjs [--service-ms 10] [--period-ms 10000] [--stall-ms 1000] [--offset-ms 5000] [--max-sec 300]
//
// Prints one JSON line once listening on 127.0.0.1 (port 0):
//   { port, originWallMs, periodMs, stallMs, offsetMs, serviceMs }
// The k-th stall spans [originWallMs + offsetMs + k·periodMs, + stallMs) in wall-clock ms
// (performance.timeOrigin + performance.now(), the clock tidemark's results are stamped with).
// Exits on SIGTERM, when its parent's stdin closes, or after --max-sec (a bound on its life).
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'service-ms': { type: 'string', default: '10' },
    'period-ms': { type: 'string', default: '10000' },
    'stall-ms': { type: 'string', default: '1000' },
    'offset-ms': { type: 'string', default: '5000' },
    'max-sec': { type: 'string', default: '300' },
  },
});
const serviceMs = Number(values['service-ms']);
const periodMs = Number(values['period-ms']);
const stallMs = Number(values['stall-ms']);
const offsetMs = Number(values['offset-ms']);
const wallNow = () => performance.timeOrigin + performance.now();
const originWallMs = wallNow();

/** ms until the stall that covers wall time `t` ends, or 0 when `t` is outside every stall. */
function heldFor(t) {
  const phase = (((t - originWallMs - offsetMs) % periodMs) + periodMs) % periodMs;
  return t - originWallMs >= offsetMs && phase < stallMs ? stallMs - phase : 0;
}

let served = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    setTimeout(function answer() {
      const wait = heldFor(wallNow());
      if (wait > 0) {
        setTimeout(answer, Math.ceil(wait));
        return;
      }
      served++;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    }, serviceMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port, originWallMs, periodMs, stallMs, offsetMs, serviceMs })}\n`);
});
const quit = () => {
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', quit);
process.stdin.on('end', quit);
process.stdin.resume();
setTimeout(quit, Number(values['max-sec']) * 1000).unref();
void served;
