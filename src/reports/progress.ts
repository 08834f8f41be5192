import { formatDurationMs } from '../core/duration.js';
import { createCoarseHistogram } from '../metrics/histogram.js';
import type { Recorder } from '../metrics/recorder.js';
import type { ThresholdResult } from '../thresholds/evaluate.js';
import { fmtMs, fmtPct } from './table.js';

/**
 * Live progress while a run is under way. Pure: it turns a snapshot into the text to write;
 * the caller (the run command, from the runner's once-a-second hook) writes it to stderr.
 * On a terminal: one status line redrawn in place with \r. Elsewhere (CI logs): one plain line
 * every 10 s, so a 30-minute run leaves 180 readable lines instead of 1,800 redraws.
 */

/**
 * What the progress line needs of the load shape. A schedule's RateCurve (open model: `rateAt`)
 * or UserCurve (closed model: `usersAt`) fits as it is.
 */
export interface ProgressCurve {
  readonly durationMs: number;
  stageAt(tMs: number): string;
  /** Session starts per second the schedule asks for at run time `tMs` (open model). */
  rateAt?(tMs: number): number;
  /** Virtual users the schedule asks for at run time `tMs` (closed model). */
  usersAt?(tMs: number): number;
}

export interface ProgressSnapshot {
  elapsedMs: number;
  durationMs: number;
  stage: string;
  /** Requests per second the schedule asks for now (session rate × mean session length); null in a closed-model run. */
  targetPerSec: number | null;
  /** Virtual users the schedule asks for now (closed model), and how many sessions are live. */
  targetUsers: number | null;
  sessions: number | null;
  /** Requests per second measured over the last window. */
  achievedPerSec: number;
  inFlight: number;
  /** Latency from the intended send time over the last window; null when nothing ended there. */
  p95Ms: number | null;
  p99Ms: number | null;
  /** Errors / requests over the last window; null when there were none. */
  errorRate: number | null;
  /** Seconds the "last window" spans (10, or less at the start). */
  windowSec: number;
  requests: number;
  errors: number;
  dropped: number;
  /** Expressions of the thresholds failing at the last live evaluation. */
  failing: string[];
}

export interface SnapshotInput {
  /** Run time so far (the runner's onSecond argument). */
  elapsedMs: number;
  inFlight: number;
  /** Live sessions (the runner's `live.sessions`): virtual users in a closed-model run. */
  sessions?: number | undefined;
  curve: ProgressCurve;
  /** The model's mean requests per session: turns the session rate into a request rate. */
  meanSessionLength: number;
  /** The latest live threshold evaluation, when the caller runs one. */
  thresholds?: readonly ThresholdResult[] | undefined;
  /** Length of the "last N seconds" window; 10 by default. */
  windowSec?: number | undefined;
}

/** Builds the snapshot from the live recorder: totals, and the last `windowSec` complete seconds. */
export function progressSnapshot(recorder: Recorder, input: SnapshotInput): ProgressSnapshot {
  const windowSec = Math.max(1, input.windowSec ?? 10);
  const end = Math.max(0, Math.floor(input.elapsedMs / 1000)); // exclusive: the seconds before now
  const start = Math.max(0, end - windowSec);
  // The seconds hold 2-significant-digit histograms: a finer one adds nothing but cost.
  const latency = createCoarseHistogram();
  let windowRequests = 0;
  let windowErrors = 0;
  for (let s = start; s < end; s++) {
    const bucket = recorder.seconds[s];
    if (!bucket) continue;
    windowRequests += bucket.requests;
    windowErrors += bucket.errors;
    latency.add(bucket.latency);
  }
  let requests = 0;
  let errors = 0;
  for (const cell of recorder.cells.values()) {
    requests += cell.count;
    errors += cell.errors;
  }
  const spanSec = end - start;
  const quantile = (p: number): number | null => (latency.totalCount > 0 ? Math.round(latency.getValueAtPercentile(p) / 10) / 100 : null);
  const nowMs = Math.min(input.elapsedMs, Math.max(0, input.curve.durationMs - 1));
  return {
    elapsedMs: input.elapsedMs,
    durationMs: input.curve.durationMs,
    stage: input.curve.stageAt(nowMs),
    targetPerSec: input.curve.rateAt ? input.curve.rateAt(nowMs) * input.meanSessionLength : null,
    targetUsers: input.curve.usersAt ? Math.round(input.curve.usersAt(nowMs)) : null,
    sessions: input.sessions ?? null,
    achievedPerSec: spanSec > 0 ? windowRequests / spanSec : 0,
    inFlight: input.inFlight,
    p95Ms: quantile(95),
    p99Ms: quantile(99),
    errorRate: windowRequests > 0 ? windowErrors / windowRequests : null,
    windowSec: spanSec,
    requests,
    errors,
    dropped: recorder.droppedSessions,
    failing: (input.thresholds ?? []).filter((t) => !t.ok).map((t) => t.expression),
  };
}

