// Small synthetic traffic models (model.json, schemaVersion 1) for the load benchmarks, written
// to a temp dir: the benchmarks need exact, known shapes (one endpoint; or sessions of a fixed
// length with a fixed think time), which a model imported from a real log does not give.
import { writeFileSync } from 'node:fs';

function constant(value, count = 1000) {
  return { count, mean: value, min: value, max: value, p50: value, p90: value, p95: value, p99: value, quantiles: [value, value] };
}

/**
 * @param {object} o
 * @param {string[]} o.paths   endpoints `GET <path>`, in the order sessions walk them
 * @param {boolean} o.chain    sessions walk every path in order then exit (else: one request)
 * @param {number} o.thinkTimeMs  think time between a session's requests
 * @param {number} o.sessionsPerSec  the peak hour's session arrival rate (`run --window peak`)
 */
export function syntheticModel({ paths, chain = false, thinkTimeMs = 0, sessionsPerSec = 1 }) {
  const length = chain ? paths.length : 1;
  const sessions = Math.max(1, Math.round(sessionsPerSec * 3600));
  const requests = sessions * length;
  const endpoints = paths.map((path) => ({
    key: `GET ${path}`,
    method: 'GET',
    template: path,
    count: Math.round(requests / paths.length),
    share: 1 / paths.length,
    statusClasses: { '2xx': Math.round(requests / paths.length) },
  }));
  const transitions = {};
  paths.forEach((path, i) => {
    const next = chain && i + 1 < paths.length ? `GET ${paths[i + 1]}` : '$exit';
    transitions[`GET ${path}`] = { [next]: 1 };
  });
  const hourly = Array.from({ length: 24 }, (_, h) => (h === 12 ? 1 : 0));
  const perHour = (n) => Array.from({ length: 24 }, (_, h) => (h === 12 ? n : 0));
  return {
    schemaVersion: 1,
    span: { start: '2026-01-01T12:00:00.000Z', end: '2026-01-01T13:00:00.000Z', days: 1 },
    totals: { requests, rejected: 0, lines: requests },
    endpoints,
    sessions: {
      count: sessions,
      key: 'ip+ua',
      timeoutSec: 1800,
      length: constant(length, sessions),
      durationSec: constant(((length - 1) * thinkTimeMs) / 1000, sessions),
      thinkTimeMs: constant(thinkTimeMs, Math.max(1, requests - sessions)),
      entry: chain ? { [`GET ${paths[0]}`]: 1 } : Object.fromEntries(paths.map((p) => [`GET ${p}`, 1 / paths.length])),
      transitions,
    },
    arrivals: {
      hourly,
      sessionsPerHour: perHour(sessions),
      requestsPerHour: perHour(requests),
      peak: {
        start: '2026-01-01T12:00:00.000Z',
        end: '2026-01-01T13:00:00.000Z',
        hourOfDay: 12,
        sessions,
        requests,
        sessionsPerSec,
        requestsPerSec: sessionsPerSec * length,
        sessionsPerMinute: Array.from({ length: 60 }, () => sessions / 60),
      },
      timeZone: 'UTC',
    },
    provenance: { tidemarkVersion: 'bench', sources: [{ name: 'bench/lib/models.mjs', format: 'synthetic', lines: requests, accepted: requests, rejected: 0 }], rejected: {}, options: {} },
  };
}

export function writeModel(path, options) {
  writeFileSync(path, `${JSON.stringify(syntheticModel(options), null, 2)}\n`);
  return path;
}
