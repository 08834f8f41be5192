// Artillery as a contender: installed by scripts/ensure-artillery.sh into tools/artillery (its
// own package: 2.0.21 is the last release that runs on Node 20). Each run writes a small YAML
// (one GET per virtual user, arrivals at a fixed rate: Artillery's open model), runs it under
// /usr/bin/time, and reads its JSON report (`artillery run --output`).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, measured, tempDir } from './common.mjs';

const ARTILLERY = join(ROOT, 'tools', 'artillery', 'node_modules', '.bin', 'artillery');

export function artilleryPath() {
  return existsSync(ARTILLERY) ? ARTILLERY : null;
}

export function artilleryVersion() {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'tools', 'artillery', 'node_modules', 'artillery', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/**
 * `rate` new virtual users per second for `durationSec`, each sending one GET `path`.
 * Returns the report's counters and response-time summary (ms), when its first metric was
 * taken (epoch ms), the achieved request rate (over the phase, or over the time its metrics
 * span when it ran past the phase), and the process figures.
 */
export async function runArtillery({ url, rate, durationSec, path = '/', timeoutMs }) {
  const dir = tempDir('artillery');
  const script = join(dir, 'test.yml');
  const output = join(dir, 'report.json');
  writeFileSync(
    script,
    `config:\n  target: "${url}"\n  phases:\n    - duration: ${durationSec}\n      arrivalRate: ${rate}\nscenarios:\n  - flow:\n      - get:\n          url: "${path}"\n`,
  );
  try {
    const run = await measured([ARTILLERY, 'run', '--output', output, script], { timeoutMs, cwd: dir, env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' } });
    if (!existsSync(output)) throw new Error(`artillery exited with ${run.code}${run.timedOut ? ' (timed out)' : ''} and wrote no report:\n${run.stderr.slice(-2000)}`);
    const report = JSON.parse(readFileSync(output, 'utf8')).aggregate;
    const counters = report.counters ?? {};
    const requests = counters['http.requests'] ?? 0;
    const responses = counters['http.responses'] ?? 0;
    const codes2xx = Object.entries(counters).filter(([k]) => /^http\.codes\.2\d\d$/.test(k)).reduce((s, [, v]) => s + v, 0);
    const failed = counters['vusers.failed'] ?? 0;
    const latency = report.summaries?.['http.response_time'] ?? {};
    // Artillery falls behind an offered rate it cannot create virtual users for, and goes on past
    // the phase: the achieved rate is over the time its metrics span, not the phase's length.
    const first = report.firstMetricAt ?? report.firstCounterAt;
    const last = report.lastMetricAt ?? report.lastCounterAt;
    const spanSec = Number.isFinite(first) && Number.isFinite(last) && last > first ? (last - first) / 1000 : durationSec;
    return {
      ...run,
      requests,
      errors: failed + (responses - codes2xx),
      spanSec,
      ratePerSec: requests / Math.max(durationSec, spanSec),
      firstMetricAt: report.firstMetricAt ?? report.firstCounterAt,
      latency: { p50: latency.median ?? latency.p50, p95: latency.p95, p99: latency.p99, max: latency.max },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
