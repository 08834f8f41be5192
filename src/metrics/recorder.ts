import { createCoarseHistogram, createHistogram, recordMs, type Histogram } from './histogram.js';
import { statusClass, type FailureKind, type RequestOutcome } from './outcome.js';

/** Counters and histograms of one endpoint in one stage. */
export interface Cell {
  endpointKey: string;
  stage: string;
  count: number;
  errors: number;
  bytes: number;
  statusClasses: Record<string, number>;
  failures: Record<string, number>;
  /** Latency from the intended send time (coordinated-omission free), µs. */
  latency: Histogram;
  /** Latency from the actual send (what a closed-loop tool would report), µs. */
  serviceLatency: Histogram;
}

/** One second of the run (by intended send time), for windowed thresholds and charts. */
export interface SecondBucket {
  second: number;
  requests: number;
  errors: number;
  /** Latency from the intended time, 2 significant digits. */
  latency: Histogram;
  /** endpoint key → [requests, errors], for per-endpoint windowed rates. */
  byEndpoint: Map<string, [number, number]>;
}

/** A cell as the engine records into it: the cell, and its endpoint's counters of one second. */
export interface CellHandle {
  readonly cell: Cell;
  second: number;
  perEndpoint: [number, number] | null;
}

function emptySecond(second: number): SecondBucket {
  return { second, requests: 0, errors: 0, latency: createCoarseHistogram(), byEndpoint: new Map() };
}

/**
 * Collects every outcome of a run. One recorder per generator thread; recorders merge exactly
 * (histograms add, counters sum), which is what makes multi-worker and multi-machine runs exact.
 */
export class Recorder {
  readonly cells = new Map<string, Cell>();
  readonly seconds: SecondBucket[] = [];
  /** How late the scheduler sent each request relative to its intended time, µs. */
  readonly schedulerLag = createHistogram();
  droppedSessions = 0;
  sessionsStarted = 0;
  sessionsCompleted = 0;
  cutOff = 0;
  /** Planned requests not sent because a value they require was never captured. */
  skipped = 0;
  /** Requests not sent because --max-rate's ceiling was reached. */
  rateCapped = 0;
  readonly originMs: number;
  /** stage → endpoint key → cell handle (see `handle`). */
  private readonly handles = new Map<string, Map<string, CellHandle>>();

  constructor(originMs: number) {
    this.originMs = originMs;
  }

  record(outcome: RequestOutcome): void {
    this.recordInto(this.handle(outcome.stage, outcome.endpointKey), outcome.intendedMs, outcome.sentMs, outcome.endMs, outcome.status, outcome.failure, outcome.bytes);
  }

  /**
   * The cell of `stage` × `endpointKey`, to record into with `recordInto`: a caller that records
   * many outcomes of the same cell (the engine) looks it up once per request with two map reads
   * and no string built, instead of once per field.
   */
  handle(stage: string, endpointKey: string): CellHandle {
    let byKey = this.handles.get(stage);
    if (byKey === undefined) {
      byKey = new Map();
      this.handles.set(stage, byKey);
    }
    let handle = byKey.get(endpointKey);
    if (handle === undefined) {
      const id = `${stage}\u0000${endpointKey}`;
      let cell = this.cells.get(id);
      if (!cell) {
        cell = { endpointKey, stage, count: 0, errors: 0, bytes: 0, statusClasses: {}, failures: {}, latency: createHistogram(), serviceLatency: createHistogram() };
        this.cells.set(id, cell);
      }
      handle = { cell, second: -1, perEndpoint: null };
      byKey.set(endpointKey, handle);
    }
    return handle;
  }

  /** One outcome, its fields as arguments (no object per request). Times are monotonic ms. */
  recordInto(handle: CellHandle, intendedMs: number, sentMs: number, endMs: number, status: number, failure: FailureKind | null, bytes: number): void {
    const cell = handle.cell;
    const error = failure !== null || status >= 500;
    cell.count++;
    cell.bytes += bytes;
    if (error) cell.errors++;
    if (failure) cell.failures[failure] = (cell.failures[failure] ?? 0) + 1;
    else {
      const cls = status >= 200 && status < 300 ? '2xx' : statusClass(status);
      cell.statusClasses[cls] = (cell.statusClasses[cls] ?? 0) + 1;
    }
    const latencyMs = endMs - intendedMs;
    recordMs(cell.latency, latencyMs);
    recordMs(cell.serviceLatency, endMs - sentMs);
    recordMs(this.schedulerLag, Math.max(0, sentMs - intendedMs));

    const second = Math.max(0, Math.floor((intendedMs - this.originMs) / 1000));
    const bucket = second < this.seconds.length ? (this.seconds[second] as SecondBucket) : this.second(second);
    bucket.requests++;
    if (error) bucket.errors++;
    recordMs(bucket.latency, latencyMs);
    // The cell remembers its endpoint's counters in the last second it saw: one map read a second.
    let perEndpoint = handle.second === second ? handle.perEndpoint : null;
    if (perEndpoint === null) {
      perEndpoint = bucket.byEndpoint.get(cell.endpointKey) ?? null;
      if (perEndpoint === null) {
        perEndpoint = [0, 0];
        bucket.byEndpoint.set(cell.endpointKey, perEndpoint);
      }
      handle.second = second;
      handle.perEndpoint = perEndpoint;
    }
    perEndpoint[0]++;
    if (error) perEndpoint[1]++;
  }

  /** The bucket of run second `second`, creating it (and any gap before it). */
  second(second: number): SecondBucket {
    for (let s = this.seconds.length; s <= second; s++) this.seconds[s] = emptySecond(s);
    return this.seconds[second] as SecondBucket;
  }

  /** Adds another recorder's measurements into this one (exact). */
  merge(other: Recorder): void {
    for (const cell of other.cells.values()) {
      const id = `${cell.stage}\u0000${cell.endpointKey}`;
      const mine = this.cells.get(id);
      if (!mine) {
        const copy: Cell = { ...cell, statusClasses: { ...cell.statusClasses }, failures: { ...cell.failures }, latency: createHistogram(), serviceLatency: createHistogram() };
        copy.latency.add(cell.latency);
        copy.serviceLatency.add(cell.serviceLatency);
        this.cells.set(id, copy);
        continue;
      }
      mine.count += cell.count;
      mine.errors += cell.errors;
      mine.bytes += cell.bytes;
      for (const [k, v] of Object.entries(cell.statusClasses)) mine.statusClasses[k] = (mine.statusClasses[k] ?? 0) + v;
      for (const [k, v] of Object.entries(cell.failures)) mine.failures[k] = (mine.failures[k] ?? 0) + v;
      mine.latency.add(cell.latency);
      mine.serviceLatency.add(cell.serviceLatency);
    }
    for (const bucket of other.seconds) {
      const target = this.second(bucket.second);
      target.requests += bucket.requests;
      target.errors += bucket.errors;
      target.latency.add(bucket.latency);
      for (const [key, [requests, errors]] of bucket.byEndpoint) {
        const mine = target.byEndpoint.get(key);
        if (mine) {
          mine[0] += requests;
          mine[1] += errors;
        } else target.byEndpoint.set(key, [requests, errors]);
      }
    }
    this.schedulerLag.add(other.schedulerLag);
    this.droppedSessions += other.droppedSessions;
    this.sessionsStarted += other.sessionsStarted;
    this.sessionsCompleted += other.sessionsCompleted;
    this.cutOff += other.cutOff;
    this.skipped += other.skipped;
    this.rateCapped += other.rateCapped;
  }
}
