import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { UTC_FRAME, localIso, sameZone, weekdayOfLocalHour, zoneFrame } from '../../src/model/time-zone.js';

const H = 3_600_000;

describe('zoneFrame', () => {
  it.each([
    [undefined, 'UTC'],
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['Etc/UTC', 'UTC'],
    ['GMT', 'UTC'],
    ['+00:00', 'UTC'],
    ['america/new_york', 'America/New_York'],
    ['Europe/Paris', 'Europe/Paris'],
    ['+0530', '+05:30'],
    ['-08:00', '-08:00'],
    ['UTC+2', '+02:00'],
  ])('%s is recorded as %s', (input, name) => {
    expect(zoneFrame(input).name).toBe(name);
  });

  it('rejects an unknown zone with a ConfigError that says what to write', () => {
    let error: unknown;
    try {
      zoneFrame('Mars/Olympus_Mons');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['timeZone: unknown time zone "Mars/Olympus_Mons"']);
    expect((error as ConfigError).hint).toContain('America/New_York');
    expect(() => zoneFrame('+25:00')).toThrow(ConfigError);
  });

  it('finds New York’s daylight-saving changes to the second, and holds the offset between them', () => {
    const ny = zoneFrame('America/New_York');
    // 2026: EDT from 2026-03-08 07:00 UTC (02:00 EST) to 2026-11-01 06:00 UTC (02:00 EDT).
    const spring = Date.UTC(2026, 2, 8, 7);
    const fall = Date.UTC(2026, 10, 1, 6);
    expect(ny.offsetSpan(spring - 1).offsetMs).toBe(-5 * H);
    expect(ny.offsetSpan(spring).offsetMs).toBe(-4 * H);
    expect(ny.offsetSpan(spring).fromMs).toBe(spring);
    expect(ny.offsetSpan(spring - 1).toMs).toBe(spring);
    expect(ny.offsetSpan(fall - 1).offsetMs).toBe(-4 * H);
    expect(ny.offsetSpan(fall).offsetMs).toBe(-5 * H);
    expect(ny.offsetSpan(Date.UTC(2026, 6, 1)).offsetMs).toBe(-4 * H);
    expect(zoneFrame('Asia/Kolkata').offsetSpan(Date.UTC(2026, 0, 1)).offsetMs).toBe(5.5 * H);
    expect(zoneFrame('+05:30').offsetSpan(Date.UTC(2026, 0, 1)).offsetMs).toBe(5.5 * H);
  });

  it('writes local times with their offset, UTC with Z', () => {
    const ny = zoneFrame('America/New_York');
    expect(localIso(Date.UTC(2026, 10, 1, 5, 30), ny)).toBe('2026-11-01T01:30:00.000-04:00');
    expect(localIso(Date.UTC(2026, 10, 1, 6, 30), ny)).toBe('2026-11-01T01:30:00.000-05:00');
    expect(localIso(Date.UTC(2026, 10, 1, 6, 30), UTC_FRAME)).toBe('2026-11-01T06:30:00.000Z');
    expect(localIso(Date.UTC(2026, 0, 1), zoneFrame('+05:30'))).toBe('2026-01-01T05:30:00.000+05:30');
  });

  it('knows weekdays (Monday = 0) and which names mean the same zone', () => {
    expect(weekdayOfLocalHour(0)).toBe(3); // 1970-01-01, a Thursday
    expect(weekdayOfLocalHour(Date.UTC(2026, 10, 27, 13) / H)).toBe(4); // a Friday
    expect(weekdayOfLocalHour(Date.UTC(2026, 10, 30) / H)).toBe(0); // a Monday
    expect(sameZone('America/New_York', 'america/new_york')).toBe(true);
    expect(sameZone('UTC', 'Etc/UTC')).toBe(true);
    expect(sameZone('UTC', 'America/New_York')).toBe(false);
  });
});
