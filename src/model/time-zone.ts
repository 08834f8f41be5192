/**
 * The model's day frame (`import --tz`): which hour of the day, minute of the day and weekday a
 * moment falls in. Not to be confused with the zone in which log timestamps *without* an offset
 * are read (`import --log-tz`, `src/formats/time.ts`): that one turns wall times into instants;
 * this one turns instants into wall times, only to label them.
 *
 * `UTC`, a fixed offset (`+05:30`, `-0800`) or an IANA name (`America/New_York`), the last with
 * its daylight-saving changes, through Intl.DateTimeFormat. Intl is slow (~10 µs a call), so the
 * offset is looked up once per UTC week, and only a week whose two ends differ is searched (to
 * the second) for its change. This assumes a zone changes its offset at most once a week, which
 * every zone of the tz database does (the shortest periods, Ramadan in Morocco, last about a
 * month).
 */
import { ConfigError } from '../core/errors.js';
import { intlZone, type IntlZone } from '../core/intl-zone.js';

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday: weekday index 3 with Monday as 0. */
const EPOCH_WEEKDAY = 3;

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** A stretch of time over which the offset does not change: `[fromMs, toMs)`. */
export interface OffsetSpan {
  offsetMs: number;
  fromMs: number;
  toMs: number;
}

export interface ZoneFrame {
  /** As recorded in the model: `UTC`, `+05:30` or the IANA name. */
  readonly name: string;
  /** True when the offset never changes (UTC, fixed offsets). */
  readonly fixed: boolean;
  /** Local wall time − UTC at `utcMs`, in ms, and how long that offset holds. */
  offsetSpan(utcMs: number): OffsetSpan;
}

const UTC_NAMES = /^(utc|z|gmt|etc\/utc|etc\/gmt|etc\/zulu|zulu|universal|etc\/universal)$/i;

export const UTC_FRAME: ZoneFrame = {
  name: 'UTC',
  fixed: true,
  offsetSpan: () => ({ offsetMs: 0, fromMs: -Infinity, toMs: Infinity }),
};

/**
 * The frame for `--tz`. Throws a ConfigError naming the zone for anything Intl does not know.
 * IANA names are recorded with Intl's capitalization (`america/new_york` → `America/New_York`);
 * an alias is kept as given (`Asia/Kolkata`, which Node's ICU resolves to `Asia/Calcutta`).
 */
export function zoneFrame(timeZone: string | undefined): ZoneFrame {
  if (timeZone === undefined || timeZone.trim() === '' || UTC_NAMES.test(timeZone.trim())) return UTC_FRAME;
  const text = timeZone.trim();
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(text);
  if (fixed) {
    const hours = Number(fixed[2]);
    const minutes = Number(fixed[3] ?? 0);
    if (hours > 14 || minutes > 59) throw badZone(timeZone);
    const offsetMs = (fixed[1] === '-' ? -1 : 1) * (hours * 60 + minutes) * MINUTE_MS;
    if (offsetMs === 0) return UTC_FRAME;
    const name = `${fixed[1]}${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
    return { name, fixed: true, offsetSpan: () => ({ offsetMs, fromMs: -Infinity, toMs: Infinity }) };
  }
  let zone: IntlZone;
  try {
    zone = intlZone(text);
  } catch (cause) {
    throw badZone(timeZone, cause);
  }
  const resolved = zone.resolvedName;
  if (UTC_NAMES.test(resolved)) return UTC_FRAME;
  const name = resolved.toLowerCase() === text.toLowerCase() ? resolved : text;
  return new IanaFrame(name, zone);
}

/** Two zone names that mean the same frame (`Asia/Kolkata` and `Asia/Calcutta`, any case). */
export function sameZone(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const ca = zoneFrame(a);
    const cb = zoneFrame(b);
    if (ca.name === cb.name) return true;
    const canonical = (z: string): string => intlZone(z).resolvedName;
    return !ca.fixed && !cb.fixed && canonical(ca.name) === canonical(cb.name);
  } catch {
    return false;
  }
}

function badZone(timeZone: string, cause?: unknown): ConfigError {
  const problem = `timeZone: unknown time zone ${JSON.stringify(timeZone)}`;
  return new ConfigError(problem, [problem], {
    hint: 'use an IANA name such as America/New_York or Europe/Paris, UTC, or a fixed offset such as +05:30',
    ...(cause !== undefined ? { cause } : {}),
  });
}

interface WeekEntry {
  /** First ms at the new offset, Infinity when the week has no change. */
  changeMs: number;
  before: number;
  after: number;
}

class IanaFrame implements ZoneFrame {
  readonly fixed = false;
  private readonly weeks = new Map<number, WeekEntry>();

  constructor(
    readonly name: string,
    private readonly zone: IntlZone,
  ) {}

  offsetSpan(utcMs: number): OffsetSpan {
    const week = Math.floor(utcMs / WEEK_MS);
    let e = this.weeks.get(week);
    if (e === undefined) {
      e = this.scanWeek(week);
      if (this.weeks.size >= 4096) this.weeks.clear();
      this.weeks.set(week, e);
    }
    const start = week * WEEK_MS;
    if (utcMs < e.changeMs) return { offsetMs: e.before, fromMs: start, toMs: Math.min(e.changeMs, start + WEEK_MS) };
    return { offsetMs: e.after, fromMs: e.changeMs, toMs: start + WEEK_MS };
  }

  private scanWeek(week: number): WeekEntry {
    const startSec = (week * WEEK_MS) / 1000;
    const endSec = startSec + WEEK_MS / 1000;
    const before = this.rawOffset(startSec);
    const after = this.rawOffset(endSec - 1);
    if (before === after) return { changeMs: Infinity, before, after };
    // rawOffset(lo) = before, rawOffset(hi) ≠ before: the change is at hi when they meet.
    let lo = startSec;
    let hi = endSec - 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.rawOffset(mid) === before) lo = mid;
      else hi = mid;
    }
    return { changeMs: hi * 1000, before, after };
  }

  /** Offset at a whole second. */
  private rawOffset(utcSec: number): number {
    return this.zone.offsetAtMs(utcSec * 1000);
  }
}

/** Local weekday (0 = Monday … 6 = Sunday) of a local hour index (hours since the local epoch). */
export function weekdayOfLocalHour(localHour: number): number {
  return mod(Math.floor(localHour / 24) + EPOCH_WEEKDAY, 7);
}

/** `2026-03-08T14:00:00.000-04:00` (`…Z` in UTC): the instant with the frame's offset then. */
export function localIso(utcMs: number, frame: ZoneFrame): string {
  if (frame === UTC_FRAME) return new Date(utcMs).toISOString();
  const offsetMs = frame.offsetSpan(utcMs).offsetMs;
  const minutes = Math.round(offsetMs / MINUTE_MS);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const suffix = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${new Date(utcMs + minutes * MINUTE_MS).toISOString().slice(0, -1)}${suffix}`;
}

export function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
