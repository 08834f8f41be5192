// Starts nginx (bench/nginx.conf: `return 200 "ok"`, one worker, access log off unless asked)
// on a free port of 127.0.0.1, in the foreground as a child process, from a temp dir.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ROOT, freePort, sleep, tempDir, which } from './common.mjs';

export function nginxPath() {
  return which('nginx') ?? ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => which(p)) ?? null;
}

/** For the benchmarks whose target nginx is: stops (exit 2) with how to install it when missing. */
export function requireNginx() {
  if (nginxPath()) return;
  console.error('bench: nginx is not installed (apt-get install -y nginx); it is the target of this benchmark');
  process.exit(2);
}

/**
 * @param {{ accessLog?: boolean }} options accessLog: one `$msec` line per request in
 *   `accessLogPath` (rate-accuracy reads it for the arrivals' spacing).
 * @returns {Promise<{ url: string, port: number, pid: number, accessLogPath: string, stop(): Promise<void> }>}
 */
export async function startNginx(options = {}) {
  const bin = nginxPath();
  if (!bin) throw new Error('nginx is not installed (apt-get install -y nginx)');
  const dir = tempDir('nginx');
  const port = await freePort();
  const accessLogPath = join(dir, 'access.log');
  const conf = readFileSync(join(ROOT, 'bench', 'nginx.conf'), 'utf8')
    .replaceAll('@DIR@', dir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@ACCESS_LOG@', options.accessLog ? `access_log ${accessLogPath} arrivals;` : '');
  writeFileSync(join(dir, 'nginx.conf'), conf);
  let stderr = '';
  const child = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  let exited = false;
  const exit = new Promise((r) => child.on('exit', () => ((exited = true), r())));
  // Ready when it accepts a connection (at most 5 s).
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`nginx did not start: ${stderr}${safeRead(join(dir, 'error.log'))}`);
    if (await canConnect(port)) break;
    if (i > 100) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on 127.0.0.1:${port} within 5 s`);
    }
    await sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    accessLogPath,
    async stop() {
      if (!exited) {
        child.kill('SIGQUIT'); // graceful: workers flush and close the access log
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(timer);
      }
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function safeRead(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function canConnect(port) {
  return new Promise((r) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), r(true)));
    socket.once('error', () => r(false));
  });
}
