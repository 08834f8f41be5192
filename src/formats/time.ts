import { UsageError } from '../core/errors.js';
import { intlZone, type IntlZone } from '../core/intl-zone.js';

/*
 * Timestamps parsed by hand from character codes: Date.parse is slow and lenient in the wrong
 * ways. Every parser reads line[start, end) and returns epoch ms, or NaN when the text is not a
 * timestamp of that shape.
 */

/** Local wall-clock ms (as if UTC) → epoch ms, for timestamps logged without an offset. */
export type ZoneResolver = (localMs: number) => number;

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `count` decimal digits at `start`, or -1. */
export function digits(line: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Three-letter English month name at `i` (any case) → 1..12, or 0. */
export function monthAt(line: string, i: number): number {
  const key = ((line.charCodeAt(i) | 0x20) << 16) | ((line.charCodeAt(i + 1) | 0x20) << 8) | (line.charCodeAt(i + 2) | 0x20);
  switch (key) {
    case 0x6a616e: return 1; // jan
    case 0x666562: return 2; // feb
    case 0x6d6172: return 3; // mar
    case 0x617072: return 4; // apr
    case 0x6d6179: return 5; // may
    case 0x6a756e: return 6; // jun
    case 0x6a756c: return 7; // jul
    case 0x617567: return 8; // aug
    case 0x736570: return 9; // sep
    case 0x6f6374: return 10; // oct
    case 0x6e6f76: return 11; // nov
    case 0x646563: return 12; // dec
    default: return 0;
  }
}

// Consecutive log lines are nearly always from the same day: remember the last one.
let lastDayKey = -1;
let lastDayMs = 0;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** 31 November is not a date: a lenient parser would roll it into December. */
function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] as number;
}

function wallMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return NaN;
  const key = year * 512 + month * 32 + day;
  if (key !== lastDayKey) {
    lastDayKey = key;
    lastDayMs = daysFromCivil(year, month, day) * MS_PER_DAY;
  }
  return lastDayMs + hour * MS_PER_HOUR + minute * 60_000 + second * 1000;
}

/** Fraction digits after a '.' or ',' at `i` → ms (and the index after them). */
function fractionAt(line: string, i: number, end: number, out: { ms: number; next: number }): void {
  let scale = 100;
  let ms = 0;
  let j = i;
  for (; j < end; j++) {
    const d = line.charCodeAt(j) - 48;
    if (d < 0 || d > 9) break;
    ms += d * scale;
    scale /= 10;
  }
  out.ms = ms;
  out.next = j;
}

const scratch = { ms: 0, next: 0 };

/**
 * Zone offset `+hhmm`, `-hh:mm`, `Z` at `i` → offset ms to subtract from wall time, NaN if
 * malformed. `end` bounds it.
 */
function offsetAt(line: string, i: number, end: number): number {
  const c = line.charCodeAt(i);
  if (c === 0x5a || c === 0x7a) return i + 1 === end ? 0 : NaN; // Z
  if (c !== 0x2b && c !== 0x2d && c !== 0x2212) return NaN;
  const hh = digits(line, i + 1, 2);
  const colon = line.charCodeAt(i + 3) === 0x3a ? 1 : 0;
  const mm = i + 3 + colon === end ? 0 : digits(line, i + 3 + colon, 2);
  if (hh < 0 || mm < 0 || hh > 23 || mm > 59) return NaN;
  if (i + 3 + colon + (i + 3 + colon === end ? 0 : 2) !== end) return NaN;
  const offset = hh * MS_PER_HOUR + mm * 60_000;
  return c === 0x2b ? offset : -offset;
}

/** Two decimal digits at `i`, or -1. */
function two(line: string, i: number): number {
  const a = line.charCodeAt(i) - 48;
  const b = line.charCodeAt(i + 1) - 48;
  return a >>> 0 > 9 || b >>> 0 > 9 ? -1 : a * 10 + b;
}

/**
 * CLF time as in `[10/Oct/2000:13:55:36 -0700]` (without the brackets). Also accepted, since
 * real logs have them: a fraction (`:36.123`), a space instead of the first colon and no offset
 * (Python's http.server: `29/Aug/2023 22:02:58`, resolved in `zone`), and ISO 8601.
 */
