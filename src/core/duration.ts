import { InputError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `30s`, `1m30s`, `250ms`, `2h` or a bare number of seconds into
 * milliseconds. `what` names the option or field in the error.
 */
export function parseDurationMs(text: string | number, what: string): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return text * 1000;
    throw new InputError(`${what}: ${text} is not a duration`, { hint: 'use e.g. 30s, 2m, 1m30s or 500ms' });
  }
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = re.exec(trimmed)) !== null) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new InputError(`${what}: "${text}" is not a duration`, { hint: 'use e.g. 30s, 2m, 1m30s or 500ms' });
  }
  return total;
}

export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest ? `${m}m${rest}s` : `${m}m`;
}