export interface ProgressStyle {
  /** A terminal: redraw one line in place. */
  tty: boolean;
  /** Colour the failing thresholds (terminals only). */
  color?: boolean | undefined;
  /** Terminal width; the line is cut to it so that \r redraws never wrap. */
  columns?: number | undefined;
}

const BAR_CELLS = 20;

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_CELLS);
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)}]`;
}

const clock = (ms: number): string => formatDurationMs(Math.max(0, Math.round(ms / 1000) * 1000));

/** The status as one line, without \r or newline: the same text on a terminal and in a log. */
export function formatProgressLine(snapshot: ProgressSnapshot, style: Pick<ProgressStyle, 'color'> = {}): string {
  const s = snapshot;
  const remaining = Math.max(0, s.durationMs - s.elapsedMs);
  const fraction = s.durationMs > 0 ? s.elapsedMs / s.durationMs : 1;
  const last = `last ${s.windowSec}s`;
  const parts = [
    `${bar(fraction)} ${clock(s.elapsedMs)}/${clock(s.durationMs)} (${clock(remaining)} left)`,
    `stage ${s.stage}`,
    s.targetPerSec === null ? `rate ${s.achievedPerSec.toFixed(1)} req/s` : `rate ${s.achievedPerSec.toFixed(1)}/${s.targetPerSec.toFixed(1)} req/s`,
    ...(s.targetUsers !== null ? [`users ${s.sessions ?? '–'}/${s.targetUsers}`] : []),
    `in flight ${s.inFlight}`,
    s.p95Ms === null ? `p95/p99 – (${last})` : `p95 ${fmtMs(s.p95Ms)} p99 ${fmtMs(s.p99Ms ?? s.p95Ms)} (${last})`,
    `errors ${s.errorRate === null ? '–' : fmtPct(s.errorRate)}`,
  ];
  if (s.dropped > 0) parts.push(`${s.dropped} dropped`);
  if (s.failing.length > 0) {
    const text = `✗ ${s.failing.join(', ')}`;
    parts.push(style.color ? `\u001b[31m${text}\u001b[0m` : text);
  }
  return parts.join(' · ');
}

/** Cuts a line to `columns` visible characters (ANSI colour codes do not count). */
function fit(line: string, columns: number | undefined): string {
  if (!columns || columns < 10) return line;
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\u001b') {
      const end = line.indexOf('m', i);
      if (end > 0) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= columns - 1) return `${out}…${line.includes('\u001b') ? '\u001b[0m' : ''}`;
    out += line[i];
    visible++;
  }
  return out;
}

/**
 * Decides what to write each second. `update` returns '' when nothing is due (in a log, only
 * every `plainEverySec` seconds); `finish` clears the terminal line before the summary.
 */
export class ProgressLine {
  private readonly style: ProgressStyle;
  private readonly plainEveryMs: number;
  private drawn = false;

  constructor(style: ProgressStyle, plainEverySec = 10) {
    this.style = style;
    this.plainEveryMs = plainEverySec * 1000;
  }

  /**
   * Whether `update` would print anything at run time `elapsedMs`: a terminal every second, a log
   * every `plainEverySec`. The caller builds the snapshot only then: it merges ten seconds of
   * histograms, a millisecond or more on the thread that sends the load.
   */
  due(elapsedMs: number): boolean {
    return this.style.tty || (elapsedMs > 0 && elapsedMs % this.plainEveryMs === 0);
  }

  update(snapshot: ProgressSnapshot): string {
    if (this.style.tty) {
      this.drawn = true;
      // \r back to column 0, the line, then erase whatever a longer previous line left.
      return `\r${fit(formatProgressLine(snapshot, this.style), this.style.columns)}\u001b[K`;
    }
    if (!this.due(snapshot.elapsedMs)) return '';
    return `  ${formatProgressLine(snapshot)}\n`;
  }

  /** Text that leaves the terminal on a fresh, empty line (nothing in a log). */
  finish(): string {
    if (!this.drawn) return '';
    this.drawn = false;
    return '\r\u001b[K';
  }
}
