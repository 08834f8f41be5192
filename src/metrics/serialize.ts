import { createCoarseHistogram, decodeHistogram, encodeHistogram } from './histogram.js';
import { Recorder, type Cell, type SecondBucket } from './recorder.js';

/** A Recorder as plain data (histograms encoded), to cross a worker or process boundary exactly. */
export interface SerializedRecorder {
  originMs: number;
  cells: (Omit<Cell, 'latency' | 'serviceLatency'> & { latency: string; serviceLatency: string })[];
  seconds: { second: number; requests: number; errors: number; latency: string; byEndpoint: [string, number, number][] }[];
  schedulerLag: string;
  droppedSessions: number;
  sessionsStarted: number;
  sessionsCompleted: number;
  cutOff: number;
  skipped: number;
  rateCapped: number;
}

export function serializeRecorder(recorder: Recorder): SerializedRecorder {
  return {
    originMs: recorder.originMs,
    cells: [...recorder.cells.values()].map((c) => ({ ...c, latency: encodeHistogram(c.latency), serviceLatency: encodeHistogram(c.serviceLatency) })),
    seconds: recorder.seconds.map((b) => ({
      second: b.second,
      requests: b.requests,
      errors: b.errors,
      latency: encodeHistogram(b.latency),
      byEndpoint: [...b.byEndpoint].map(([key, [requests, errors]]) => [key, requests, errors] as [string, number, number]),
    })),
    schedulerLag: encodeHistogram(recorder.schedulerLag),
    droppedSessions: recorder.droppedSessions,
    sessionsStarted: recorder.sessionsStarted,
    sessionsCompleted: recorder.sessionsCompleted,
    cutOff: recorder.cutOff,
    skipped: recorder.skipped,
    rateCapped: recorder.rateCapped,
  };
}

export function deserializeRecorder(data: SerializedRecorder): Recorder {
  const recorder = new Recorder(data.originMs);
  for (const c of data.cells) {
    recorder.cells.set(`${c.stage}\u0000${c.endpointKey}`, { ...c, latency: decodeHistogram(c.latency), serviceLatency: decodeHistogram(c.serviceLatency) });
  }
  for (const b of data.seconds) {
    const bucket: SecondBucket = recorder.second(b.second);
    bucket.requests = b.requests;
    bucket.errors = b.errors;
    const coarse = createCoarseHistogram();
    coarse.add(decodeHistogram(b.latency));
    bucket.latency = coarse;
    for (const [key, requests, errors] of b.byEndpoint) bucket.byEndpoint.set(key, [requests, errors]);
  }
  recorder.schedulerLag.add(decodeHistogram(data.schedulerLag));
  recorder.droppedSessions = data.droppedSessions;
  recorder.sessionsStarted = data.sessionsStarted;
  recorder.sessionsCompleted = data.sessionsCompleted;
  recorder.cutOff = data.cutOff;
  recorder.skipped = data.skipped;
  recorder.rateCapped = data.rateCapped ?? 0;
  return recorder;
}
