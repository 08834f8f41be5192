import { encodeHistogram, summarizeMs, type LatencySummaryMs, createHistogram } from '../metrics/histogram.js';
import type { Cell, Recorder } from '../metrics/recorder.js';
import type { ThresholdResult } from '../thresholds/evaluate.js';
import type { SelfCheck } from './fidelity.js';
import { seriesFromRecorder, type SeriesSecond } from './series.js';

/** results.json: what a run measured and how it was judged. Versioned; schema/results.schema.json. */
export interface EndpointResult {
  key: string;
  /** The stage, for entries of `cells`; absent in `endpoints` (whole run). */
  stage?: string;
  count: number;
  errors: number;
  bytes: number;
  statusClasses: Record<string, number>;
  failures: Record<string, number>;
  /** From the intended send time (what users would have felt). */
  latencyMs: LatencySummaryMs;
  /** From the actual send (what a closed-loop tool would report). */
  serviceLatencyMs: LatencySummaryMs;
  /** HdrHistogram compressed base64 of latencyMs (µs), for exact merge and compare. */
  histogram: string;
  /** The same for serviceLatencyMs. */
  serviceHistogram?: string;
}

export interface RunKnobs {
  mode: 'model' | 'stages' | 'users' | 'rate' | 'replay';
  scale: number;
  speed: number;
  window: string;
  durationMs: number;
  seed: number;
  warmStart: boolean;
  maxInFlight: number;
  connections: number | null;
  description: string;
  /** "i/N" when this process played one segment of a shared schedule. */
  segment?: string;
  /** Worker threads that shared the schedule, when more than one. */
  workers?: number;
  /** The ceiling on requests per second (--max-rate), when one was set. */
  maxRatePerSec?: number;
  /** TLS certificates were not verified (--insecure). */
  insecure?: boolean;
}

export interface RunResults {
  schemaVersion: 1;
  tidemarkVersion: string;
  verdict: 'pass' | 'fail';
  partial: boolean;
  partialReason: string | null;
  startedAt: string;
  endedAt: string;
  target: string;
  source: string;
  knobs: RunKnobs;
  stages: { name: string; startMs: number; endMs: number }[];
  rate: {
    /** Session starts per second the schedule asked for (mean over the run). */
    targetSessionsPerSec: number;
    /** Requests per second the schedule implies: session rate × the model's mean session length. */
    targetPerSec: number;
    achievedPerSec: number;
  };
  totals: {
    requests: number;
    errors: number;
    dropped: number;
    cutOff: number;
    /** Planned requests skipped because a value they require was never captured. */
    skipped: number;
    /** Requests not sent because --max-rate's ceiling was reached. */
    rateCapped?: number;
    sessionsStarted: number;
    sessionsCompleted: number;
    bytes: number;
    statusClasses: Record<string, number>;
    failures: Record<string, number>;
  };
  overall: { latencyMs: LatencySummaryMs; serviceLatencyMs: LatencySummaryMs; histogram: string };
  /** One per endpoint, over the whole run. */
  endpoints: EndpointResult[];
  /** One per stage × endpoint. */
  cells: EndpointResult[];
  schedulerLagMs: LatencySummaryMs;
  /** Encoded histogram of the scheduler lag, for exact merges. */
  schedulerLagHistogram?: string;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  thresholds: ThresholdResult[];
  /**
   * How the endpoint mix this run sent compares with its model's (total variation distance):
   * a broken scheduler or synthesizer shows here before anyone trusts the run.
   */
  selfCheck?: SelfCheck;
  /** Per-second series by intended send time. */
  series: SeriesSecond[];
}

export interface ResultsInput {
  tidemarkVersion: string;
  recorder: Recorder;
  thresholds: ThresholdResult[];
  target: string;
  source: string;
  knobs: RunKnobs;
  stages: { name: string; startMs: number; endMs: number }[];
  startedAtWallMs: number;
  endedAtWallMs: number;
  durationMs: number;
  targetSessionsPerSec: number;
  meanSessionLength: number;
  partial: boolean;
  partialReason: string | null;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Target requests/s at a run second, for the rate chart. */
  targetPerSecAt?: ((second: number) => number) | undefined;
}

