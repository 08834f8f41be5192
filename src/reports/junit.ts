import type { RunResults } from './results.js';

/**
 * `--junit`: the thresholds as JUnit XML, so CI systems (Jenkins, GitLab, GitHub test
 * reporters) show each SLA as a test: one <testsuite name="tidemark thresholds">, one
 * <testcase> per threshold, a <failure> with the actual value when it failed. The attributes
 * are those the Ant JUnit schema requires (name, tests, failures, errors, time, timestamp,
 * hostname; properties, system-out, system-err), which every consumer accepts.
 */

// XML 1.0 allows tab, LF, CR and everything from U+0020 on (minus U+FFFE/U+FFFF); drop the rest.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes text for an XML attribute or element body. */
export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attrs = (pairs: [string, string | number][]): string => pairs.map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('');

/** JUnit's timestamp is an xs:dateTime without a time zone (UTC here). */
function junitTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19) : '1970-01-01T00:00:00';
}

function runSeconds(results: RunResults): number {
  const ms = Date.parse(results.endedAt) - Date.parse(results.startedAt);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : results.knobs.durationMs / 1000;
}

export function renderJunit(results: RunResults): string {
  const tests = results.thresholds.length;
  const failures = results.thresholds.filter((t) => !t.ok).length;
  const time = runSeconds(results).toFixed(3);
  const suite: [string, string | number][] = [
    ['name', 'tidemark thresholds'],
    ['tests', tests],
    ['failures', failures],
    ['errors', 0],
    ['skipped', 0],
    ['time', time],
    ['timestamp', junitTimestamp(results.startedAt)],
    ['hostname', hostOf(results.target)],
    ['id', 0],
    ['package', 'tidemark'],
  ];
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs([['name', 'tidemark'], ['tests', tests], ['failures', failures], ['errors', 0], ['time', time]])}>`,
    `  <testsuite${attrs(suite)}>`,
    '    <properties>',
  ];
  const { knobs } = results;
  const properties: [string, string | number][] = [
    ['target', results.target],
    ['source', results.source],
    ['verdict', results.verdict],
    ['partial', results.partial ? `yes: ${results.partialReason ?? 'stopped early'}` : 'no'],
    ['mode', knobs.mode],
    ['scale', knobs.scale],
    ['speed', knobs.speed],
    ['window', knobs.window],
    ['durationMs', knobs.durationMs],
    ['seed', knobs.seed],
    ['requests', results.totals.requests],
    ['errors', results.totals.errors],
    ['droppedSessions', results.totals.dropped],
    ['targetPerSec', results.rate.targetPerSec],
    ['achievedPerSec', results.rate.achievedPerSec],
  ];
  for (const [name, value] of properties) out.push(`      <property${attrs([['name', name], ['value', value]])}/>`);
  out.push('    </properties>');
  for (const t of results.thresholds) {
    const head = `    <testcase${attrs([['classname', 'tidemark.thresholds'], ['name', t.expression], ['time', '0'], ['assertions', 1]])}`;
    if (t.ok) {
      out.push(`${head}/>`);
      continue;
    }
    const message = `actual ${t.actualText}, threshold ${t.expression}`;
    const body = [
      `threshold: ${t.expression}`,
      `actual:    ${t.actualText}`,
      ...(t.worstWindowStartSec !== undefined ? [`worst window starts at ${t.worstWindowStartSec}s of the run`] : []),
      ...(t.abortOnFail ? ['this threshold aborts the run when it fails'] : []),
    ].join('\n');
    out.push(`${head}>`, `      <failure${attrs([['message', message], ['type', 'ThresholdFailed']])}>${xmlEscape(body)}</failure>`, '    </testcase>');
  }
  const summary = `tidemark ${results.tidemarkVersion}: ${results.totals.requests} requests to ${results.target}, ` + `${results.totals.errors} errors, verdict ${results.verdict}`;
  out.push(`    <system-out>${xmlEscape(summary)}</system-out>`);
  out.push(`    <system-err>${results.partial ? xmlEscape(`partial run: ${results.partialReason ?? 'stopped early'}`) : ''}</system-err>`);
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}

function hostOf(target: string): string {
  try {
    return new URL(target).host || 'localhost';
  } catch {
    return 'localhost';
  }
}
