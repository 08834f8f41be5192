import { createCoarseHistogram, createHistogram, recordMs, type Histogram } from './histogram.js';
import { isError, statusClass, type RequestOutcome } from './outcome.js';

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

  constructor(originMs: number) {
    this.originMs = originMs;
  }

  record(outcome: RequestOutcome): void {
    const id = `${outcome.stage}\u0000${outcome.endpointKey}`;
    let cell = this.cells.get(id);
    if (!cell) {
      cell = {
        endpointKey: outcome.endpointKey,
        stage: outcome.stage,
        count: 0,
        errors: 0,
        bytes: 0,
        statusClasses: {},
        failures: {},
        latency: createHistogram(),
        serviceLatency: createHistogram(),
      };
      this.cells.set(id, cell);
    }
    const error = isError(outcome);
    cell.count++;
    cell.bytes += outcome.bytes;
    if (error) cell.errors++;
    if (outcome.failure) cell.failures[outcome.failure] = (cell.failures[outcome.failure] ?? 0) + 1;
    else {
      const cls = statusClass(outcome.status);
      cell.statusClasses[cls] = (cell.statusClasses[cls] ?? 0) + 1;
    }
    const latencyMs = outcome.endMs - outcome.intendedMs;
    recordMs(cell.latency, latencyMs);
    recordMs(cell.serviceLatency, outcome.endMs - outcome.sentMs);
    recordMs(this.schedulerLag, Math.max(0, outcome.sentMs - outcome.intendedMs));

    const second = Math.max(0, Math.floor((outcome.intendedMs - this.originMs) / 1000));
    const bucket = this.second(second);
    bucket.requests++;
    if (error) bucket.errors++;
    recordMs(bucket.latency, latencyMs);
    const perEndpoint = bucket.byEndpoint.get(outcome.endpointKey);
    if (perEndpoint) {
      perEndpoint[0]++;
      if (error) perEndpoint[1]++;
    } else bucket.byEndpoint.set(outcome.endpointKey, [1, error ? 1 : 0]);
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
