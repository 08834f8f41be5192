/**
 * The text of a model file: JSON with two-space indents, keys in the order the builder gives,
 * except the long per-slot arrays of `arrivals`, which are written as rows (one per hour of the
 * day for the 1,440 minutes, one per weekday for the 168 weekday × hour cells) instead of one
 * number a line: the file stays short enough to read and still diffs by hour or by weekday.
 */
import type { TrafficModel } from '../core/types.js';

/** Arrival arrays written as rows, and the length of a row. */
const ROWS: Record<string, number> = {
  sessionsPerMinuteOfDay: 60,
  requestsPerMinuteOfDay: 60,
  sessionsPerWeekdayHour: 24,
  requestsPerWeekdayHour: 24,
};

export function modelToJson(model: TrafficModel): string {
  const rows = new Map<string, { values: readonly unknown[]; perRow: number }>();
  const arrivals: Record<string, unknown> = { ...model.arrivals };
  for (const [name, perRow] of Object.entries(ROWS)) {
    const values = arrivals[name];
    if (!Array.isArray(values)) continue;
    const token = `\u0000rows:${name}\u0000`;
    rows.set(JSON.stringify(token), { values, perRow });
    arrivals[name] = token;
  }
  const text = JSON.stringify({ ...model, arrivals }, null, 2);
  const out = text.replace(/^( *)("[^"\n]*": )("\\u0000rows:[A-Za-z]+\\u0000")(,?)$/gm, (line, indent: string, key: string, token: string, comma: string) => {
    const r = rows.get(token);
    if (r === undefined) return line;
    const lines: string[] = [];
    for (let i = 0; i < r.values.length; i += r.perRow) lines.push(`${indent}  ${r.values.slice(i, i + r.perRow).map((v) => JSON.stringify(v)).join(', ')}`);
    return `${indent}${key}[\n${lines.join(',\n')}\n${indent}]${comma}`;
  });
  return `${out}\n`;
}
