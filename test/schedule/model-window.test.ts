import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/model/builder.js';
import { planModelWindow } from '../../src/schedule/model-window.js';
import { OPTIONS, rec } from '../model/records.js';

describe('planModelWindow in the model’s time zone', () => {
  // 36 sessions between 22:00 and 23:00 UTC on 2026-12-01: 17:00–18:00 in New York (EST).
  const b = new ModelBuilder({ ...OPTIONS, timeZone: 'America/New_York' });
  const start = Date.UTC(2026, 11, 1, 22);
  for (let i = 0; i < 36; i++) b.add(rec({ at: start + i * 100_000 - Date.UTC(2026, 10, 27), client: `10.5.0.${i}` }));
  const model = b.finish();

  it('reads HH:MM as a time of the model’s zone', () => {
    const evening = planModelWindow(model, { scale: 1, speed: 1, window: '17:00-18:00' });
    expect(evening.curve.rateAt(0)).toBeCloseTo(36 / 3600, 9);
    expect(evening.curve.expectedArrivals()).toBeCloseTo(36, 6);
    expect(evening.description).toBe('average day 17:00-18:00 America/New_York');
    // 22:00 is when it happened in UTC, not in the model's frame: nothing there.
    expect(planModelWindow(model, { scale: 1, speed: 1, window: '22:00-23:00' }).curve.expectedArrivals()).toBe(0);
  });

  it('names the peak by its local start', () => {
    const peak = planModelWindow(model, { scale: 2, speed: 1, window: 'peak' });
    expect(peak.description).toBe('peak hour 2026-12-01T17:00:00.000-05:00 (0.010 sessions/s observed)');
    expect(peak.curve.rateAt(0)).toBeCloseTo((2 * 36) / 3600, 6);
  });
});
