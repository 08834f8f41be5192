import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { compileStrftime, daysFromCivil, parseClfTime, parseDecimal, parseEpoch, parseIsoTime, UTC, zoneResolver } from '../../src/formats/time.js';

const clf = (s: string, zone = UTC): number => parseClfTime(s, 0, s.length, zone);
const iso = (s: string, zone = UTC): number => parseIsoTime(s, 0, s.length, zone);

describe('time', () => {
  it('daysFromCivil agrees with Date.UTC over leap years and centuries', () => {
    for (const [y, m, d] of [[1970, 1, 1], [2000, 2, 29], [1900, 3, 1], [2024, 12, 31], [1995, 6, 1], [2100, 2, 28]] as const) {
      expect(daysFromCivil(y, m, d) * 86_400_000).toBe(Date.UTC(y, m - 1, d));
    }
  });

  it.each([
    ['10/Oct/2000:13:55:36 -0700', Date.UTC(2000, 9, 10, 20, 55, 36)],
    ['27/Nov/2026:14:03:11 +0000', Date.UTC(2026, 10, 27, 14, 3, 11)],
    ['07/Dec/2016:11:05:07 +0100', Date.UTC(2016, 11, 7, 10, 5, 7)],
    ['09/Jun/2020:12:10:39 -0700', Date.UTC(2020, 5, 9, 19, 10, 39)],
    ['01/Jan/2021:00:30:00 +0530', Date.UTC(2020, 11, 31, 19, 0, 0)],
    ['01/jan/2021:00:00:00 -0000', Date.UTC(2021, 0, 1)],
    ['10/Oct/2000:13:55:36.123 +0000', Date.UTC(2000, 9, 10, 13, 55, 36, 123)],
    ['10/Oct/2000:13:55:36 +02:00', Date.UTC(2000, 9, 10, 11, 55, 36)],
    ['29/Aug/2023 22:02:58', Date.UTC(2023, 7, 29, 22, 2, 58)],
    ['10/Oct/2000:13:55:36', Date.UTC(2000, 9, 10, 13, 55, 36)],
    ['10/Oct/2000:13:55:36 +02', Date.UTC(2000, 9, 10, 11, 55, 36)],
    ['2000-10-10T20:55:36Z', Date.UTC(2000, 9, 10, 20, 55, 36)],
  ])('parses CLF time %s', (text, expected) => {
    expect(clf(text)).toBe(expected);
  });

  it.each(['', '-', '1234', '32/Oct/2000:13:55:36 +0000', '10/Foo/2000:13:55:36 +0000', '10/Oct/2000:24:00:00 +0000', '10/Oct/2000:13:55:36 0000', 'xx/Oct/2000:13:55:36 +0000', '10/Oct/2000:13:55:36 +0000 extra'])(
    'rejects %j',
    (text) => {
      expect(clf(text)).toBeNaN();
    },
  );

  it('reads times without an offset in the zone given', () => {
    expect(clf('29/Aug/2023 22:02:58', zoneResolver('+02:00'))).toBe(Date.UTC(2023, 7, 29, 20, 2, 58));
    expect(clf('29/Aug/2023 22:02:58', zoneResolver('Europe/Paris'))).toBe(Date.UTC(2023, 7, 29, 20, 2, 58));
    expect(clf('29/Jan/2023 22:02:58', zoneResolver('Europe/Paris'))).toBe(Date.UTC(2023, 0, 29, 21, 2, 58));
    expect(clf('29/Jan/2023 22:02:58', zoneResolver('America/New_York'))).toBe(Date.UTC(2023, 0, 30, 3, 2, 58));
    expect(clf('29/Jan/2023 22:02:58', zoneResolver('utc'))).toBe(Date.UTC(2023, 0, 29, 22, 2, 58));
    expect(() => zoneResolver('Mars/Olympus_Mons')).toThrow(UsageError);
  });

  it.each([
    ['2021-03-31T12:04:07+00:00', Date.UTC(2021, 2, 31, 12, 4, 7)],
    ['2021-03-31T12:04:07Z', Date.UTC(2021, 2, 31, 12, 4, 7)],
    ['2021-03-31T14:04:07+02:00', Date.UTC(2021, 2, 31, 12, 4, 7)],
    ['2021-03-31 12:04:07.25-0130', Date.UTC(2021, 2, 31, 13, 34, 7, 250)],
    ['2021-03-31T12:04:07', Date.UTC(2021, 2, 31, 12, 4, 7)],
  ])('parses ISO time %s', (text, expected) => {
    expect(iso(text)).toBe(expected);
  });

  it('parses epoch seconds and decimals exactly', () => {
    const s = '1617192247.123';
    expect(parseEpoch(s, 0, s.length, 1000)).toBe(1617192247123);
    expect(parseDecimal('0.033', 0, 5, 1000)).toBe(33);
    expect(parseDecimal('0.050', 0, 5, 1000)).toBe(50);
    expect(parseDecimal('116075', 0, 6, 0.001)).toBeCloseTo(116.075, 9);
    for (const bad of ['', '-', '1e3', '1.2.3', '-1', 'abc']) expect(parseDecimal(bad, 0, bad.length)).toBeNaN();
  });

  it.each([
    ['%Y-%m-%d %H:%M:%S', '2021-06-03 09:30:50', Date.UTC(2021, 5, 3, 9, 30, 50)],
    ['%d/%b/%Y:%T %z', '10/Oct/2000:13:55:36 -0700', Date.UTC(2000, 9, 10, 20, 55, 36)],
    ['%F %T', '2024-02-29 23:59:59', Date.UTC(2024, 1, 29, 23, 59, 59)],
    ['%a %b %e %H:%M:%S %Y', 'Tue Oct  3 10:00:00 2000', Date.UTC(2000, 9, 3, 10)],
    ['%d %B %y', '05 March 99', Date.UTC(1999, 2, 5)],
    ['%s', '1617192247', 1617192247000],
  ])('strftime %s reads %s', (format, text, expected) => {
    expect(compileStrftime(format)(text, 0, text.length, UTC)).toBe(expected);
  });

  it('strftime rejects unsupported conversions at compile time and mismatches at parse time', () => {
    expect(() => compileStrftime('%Q')).toThrow(UsageError);
    expect(compileStrftime('%Y-%m-%d')('2021/06/03', 0, 10, UTC)).toBeNaN();
  });
});

describe('calendar validity', () => {
  it('rejects days that do not exist in the month, accepts leap days', async () => {
    const { parseClfTime, zoneResolver } = await import('../../src/formats/time.js');
    const utc = zoneResolver(undefined);
    const at = (text: string): number => parseClfTime(text, 0, text.length, utc);
    expect(Number.isNaN(at('31/Nov/2026:10:00:00 +0000'))).toBe(true);
    expect(Number.isNaN(at('29/Feb/2026:10:00:00 +0000'))).toBe(true);
    expect(at('29/Feb/2028:10:00:00 +0000')).toBe(Date.UTC(2028, 1, 29, 10));
    expect(at('30/Nov/2026:10:00:00 +0000')).toBe(Date.UTC(2026, 10, 30, 10));
  });
});
