import { formatDurationMs } from '../core/duration.js';
import { computeFindings, renderFindings } from './findings.js';
import type { RunResults } from './results.js';
import { fmtMs, fmtPct, renderTable } from './table.js';

export interface TerminalOptions {
  color: boolean;
}

const paint = (on: boolean, code: number, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** The end-of-run summary: per endpoint and per stage, the knobs, rates, drops, lag, thresholds, verdict. */
export function renderRunSummary(results: RunResults, options: TerminalOptions): string {
  const out: string[] = [];
  const { knobs, rate, totals } = results;
  const durationSec = knobs.durationMs / 1000;
  out.push(
    `tidemark run → ${results.target}${results.partial ? paint(options.color, 33, `  (partial: ${results.partialReason})`) : ''}`,
    `  source   ${results.source}`,
    `  played   ${knobs.description}`,
    `  knobs    scale ${knobs.scale}×, speed ${knobs.speed}×, window ${knobs.window}, duration ${formatDurationMs(knobs.durationMs)}, seed ${knobs.seed}${knobs.warmStart ? ', warm start' : ''}${knobs.workers ? `, ${knobs.workers} workers` : ''}`,
    ...(knobs.insecure ? [`  ${paint(options.color, 33, 'TLS      certificates NOT verified (--insecure)')}`] : []),
    ...(knobs.maxRatePerSec !== undefined ? [`  ceiling  --max-rate ${knobs.maxRatePerSec} req/s: ${totals.rateCapped ?? 0} requests not sent because of it`] : []),
    `  rate     target ${rate.targetPerSec.toFixed(2)} req/s (${rate.targetSessionsPerSec.toFixed(3)} sessions/s), achieved ${rate.achievedPerSec.toFixed(2)} req/s`,
    '',
  );
  const rows = results.endpoints.map((e) => [
    e.key,
    String(e.count),
    (e.count / durationSec).toFixed(2),
    e.errors ? `${e.errors} (${fmtPct(e.errors / Math.max(1, e.count))})` : '0',
    fmtMs(e.latencyMs.p50),
    fmtMs(e.latencyMs.p90),
    fmtMs(e.latencyMs.p95),
    fmtMs(e.latencyMs.p99),
    fmtMs(e.latencyMs.max),
  ]);
  const o = results.overall.latencyMs;
  rows.push(['all', String(totals.requests), rate.achievedPerSec.toFixed(2), totals.errors ? `${totals.errors} (${fmtPct(totals.errors / Math.max(1, totals.requests))})` : '0', fmtMs(o.p50), fmtMs(o.p90), fmtMs(o.p95), fmtMs(o.p99), fmtMs(o.max)]);
  out.push(renderTable(['endpoint', 'count', 'req/s', 'errors', 'p50', 'p90', 'p95', 'p99', 'max'], rows, [false, true, true, true, true, true, true, true, true]));

  if (results.stages.length > 1) {
    out.push('');
    const stageRows = results.stages.map((stage) => {
      const cells = results.cells.filter((c) => c.stage === stage.name);
      const count = cells.reduce((s, c) => s + c.count, 0);
      const errors = cells.reduce((s, c) => s + c.errors, 0);
      const worstP95 = Math.max(0, ...cells.map((c) => c.latencyMs.p95));
      return [stage.name, formatDurationMs(stage.endMs - stage.startMs), String(count), String(errors), fmtMs(worstP95)];
    });
    out.push(renderTable(['stage', 'length', 'count', 'errors', 'worst endpoint p95'], stageRows, [false, true, true, true, true]));
  }

  const s = results.overall.serviceLatencyMs;
  const lag = results.schedulerLagMs;
  out.push(
    '',
    `  sessions ${totals.sessionsStarted} started, ${totals.dropped} dropped (in-flight cap ${knobs.maxInFlight}), ${totals.cutOff} requests cut off at the end${totals.skipped ? `, ${totals.skipped} skipped (a required value was never captured)` : ''}`,
    `  latency  from intended send p95 ${fmtMs(o.p95)} · from actual send p95 ${fmtMs(s.p95)} · scheduler lag p99 ${fmtMs(lag.p99)} · event-loop delay p99 ${fmtMs(results.eventLoopDelayMs.p99)}`,
  );
  const check = results.selfCheck;
  if (check && check.tvd !== null) {
    out.push(`  mix      sent vs model: total variation distance ${check.tvd.toFixed(3)} ${check.ok ? '(ok)' : paint(options.color, 33, `(over ${check.tolerance.toFixed(3)}: the traffic sent is not the model's; see results.selfCheck)`)}`);
  }
  const failures = Object.entries(totals.failures);
  if (failures.length > 0) out.push(`  failures ${failures.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const classes = Object.entries(totals.statusClasses).sort();
  if (classes.length > 0) out.push(`  status   ${classes.map(([k, v]) => `${k} ${v}`).join(', ')}`);

  if (results.thresholds.length > 0) {
    out.push('', 'thresholds');
    for (const t of results.thresholds) {
      const mark = t.ok ? paint(options.color, 32, '✓') : paint(options.color, 31, '✗');
      out.push(`  ${mark} ${t.expression.padEnd(40)} actual ${t.actualText}`);
    }
  }
  const findings = computeFindings(results);
  if (findings.length > 0) out.push('', renderFindings(findings).trimEnd());
  const verdict = results.verdict === 'pass' ? paint(options.color, 32, 'PASS') : paint(options.color, 31, 'FAIL');
  const failed = results.thresholds.filter((t) => !t.ok).length;
  out.push('', `verdict: ${verdict}${failed ? ` (${failed} of ${results.thresholds.length} thresholds failed)` : ''}`);
  return `${out.join('\n')}\n`;
}