export function parseClfTime(line: string, start: number, end: number, zone: ZoneResolver): number {
  if (end - start < 19) return NaN;
  if (line.charCodeAt(start + 4) === 0x2d) return parseIsoTime(line, start, end, zone); // 2000-10-10
  const day = two(line, start);
  const month = monthAt(line, start + 3);
  const century = two(line, start + 7);
  const yy = two(line, start + 9);
  const sep = line.charCodeAt(start + 11);
  const hour = two(line, start + 12);
  const minute = two(line, start + 15);
  const second = two(line, start + 18);
  if (
    (day | century | yy | hour | minute | second) < 0 || month === 0 ||
    line.charCodeAt(start + 2) !== 0x2f || line.charCodeAt(start + 6) !== 0x2f ||
    (sep !== 0x3a && sep !== 0x20) ||
    line.charCodeAt(start + 14) !== 0x3a || line.charCodeAt(start + 17) !== 0x3a
  ) {
    return NaN;
  }
  let ms = wallMs(century * 100 + yy, month, day, hour, minute, second);
  let i = start + 20;
  if (i === end) return zone(ms);
  let c = line.charCodeAt(i);
  if (c === 0x2e || c === 0x2c) {
    fractionAt(line, i + 1, end, scratch);
    ms += scratch.ms;
    i = scratch.next;
    if (i === end) return zone(ms);
    c = line.charCodeAt(i);
  }
  if (c !== 0x20) return NaN;
  // The usual ` +hhmm`, inline.
  if (end - i === 6) {
    const sign = line.charCodeAt(i + 1);
    const hh = two(line, i + 2);
    const mm = two(line, i + 4);
    if ((sign === 0x2b || sign === 0x2d) && hh >= 0 && mm >= 0 && hh < 24 && mm < 60) {
      const offset = hh * MS_PER_HOUR + mm * 60_000;
      return sign === 0x2b ? ms - offset : ms + offset;
    }
  }
  return ms - offsetAt(line, i + 1, end);
}

/** `2021-03-31T12:04:07+00:00`, `2021-03-31 12:04:07.123Z`, `2021-03-31T12:04:07` (→ zone). */
export function parseIsoTime(line: string, start: number, end: number, zone: ZoneResolver): number {
  if (end - start < 19) return NaN;
  const year = digits(line, start, 4);
  const month = digits(line, start + 5, 2);
  const day = digits(line, start + 8, 2);
  const t = line.charCodeAt(start + 10);
  if (
    year < 0 || month < 0 || day < 0 ||
    line.charCodeAt(start + 4) !== 0x2d || line.charCodeAt(start + 7) !== 0x2d ||
    (t !== 0x54 && t !== 0x20 && t !== 0x74) ||
    line.charCodeAt(start + 13) !== 0x3a || line.charCodeAt(start + 16) !== 0x3a
  ) {
    return NaN;
  }
  const hour = digits(line, start + 11, 2);
  const minute = digits(line, start + 14, 2);
  const second = digits(line, start + 17, 2);
  if (hour < 0 || minute < 0 || second < 0) return NaN;
  let ms = wallMs(year, month, day, hour, minute, second);
  let i = start + 19;
  const f = line.charCodeAt(i);
  if (i < end && (f === 0x2e || f === 0x2c)) {
    fractionAt(line, i + 1, end, scratch);
    ms += scratch.ms;
    i = scratch.next;
  }
  if (i === end) return zone(ms);
  if (line.charCodeAt(i) === 0x20) i++;
  return ms - offsetAt(line, i, end);
}

/** Epoch seconds with an optional fraction (`1617192247.123`, nginx `$msec`) scaled to ms. */
export function parseEpoch(line: string, start: number, end: number, msPerUnit: number): number {
  return parseDecimal(line, start, end, msPerUnit);
}

/**
 * A non-negative decimal number (`12`, `0.050`, `.5`) times `scale`, NaN otherwise (no signs, no
 * exponents). Computed as digits × scale / 10^fraction so that `0.033` s is exactly 33 ms.
 */
export function parseDecimal(line: string, start: number, end: number, scale = 1): number {
  if (start >= end) return NaN;
  let mantissa = 0;
  let divisor = 1;
  let any = false;
  let i = start;
  for (; i < end; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    any = true;
  }
  if (i < end && line.charCodeAt(i) === 0x2e) {
    for (i++; i < end; i++) {
      const d = line.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      divisor *= 10;
      any = true;
    }
  }
  if (!any || i !== end) return NaN;
  return (mantissa * scale) / divisor;
}

// ---------------------------------------------------------------------------------------------
// Time zones for timestamps logged without an offset.

export const UTC: ZoneResolver = (ms) => ms;

/**
 * `UTC`, `Z`, `+02:00`, `-0530` or an IANA name (`Europe/Paris`), the last resolved with Intl
 * and cached per hour of wall time (DST changes on hour boundaries nearly everywhere).
 */
