/**
 * `tidemark inspect`: what a model says, for a person (`renderModelSummary`) or a script
 * (`modelSummaryJson`, for `inspect --json`). Both come from the same summary object, so they
 * never disagree. Pure: returns strings and plain data.
 */
import { formatDurationMs } from '../core/duration.js';
import type { Distribution, ModelConcurrency, StatusClass, TrafficModel } from '../core/types.js';
import { WEEKDAY_NAMES, localIso, zoneFrame } from '../model/time-zone.js';

const EXIT = '$exit';
const SPARK = '▁▂▃▄▅▆▇█';
const STATUS_ORDER: StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];
const TOP_ENDPOINTS = 25;
const TOP_ENTRIES = 8;
const TOP_FLOWS = 10;

export interface ModelSummary {
  span: { start: string; end: string; days: number; timeZone: string };
  totals: { requests: number; rejected: number; lines: number };
  endpoints: {
    key: string;
    count: number;
    share: number;
    /** Status class → share of this endpoint's requests. */
    status: Partial<Record<StatusClass, number>>;
    latencyP50Ms: number | null;
    latencyP99Ms: number | null;
  }[];
  /** Endpoints not listed in `endpoints` (past the top 25). */
  moreEndpoints: number;
  /**
   * Static assets (css, js, images, …): their share of the model's requests and how many
   * endpoints are static; `excluded`: requests left out by `import --exclude-static`, else null.
   */
  static: { share: number; endpoints: number; excluded: number | null };
  sessions: {
    count: number;
    key: string;
    timeoutSec: number;
    length: { mean: number; p50: number; p90: number };
    durationSec: { mean: number; p50: number; p90: number };
    thinkTimeMs: { p50: number; p90: number };
    /** Bots and crawlers (by user agent): their sessions and requests, and shares of all; null in older models. */
    bots: { sessions: number; requests: number; sessionShare: number; requestShare: number } | null;
  };
  topEntries: { key: string; share: number }[];
  /** How sessions begin: the first two or three steps (ending early at the exit), by share of sessions. */
  topFlows: { steps: string[]; share: number }[];
  hourly: { shares: number[]; sparkline: string; axis: string };
  peak: { start: string; end: string; hourOfDay: number; sessions: number; requests: number; sessionsPerSec: number; requestsPerSec: number };
  rejected: { reason: string; count: number; examples: string[] }[];
  /** The peak's start in the model's time zone (ISO 8601 with its offset). */
  peakLocalStart: string;
  /**
   * Per weekday (Monday first): average requests per clock hour of each hour (null where the log
   * does not reach) and per day (null unless all 24 hours were seen). Null when the model has no
   * weekday × hour arrivals (a log shorter than 24 hours, or an older model).
   */
  weekdays: { name: string; requestsPerHour: (number | null)[]; requestsPerDay: number | null; sessionsPerDay: number | null }[] | null;
  /** Sessions in flight and Little's law at the peak hour; null for older models. */
  concurrency: ModelConcurrency | null;
}

