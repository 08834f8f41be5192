/**
 * A time zone as Intl knows it, for the two places that need one: reading log timestamps that
 * carry no offset (`--log-tz`, src/formats/time.ts) and labelling instants with the model's day
 * frame (`--tz`, src/model/time-zone.ts). Intl is slow (~10 µs a call): both cache.
 */
export interface IntlZone {
  /** Intl's name for the zone (its capitalization; an alias may resolve to another name). */
  readonly resolvedName: string;
  /** Local wall time − UTC at `utcMs`, in ms, read from the wall time Intl formats (whole seconds). */
  offsetAtMs(utcMs: number): number;
}

/** Throws RangeError for a zone Intl does not know; callers turn it into their own error. */
export function intlZone(timeZone: string): IntlZone {
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return {
    resolvedName: formatter.resolvedOptions().timeZone,
    offsetAtMs(utcMs: number): number {
      const second = Math.floor(utcMs / 1000) * 1000;
      const parts: Record<string, number> = {};
      for (const p of formatter.formatToParts(new Date(second))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
      return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0) - second;
    },
  };
}