export function zoneResolver(timeZone: string | undefined): ZoneResolver {
  if (timeZone === undefined || timeZone === '' || /^(utc|gmt|z)$/i.test(timeZone)) return UTC;
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(timeZone);
  if (fixed) {
    const offset = (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000 * (fixed[1] === '-' ? -1 : 1);
    return (ms) => ms - offset;
  }
  let zone: IntlZone;
  try {
    zone = intlZone(timeZone);
  } catch (err) {
    throw new UsageError(`unknown time zone "${timeZone}"`, {
      hint: 'use an IANA name such as Europe/Paris, UTC, or a fixed offset such as +02:00',
      cause: err,
    });
  }
  const cache = new Map<number, number>();
  return (localMs) => {
    const hour = Math.floor(localMs / MS_PER_HOUR);
    let offset = cache.get(hour);
    if (offset === undefined) {
      const guess = hour * MS_PER_HOUR - zone.offsetAtMs(hour * MS_PER_HOUR);
      offset = zone.offsetAtMs(guess);
      if (cache.size > 10_000) cache.clear();
      cache.set(hour, offset);
    }
    return localMs - offset;
  };
}

// ---------------------------------------------------------------------------------------------
// strftime patterns, for Apache `%{...}t`.

/*
 * Supported conversions (what Apache users put in %{...}t in practice):
 *   %Y year  %y 2-digit year (19xx if >= 69)  %m month  %b %h month name  %B full month name
 *   %d %e day  %H hour  %M minute  %S second  %T = %H:%M:%S  %F = %Y-%m-%d  %D = %m/%d/%y
 *   %z offset (+hhmm)  %Z zone name (skipped; the time is then read in the configured zone)
 *   %a %A weekday name (skipped)  %s epoch seconds  %% a percent sign
 * Any other character must match itself.
 */

type StrftimeStep = { literal: string } | { conv: string };

export type TimeParser = (line: string, start: number, end: number, zone: ZoneResolver) => number;

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

export function compileStrftime(pattern: string): TimeParser {
  const steps: StrftimeStep[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c !== '%') {
      steps.push({ literal: c });
      continue;
    }
    const conv = pattern[++i];
    if (conv === undefined) throw new UsageError(`time format "${pattern}" ends with a lone %`);
    if (conv === '%') steps.push({ literal: '%' });
    else if (conv === 'T') steps.push({ conv: 'H' }, { literal: ':' }, { conv: 'M' }, { literal: ':' }, { conv: 'S' });
    else if (conv === 'F') steps.push({ conv: 'Y' }, { literal: '-' }, { conv: 'm' }, { literal: '-' }, { conv: 'd' });
    else if (conv === 'D') steps.push({ conv: 'm' }, { literal: '/' }, { conv: 'd' }, { literal: '/' }, { conv: 'y' });
    else if ('YymbhBdeHMSzZaAs'.includes(conv)) steps.push({ conv });
    else {
      throw new UsageError(`time format "${pattern}": %${conv} is not supported`, {
        hint: 'supported: %Y %y %m %b %B %d %e %H %M %S %T %F %D %z %Z %a %A %s %%',
      });
    }
  }
  return (line, start, end, zone) => {
    let year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
    let offset = NaN;
    let epoch = NaN;
    let i = start;
    for (const step of steps) {
      if ('literal' in step) {
        if (line[i] !== step.literal) return NaN;
        i++;
        continue;
      }
      switch (step.conv) {
        case 'Y': year = digits(line, i, 4); i += 4; if (year < 0) return NaN; break;
        case 'y': { const y = digits(line, i, 2); i += 2; if (y < 0) return NaN; year = y >= 69 ? 1900 + y : 2000 + y; break; }
        case 'm': month = digits(line, i, 2); i += 2; if (month < 0) return NaN; break;
        case 'd': day = digits(line, i, 2); i += 2; if (day < 0) return NaN; break;
        case 'e': {
          if (line[i] === ' ') i++;
          const two = digits(line, i, 2);
          if (two >= 0) { day = two; i += 2; } else { day = digits(line, i, 1); i += 1; if (day < 0) return NaN; }
          break;
        }
        case 'H': hour = digits(line, i, 2); i += 2; if (hour < 0) return NaN; break;
        case 'M': minute = digits(line, i, 2); i += 2; if (minute < 0) return NaN; break;
        case 'S': second = digits(line, i, 2); i += 2; if (second < 0) return NaN; break;
        case 'b': case 'h': month = monthAt(line, i); i += 3; if (month === 0) return NaN; break;
        case 'B': {
          const rest = line.slice(i, Math.min(end, i + 9)).toLowerCase();
          const index = MONTH_NAMES.findIndex((m) => rest.startsWith(m));
          if (index < 0) return NaN;
          month = index + 1;
          i += (MONTH_NAMES[index] as string).length;
          break;
        }
        case 'z': {
          let j = i + 1;
          while (j < end && /[0-9:]/.test(line[j] as string)) j++;
          offset = offsetAt(line, i, j);
          if (Number.isNaN(offset)) return NaN;
          i = j;
          break;
        }
        case 'Z': case 'a': case 'A':
          while (i < end && /[A-Za-z]/.test(line[i] as string)) i++;
          break;
        case 's': {
          let j = i;
          while (j < end && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
          epoch = parseDecimal(line, i, j, 1000);
          i = j;
          break;
        }
      }
    }
    if (i !== end) return NaN;
    if (!Number.isNaN(epoch)) return epoch;
    const wall = wallMs(year, month, day, hour, minute, second);
    return Number.isNaN(offset) ? zone(wall) : wall - offset;
  };
}