export function modelSummaryJson(model: TrafficModel): ModelSummary {
  const { sessions, arrivals } = model;
  const pick3 = (d: Distribution): { mean: number; p50: number; p90: number } => ({ mean: d.mean, p50: d.p50, p90: d.p90 });
  return {
    span: { ...model.span, timeZone: arrivals.timeZone },
    totals: { ...model.totals },
    endpoints: model.endpoints.slice(0, TOP_ENDPOINTS).map((e) => {
      const status: Partial<Record<StatusClass, number>> = {};
      for (const cls of STATUS_ORDER) {
        const n = e.statusClasses[cls];
        if (n !== undefined && n > 0 && e.count > 0) status[cls] = round(n / e.count, 4);
      }
      return { key: e.key, count: e.count, share: e.share, status, latencyP50Ms: e.latencyMs?.p50 ?? null, latencyP99Ms: e.latencyMs?.p99 ?? null };
    }),
    moreEndpoints: Math.max(0, model.endpoints.length - TOP_ENDPOINTS),
    static: staticSummary(model),
    sessions: {
      count: sessions.count,
      key: sessions.key,
      timeoutSec: sessions.timeoutSec,
      length: pick3(sessions.length),
      durationSec: pick3(sessions.durationSec),
      thinkTimeMs: { p50: sessions.thinkTimeMs.p50, p90: sessions.thinkTimeMs.p90 },
      bots: botShare(model),
    },
    topEntries: Object.entries(sessions.entry)
      .sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))
      .slice(0, TOP_ENTRIES)
      .map(([key, share]) => ({ key, share })),
    topFlows: topFlows(model, TOP_FLOWS),
    hourly: { shares: [...arrivals.hourly], sparkline: sparkline(arrivals.hourly), axis: hourAxis() },
    peak: {
      start: arrivals.peak.start,
      end: arrivals.peak.end,
      hourOfDay: arrivals.peak.hourOfDay,
      sessions: arrivals.peak.sessions,
      requests: arrivals.peak.requests,
      sessionsPerSec: arrivals.peak.sessionsPerSec,
      requestsPerSec: arrivals.peak.requestsPerSec,
    },
    rejected: Object.entries(model.provenance.rejected)
      .map(([reason, r]) => ({ reason, count: r.count, examples: [...r.examples] }))
      .sort((a, b) => b.count - a.count || compare(a.reason, b.reason)),
    peakLocalStart: arrivals.peak.localStart ?? toLocal(arrivals.peak.start, arrivals.timeZone),
    weekdays: weekdays(model),
    concurrency: arrivals.concurrency ? structuredClone(arrivals.concurrency) : null,
  };
}

function staticSummary(model: TrafficModel): ModelSummary['static'] {
  const endpoints = model.endpoints.filter((e) => e.static === true);
  const requests = endpoints.reduce((sum, e) => sum + e.count, 0);
  const total = model.totals.requests;
  return { share: total > 0 ? round(requests / total, 4) : 0, endpoints: endpoints.length, excluded: model.provenance.excluded?.static ?? null };
}

function weekdays(model: TrafficModel): ModelSummary['weekdays'] {
  const requests = model.arrivals.requestsPerWeekdayHour;
  const sessions = model.arrivals.sessionsPerWeekdayHour;
  if (!requests || requests.length !== 168) return null;
  const total = (cells: readonly (number | null)[]): number | null => (cells.every((c) => c !== null) ? round((cells as number[]).reduce((a, b) => a + b, 0), 1) : null);
  return WEEKDAY_NAMES.map((name, d) => {
    const hours = requests.slice(d * 24, d * 24 + 24);
    return { name, requestsPerHour: hours, requestsPerDay: total(hours), sessionsPerDay: sessions && sessions.length === 168 ? total(sessions.slice(d * 24, d * 24 + 24)) : null };
  });
}

/** An ISO time of the model (UTC) in its time zone; as given when the zone is unknown here. */
function toLocal(iso: string, timeZone: string): string {
  try {
    return localIso(Date.parse(iso), zoneFrame(timeZone));
  } catch {
    return iso;
  }
}

/**
 * `inspect --brief`: the traffic in a few plain sentences, for a ticket or a prompt. Only what
 * the model knows: weekdays when the log spans them, concurrency when the model has it.
 */