const add = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

export function buildResults(input: ResultsInput): RunResults {
  const { recorder } = input;
  const overall = createHistogram();
  const overallService = createHistogram();
  const statusClasses: Record<string, number> = {};
  const failures: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let bytes = 0;
  const cells: EndpointResult[] = [];
  const byKey = new Map<string, Cell>();
  for (const cell of recorder.cells.values()) {
    const whole = byKey.get(cell.endpointKey);
    if (whole) {
      whole.count += cell.count;
      whole.errors += cell.errors;
      whole.bytes += cell.bytes;
      add(whole.statusClasses, cell.statusClasses);
      add(whole.failures, cell.failures);
      whole.latency.add(cell.latency);
      whole.serviceLatency.add(cell.serviceLatency);
    } else {
      const copy: Cell = { ...cell, statusClasses: { ...cell.statusClasses }, failures: { ...cell.failures }, latency: createHistogram(), serviceLatency: createHistogram() };
      copy.latency.add(cell.latency);
      copy.serviceLatency.add(cell.serviceLatency);
      byKey.set(cell.endpointKey, copy);
    }
    overall.add(cell.latency);
    overallService.add(cell.serviceLatency);
    add(statusClasses, cell.statusClasses);
    add(failures, cell.failures);
    requests += cell.count;
    errors += cell.errors;
    bytes += cell.bytes;
    cells.push(cellResult(cell, true));
  }
  const order = (a: EndpointResult, b: EndpointResult): number => b.count - a.count || a.key.localeCompare(b.key) || (a.stage ?? '').localeCompare(b.stage ?? '');
  cells.sort(order);
  const endpoints = [...byKey.values()].map((cell) => cellResult(cell, false)).sort(order);
  const durationSec = input.durationMs / 1000;
  const verdict = input.thresholds.every((t) => t.ok) ? 'pass' : 'fail';
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    schemaVersion: 1,
    tidemarkVersion: input.tidemarkVersion,
    verdict,
    partial: input.partial,
    partialReason: input.partialReason,
    startedAt: new Date(input.startedAtWallMs).toISOString(),
    endedAt: new Date(input.endedAtWallMs).toISOString(),
    target: input.target,
    source: input.source,
    knobs: input.knobs,
    stages: input.stages,
    rate: {
      targetSessionsPerSec: r3(input.targetSessionsPerSec),
      targetPerSec: r3(input.targetSessionsPerSec * input.meanSessionLength),
      achievedPerSec: r3(durationSec > 0 ? requests / durationSec : 0),
    },
    totals: {
      requests,
      errors,
      dropped: recorder.droppedSessions,
      cutOff: recorder.cutOff,
      skipped: recorder.skipped,
      rateCapped: recorder.rateCapped,
      sessionsStarted: recorder.sessionsStarted,
      sessionsCompleted: recorder.sessionsCompleted,
      bytes,
      statusClasses,
      failures,
    },
    overall: { latencyMs: summarizeMs(overall), serviceLatencyMs: summarizeMs(overallService), histogram: encodeHistogram(overall) },
    endpoints,
    cells,
    schedulerLagMs: summarizeMs(recorder.schedulerLag),
    schedulerLagHistogram: encodeHistogram(recorder.schedulerLag),
    eventLoopDelayMs: input.eventLoopDelayMs,
    thresholds: input.thresholds,
    series: seriesFromRecorder(recorder, input.targetPerSecAt),
  };
}

function cellResult(cell: Cell, withStage: boolean): EndpointResult {
  return {
    key: cell.endpointKey,
    ...(withStage ? { stage: cell.stage } : {}),
    count: cell.count,
    errors: cell.errors,
    bytes: cell.bytes,
    statusClasses: { ...cell.statusClasses },
    failures: { ...cell.failures },
    latencyMs: summarizeMs(cell.latency),
    serviceLatencyMs: summarizeMs(cell.serviceLatency),
    histogram: encodeHistogram(cell.latency),
    serviceHistogram: encodeHistogram(cell.serviceLatency),
  };
}
