import { describe, expect, it } from 'vitest';
import { SessionCalendar, alwaysOpen, effectiveCalendar } from '../../../src/aggregate/market-hours.js';
import { ConfigError } from '../../../src/model/errors.js';

const Z = (iso: string) => Date.parse(iso);
const nyse = new SessionCalendar({ holidays: ['2024-07-04', '2024-12-25'] });

describe('equities market hours (America/New_York)', () => {
  it('opens 09:30 and closes 16:00 local on both sides of the March DST change', () => {
    // Fri 2024-03-08 is EST (UTC-5); Mon 2024-03-11 is EDT (UTC-4).
    expect(nyse.nextOpen(Z('2024-03-08T00:00:00Z'))).toBe(Z('2024-03-08T14:30:00Z'));
    expect(nyse.nextClose(Z('2024-03-08T15:00:00Z'))).toBe(Z('2024-03-08T21:00:00Z'));
    expect(nyse.nextOpen(Z('2024-03-08T21:00:00Z'))).toBe(Z('2024-03-11T13:30:00Z'));
    expect(nyse.nextClose(Z('2024-03-11T13:30:00Z'))).toBe(Z('2024-03-11T20:00:00Z'));
    expect(nyse.isOpen(Z('2024-03-11T13:29:59Z'))).toBe(false);
    expect(nyse.isOpen(Z('2024-03-11T13:30:00Z'))).toBe(true);
    expect(nyse.isOpen(Z('2024-03-11T19:59:59Z'))).toBe(true);
    expect(nyse.isOpen(Z('2024-03-11T20:00:00Z'))).toBe(false);
  });

  it('opens 09:30 local on both sides of the November DST change', () => {
    // Fri 2024-11-01 EDT, Mon 2024-11-04 EST.
    expect(nyse.nextOpen(Z('2024-11-01T12:00:00Z'))).toBe(Z('2024-11-01T13:30:00Z'));
    expect(nyse.nextOpen(Z('2024-11-01T20:00:00Z'))).toBe(Z('2024-11-04T14:30:00Z'));
    expect(nyse.isOpen(Z('2024-11-04T14:00:00Z'))).toBe(false);
    expect(nyse.isOpen(Z('2024-11-04T14:30:00Z'))).toBe(true);
    expect(nyse.nextClose(Z('2024-11-04T14:30:00Z'))).toBe(Z('2024-11-04T21:00:00Z'));
  });

  it('is closed on weekends and configured holidays; nextOpen skips them', () => {
    expect(nyse.isOpen(Z('2024-03-09T15:00:00Z'))).toBe(false); // Saturday
    expect(nyse.isOpen(Z('2024-07-04T15:00:00Z'))).toBe(false); // holiday (Thursday)
    expect(nyse.isOpen(Z('2024-07-05T15:00:00Z'))).toBe(true);
    expect(nyse.nextOpen(Z('2024-07-03T20:00:00Z'))).toBe(Z('2024-07-05T13:30:00Z'));
    expect(nyse.nextClose(Z('2024-07-03T20:30:00Z'))).toBe(Z('2024-07-05T20:00:00Z'));
    expect(nyse.nextOpen(Z('2024-07-05T15:00:00Z'))).toBe(Z('2024-07-05T15:00:00Z')); // open now
  });

  it('skipMarketHours overrides the calendar; bad config is rejected with the key named', () => {
    expect(effectiveCalendar(nyse, true)).toBe(alwaysOpen);
    expect(effectiveCalendar(nyse, false)).toBe(nyse);
    expect(() => new SessionCalendar({ open: '9:30' })).toThrow(ConfigError);
    expect(() => new SessionCalendar({ timeZone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
    expect(() => new SessionCalendar({ holidays: ['07/04/2024'] })).toThrow(/holiday/);
  });
});