export function briefSentences(model: TrafficModel): string[] {
  const s = modelSummaryJson(model);
  const tz = s.span.timeZone;
  if (s.totals.requests === 0) return ['The log has no requests.'];
  const out: string[] = [];
  const spanMs = Date.parse(s.span.end) - Date.parse(s.span.start);
  out.push(
    `The log covers ${briefSpan(spanMs)} (${isoShort(toLocal(s.span.start, tz))} to ${isoShort(toLocal(s.span.end, tz))} ${tz}): ` +
      `${fmtInt(s.totals.requests)} requests in ${fmtInt(s.sessions.count)} session${s.sessions.count === 1 ? '' : 's'}.`,
  );
  const local = s.peakLocalStart;
  const day = spanMs >= 86_400_000 ? ` (on ${weekdayOfDate(local)} ${local.slice(0, 10)})` : '';
  out.push(`Traffic peaks at ${local.slice(11, 16)} ${tz} at ${briefRate(s.peak.requestsPerSec)} requests/s${day}.`);
  const top = model.endpoints.filter((e, i) => i === 0 || e.share >= 0.05).slice(0, 3);
  const parts = top.map((e, i) => (i === 0 ? `${briefPct(e.share)} of requests are ${e.key}` : `${briefPct(e.share)} ${e.key}`));
  out.push(`${joinList(parts)}.`);
  if (s.sessions.count > 0) {
    out.push(`A session makes ${s.sessions.length.mean.toFixed(1)} requests over ${briefDuration(s.sessions.durationSec.mean)} on average.`);
    const entry = s.topEntries[0];
    if (entry !== undefined) out.push(`${briefPct(entry.share)} of sessions start at ${entry.key}.`);
  }
  const days = (s.weekdays ?? []).filter((d) => d.requestsPerDay !== null) as { name: string; requestsPerDay: number }[];
  if (days.length >= 2) {
    const busiest = days.reduce((a, b) => (b.requestsPerDay > a.requestsPerDay ? b : a));
    const quietest = days.reduce((a, b) => (b.requestsPerDay < a.requestsPerDay ? b : a));
    out.push(
      `Of the ${days.length} weekdays the log covers in full, ${busiest.name} is the busiest (${fmtInt(busiest.requestsPerDay)} requests a day) ` +
        `and ${quietest.name} the quietest (${fmtInt(quietest.requestsPerDay)}).`,
    );
  }
  const c = s.concurrency;
  if (c !== null && s.sessions.count > 0) {
    out.push(`About ${briefCount(c.mean)} sessions are in flight on average, ${briefCount(c.peak)} at the busiest minute (${c.peakAt.slice(11, 16)} ${tz} on ${c.peakAt.slice(0, 10)}).`);
    const law = c.littlesLaw;
    if (law.predicted > 0) {
      out.push(
        `At the peak hour, Little's law predicts ${briefCount(law.predicted)} in flight (${briefRate(law.arrivalRatePerSec)} sessions/s × ${briefDuration(law.meanDurationSec)}); ` +
          `${briefCount(law.observed)} were observed.`,
      );
    }
  }
  return out;
}

export function renderBrief(model: TrafficModel): string {
  return `${briefSentences(model).join(' ')}\n`;
}

function joinList(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] as string}`;
}

function briefPct(share: number): string {
  const pct = share * 100;
  return pct >= 1 || pct === 0 ? `${Math.round(pct)}%` : `${pct.toFixed(1)}%`;
}

function briefRate(perSec: number): string {
  if (perSec >= 100) return perSec.toFixed(0);
  if (perSec >= 1) return perSec.toFixed(1);
  return perSec > 0 ? String(Number(perSec.toPrecision(2))) : '0';
}

function briefCount(n: number): string {
  return n >= 10 ? fmtInt(n) : n.toFixed(1);
}

function briefDuration(sec: number): string {
  if (sec >= 3600) return `${(sec / 3600).toFixed(1)} h`;
  if (sec >= 60) return `${(sec / 60).toFixed(1)} min`;
  return sec >= 10 ? `${Math.round(sec)} s` : `${sec.toFixed(1)} s`;
}

function briefSpan(ms: number): string {
  const hours = ms / 3_600_000;
  const plural = (text: string, unit: string): string => `${text} ${unit}${text === '1' ? '' : 's'}`;
  const figure = (n: number): string => (Math.abs(n - Math.round(n)) < 0.05 ? String(Math.round(n)) : n.toFixed(1));
  if (hours >= 24) return plural(figure(hours / 24), 'day');
  if (hours >= 1) return plural(figure(hours), 'hour');
  return `${Math.max(0, Math.round(ms / 60_000))} minutes`;
}

/** Weekday name of the date part (YYYY-MM-DD) of an ISO time, as written (local). */
function weekdayOfDate(iso: string): string {
  const d = new Date(Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))));
  return WEEKDAY_NAMES[(d.getUTCDay() + 6) % 7] as string;
}

function botShare(model: TrafficModel): ModelSummary['sessions']['bots'] {
  const classes = model.sessions.classes;
  if (classes === undefined) return null;
  const { count, requests } = classes.bot;
  const allRequests = classes.human.requests + requests;
  return {
    sessions: count,
    requests,
    sessionShare: model.sessions.count > 0 ? round(count / model.sessions.count, 4) : 0,
    requestShare: allRequests > 0 ? round(requests / allRequests, 4) : 0,
  };
}

/**
 * The most likely openings of a session: entry → next → next, each step weighted by the
 * transition matrix, a path ending early when it reaches the exit. The shares of all openings
 * add up to 1, so "23%" reads as "23% of sessions begin this way".
 */
export function topFlows(model: TrafficModel, n: number): { steps: string[]; share: number }[] {
  const { entry, transitions } = model.sessions;
  const flows: { steps: string[]; share: number }[] = [];
  const minShare = 1e-4;
  for (const [a, pa] of Object.entries(entry)) {
    const rowA = transitions[a] ?? {};
    for (const [b, pab] of Object.entries(rowA)) {
      const massAB = pa * pab;
      if (massAB < minShare) continue;
      if (b === EXIT) {
        flows.push({ steps: [a, EXIT], share: massAB });
        continue;
      }
      for (const [c, pbc] of Object.entries(transitions[b] ?? {})) {
        const mass = massAB * pbc;
        if (mass >= minShare) flows.push({ steps: [a, b, c], share: mass });
      }
    }
  }
  flows.sort((x, y) => y.share - x.share || compare(x.steps.join(' '), y.steps.join(' ')));
  return flows.slice(0, n).map((f) => ({ steps: f.steps, share: round(f.share, 6) }));
}

/** 24 characters, one per hour of day; blank for an hour without sessions. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((v) => {
      if (!(v > 0) || max === 0) return ' ';
      return SPARK[Math.min(SPARK.length - 1, Math.max(0, Math.ceil((v / max) * SPARK.length) - 1))] as string;
    })
    .join('');
}

/** 24 characters on a shared scale `max`; `·` for an hour the log does not reach. */
function sparkCells(values: readonly (number | null)[], max: number): string {
  return values
    .map((v) => {
      if (v === null) return '·';
      if (!(v > 0) || max === 0) return ' ';
      return SPARK[Math.min(SPARK.length - 1, Math.max(0, Math.ceil((v / max) * SPARK.length) - 1))] as string;
    })
    .join('');
}

/** Hour labels under a 24-character sparkline: 0, 6, 12, 18 and 23 at their positions. */
export function hourAxis(): string {
  const axis = new Array<string>(24).fill(' ');
  const put = (pos: number, label: string): void => {
    for (let i = 0; i < label.length; i++) axis[pos + i] = label[i] as string;
  };
  put(0, '0');
  put(6, '6');
  put(12, '12');
  put(18, '18');
  put(22, '23');
  return axis.join('');
}

export function renderModelSummary(model: TrafficModel, opts: { color?: boolean; width?: number } = {}): string {
  const s = modelSummaryJson(model);
  const width = Math.max(60, opts.width ?? 100);
  const bold = (t: string): string => (opts.color ? `\x1b[1m${t}\x1b[22m` : t);
  const dim = (t: string): string => (opts.color ? `\x1b[2m${t}\x1b[22m` : t);
  const out: string[] = [];

  out.push(
    `${bold('tidemark model')}  ${isoShort(toLocal(s.span.start, s.span.timeZone))} → ${isoShort(toLocal(s.span.end, s.span.timeZone))} ${s.span.timeZone} (${s.span.days.toFixed(1)} days)  ` +
      `${fmtInt(s.totals.requests)} requests, ${fmtInt(s.sessions.count)} sessions, ${fmtInt(s.totals.rejected)} rejected`,
  );

  // Endpoint mix.
  out.push('', bold(`Endpoints (${model.endpoints.length})`));
  const hasLatency = s.endpoints.some((e) => e.latencyP50Ms !== null);
  const header = ['endpoint', 'requests', 'share', 'status', ...(hasLatency ? ['p50', 'p99'] : [])];
  const rows = s.endpoints.map((e) => [
    e.key,
    fmtInt(e.count),
    fmtPct(e.share),
    STATUS_ORDER.filter((cls) => e.status[cls] !== undefined)
      .map((cls) => `${cls} ${fmtPctShort(e.status[cls] as number)}`)
      .join(' '),
    ...(hasLatency ? [e.latencyP50Ms === null ? '-' : fmtMs(e.latencyP50Ms), e.latencyP99Ms === null ? '-' : fmtMs(e.latencyP99Ms)] : []),
  ]);
  out.push(...table(header, rows, [false, true, true, false, true, true], width, [0, 3], dim));
  if (s.moreEndpoints > 0) out.push(dim(`  … and ${s.moreEndpoints} more`));
  if (s.static.excluded !== null) out.push(`  static assets: excluded at import (${fmtInt(s.static.excluded)} requests)`);
  else if (s.static.endpoints > 0) out.push(`  static assets: ${fmtPct(s.static.share)} of requests (${fmtInt(s.static.endpoints)} endpoint${s.static.endpoints === 1 ? '' : 's'})`);

  // Sessions.
  const ss = s.sessions;
  out.push('', bold('Sessions'));
  out.push(`  ${fmtInt(ss.count)} sessions (identity ${ss.key}, ${formatDurationMs(ss.timeoutSec * 1000)} inactivity timeout)`);
  out.push(`  length     mean ${ss.length.mean.toFixed(1)}  p50 ${fmtNum(ss.length.p50)}  p90 ${fmtNum(ss.length.p90)} requests`);
  out.push(
    `  duration   mean ${formatDurationMs(ss.durationSec.mean * 1000)}  p50 ${formatDurationMs(ss.durationSec.p50 * 1000)}  p90 ${formatDurationMs(ss.durationSec.p90 * 1000)}`,
  );
  out.push(`  think time p50 ${formatDurationMs(ss.thinkTimeMs.p50)}  p90 ${formatDurationMs(ss.thinkTimeMs.p90)}`);
  if (ss.bots !== null) {
    out.push(`  bots       ${fmtInt(ss.bots.sessions)} sessions (${fmtPct(ss.bots.sessionShare)}), ${fmtInt(ss.bots.requests)} requests (${fmtPct(ss.bots.requestShare)}) by user agent`);
  }

  if (s.topEntries.length > 0) {
    out.push('', bold('Top entry endpoints'));
    for (const e of s.topEntries) out.push(`  ${fmtPct(e.share).padStart(7)}  ${truncate(e.key, width - 11)}`);
  }
  if (s.topFlows.length > 0) {
    out.push('', bold('Top flows') + dim(' (how sessions begin)'));
    for (const f of s.topFlows) {
      const steps = f.steps.map((k) => (k === EXIT ? '(exit)' : k)).join(' → ');
      out.push(`  ${fmtPct(f.share).padStart(7)}  ${truncate(steps, width - 11)}`);
    }
  }

  out.push('', bold(`Hourly shape`) + dim(` (session starts, ${s.span.timeZone})`));
  out.push(`  ${s.hourly.sparkline}`);
  out.push(`  ${dim(s.hourly.axis)}`);

  if (s.weekdays !== null) {
    out.push('', bold('Weekly shape') + dim(` (requests per hour, ${s.span.timeZone}; · not in the log)`));
    const max = Math.max(0, ...s.weekdays.flatMap((d) => d.requestsPerHour.map((v) => v ?? 0)));
    for (const d of s.weekdays) {
      if (d.requestsPerHour.every((v) => v === null)) continue;
      const perDay = d.requestsPerDay === null ? dim('—') : `${fmtInt(d.requestsPerDay)} requests/day`;
      out.push(`  ${d.name.slice(0, 3)} ${sparkCells(d.requestsPerHour, max)}  ${perDay}`);
    }
    out.push(`      ${dim(hourAxis())}`);
  }

  const p = s.peak;
  out.push('', bold('Peak hour'));
  if (p.sessions > 0 || p.requests > 0) {
    const endHour = `${String((p.hourOfDay + 1) % 24).padStart(2, '0')}:${s.peakLocalStart.slice(14, 16)}`;
    out.push(
      `  ${isoShort(s.peakLocalStart)}–${endHour} ${s.span.timeZone}: ${fmtInt(p.sessions)} sessions (${fmtRate(p.sessionsPerSec)}/s), ${fmtInt(p.requests)} requests (${fmtRate(p.requestsPerSec)}/s)`,
    );
  } else {
    out.push('  (no traffic)');
  }

  const c = s.concurrency;
  if (c !== null && s.sessions.count > 0) {
    const law = c.littlesLaw;
    out.push('', bold('Concurrency') + dim(' (sessions in flight, first to last request)'));
    out.push(`  mean ${fmtNum(c.mean)}  peak ${fmtNum(c.peak)} at ${isoShort(c.peakAt)} ${s.span.timeZone}`);
    out.push(
      `  Little's law at the peak hour: ${fmtRate(law.arrivalRatePerSec)} sessions/s × ${formatDurationMs(law.meanDurationSec * 1000)} = ${fmtNum(law.predicted)} predicted, ` +
        `${fmtNum(law.observed)} observed${law.ratio === null ? '' : ` (ratio ${law.ratio.toFixed(2)})`}`,
    );
  }

  if (s.rejected.length > 0) {
    out.push('', bold('Rejected lines'));
    const rows2 = s.rejected.map((r) => [r.reason, fmtInt(r.count), r.examples.slice(0, 3).join(', ')]);
    out.push(...table(['reason', 'lines', 'e.g.'], rows2, [false, true, false], width, [2, 0], dim));
  }
  return `${out.join('\n')}\n`;
}

/**
 * A plain table, numbers right-aligned; the textual columns in `shrink` are cut (in that order,
 * down to 8 characters) with an ellipsis so that lines fit `width`.
 */
function table(header: string[], rows: string[][], numeric: boolean[], width: number, shrink: number[], dim: (t: string) => string): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  let excess = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1) + 2 - width;
  for (const column of shrink) {
    if (excess <= 0) break;
    const cut = Math.min(excess, Math.max(0, (widths[column] as number) - 8));
    widths[column] = (widths[column] as number) - cut;
    excess -= cut;
  }
  const line = (cells: string[]): string =>
    '  ' +
    cells
      .map((cell, i) => {
        const w = widths[i] as number;
        const text = truncate(cell, w);
        return numeric[i] ? text.padStart(w) : text.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [dim(line(header)), ...rows.map(line)];
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

function fmtInt(n: number): string {
  const s = String(Math.round(n));
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function fmtPct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function fmtPctShort(fraction: number): string {
  const pct = fraction * 100;
  return pct >= 99.95 || pct < 0.05 ? `${pct.toFixed(0)}%` : `${pct.toFixed(1)}%`;
}

function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 100) return `${ms.toFixed(0)}ms`;
  return `${ms.toFixed(1)}ms`;
}

function fmtRate(perSec: number): string {
  return perSec >= 100 ? perSec.toFixed(0) : perSec >= 1 ? perSec.toFixed(2) : perSec.toFixed(3);
}

/** `2026-11-27T20:00:00.000Z` → `2026-11-27 20:00`. */
function isoShort(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
