/**
 * Trading-session calendars. Equities trade 09:30–16:00 America/New_York on weekdays except
 * configured holidays; local wall time is turned into instants with Intl.DateTimeFormat, so DST
 * changes are handled by the platform's time-zone data (no fixed offsets).
 */
import { ConfigError } from '../model/errors.js';
import {
  DEFAULT_EQUITIES_CLOSE_HHMM, DEFAULT_EQUITIES_OPEN_HHMM, DEFAULT_EQUITIES_TIME_ZONE,
} from '../config/defaults/aggregate.js';

export interface MarketCalendar {
  isOpen(time: number): boolean;
  /** Earliest instant >= time at which the market is open (time itself when open). */
  nextOpen(time: number): number;
  /** Next session end strictly after time (Infinity for a market that never closes). */
  nextClose(time: number): number;
}

/** Crypto venues, and any venue under --skip-market-hours. */
export const alwaysOpen: MarketCalendar = {
  isOpen: () => true,
  nextOpen: (t) => t,
  nextClose: () => Infinity,
};

export interface SessionCalendarOptions {
  readonly timeZone?: string;
  /** Local "HH:MM". */
  readonly open?: string;
  readonly close?: string;
  /** Local ISO weekdays that trade, 1 = Monday ... 7 = Sunday. */
  readonly weekdays?: readonly number[];
  /** Local dates "YYYY-MM-DD" without a session. */
  readonly holidays?: readonly string[];
}

interface LocalDate { y: number; m: number; d: number }

const DAY_MS = 86_400_000;
const MAX_SCAN_DAYS = 400;

function parseHhmm(text: string, key: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (!m || h > 23 || min > 59) throw new ConfigError(`market hours ${key} must be "HH:MM", got "${text}"`, { key, value: text });
  return h * 60 + min;
}

export class SessionCalendar implements MarketCalendar {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly openMin: number;
  private readonly closeMin: number;
  private readonly weekdays: ReadonlySet<number>;
  private readonly holidays: ReadonlySet<string>;

  constructor(opts: SessionCalendarOptions = {}) {
    const timeZone = opts.timeZone ?? DEFAULT_EQUITIES_TIME_ZONE;
    try {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch (cause) {
      throw new ConfigError(`unknown market-hours time zone "${timeZone}"`, { key: 'timeZone', value: timeZone });
    }
    this.openMin = parseHhmm(opts.open ?? DEFAULT_EQUITIES_OPEN_HHMM, 'open');
    this.closeMin = parseHhmm(opts.close ?? DEFAULT_EQUITIES_CLOSE_HHMM, 'close');
    if (this.closeMin <= this.openMin) throw new ConfigError('market hours close must be after open', { key: 'close' });
    this.weekdays = new Set(opts.weekdays ?? [1, 2, 3, 4, 5]);
    for (const h of opts.holidays ?? []) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(h)) throw new ConfigError(`holiday must be "YYYY-MM-DD", got "${h}"`, { key: 'holidays', value: h });
    }
    this.holidays = new Set(opts.holidays ?? []);
  }

  isOpen(time: number): boolean {
    const { date, minutes } = this.local(time);
    return this.isTradingDay(date) && minutes >= this.openMin && minutes < this.closeMin;
  }

  nextOpen(time: number): number {
    let date = this.local(time).date;
    for (let i = 0; i < MAX_SCAN_DAYS; i++, date = addDays(date, 1)) {
      if (!this.isTradingDay(date)) continue;
      const open = this.instant(date, this.openMin);
      if (time < open) return open;
      if (time < this.instant(date, this.closeMin)) return time;
    }
    return Infinity;
  }

  nextClose(time: number): number {
    let date = this.local(time).date;
    for (let i = 0; i < MAX_SCAN_DAYS; i++, date = addDays(date, 1)) {
      if (!this.isTradingDay(date)) continue;
      const close = this.instant(date, this.closeMin);
      if (time < close) return close;
    }
    return Infinity;
  }

  private isTradingDay(date: LocalDate): boolean {
    const dow = new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay();
    const iso = dow === 0 ? 7 : dow;
    return this.weekdays.has(iso) && !this.holidays.has(isoDate(date));
  }

  private local(time: number): { date: LocalDate; minutes: number; asUtc: number } {
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(time)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const date = { y: p.year ?? 0, m: p.month ?? 0, d: p.day ?? 0 };
    const h = p.hour ?? 0;
    const min = p.minute ?? 0;
    const asUtc = Date.UTC(date.y, date.m - 1, date.d, h, min, p.second ?? 0);
    return { date, minutes: h * 60 + min, asUtc };
  }

  /** Offset of local wall time from UTC at an instant, ms. */
  private offset(time: number): number {
    const t = Math.floor(time / 1000) * 1000;
    return this.local(t).asUtc - t;
  }

  /** The instant at which local wall time is `date` + `minutes` (two passes for DST). */
  private instant(date: LocalDate, minutes: number): number {
    const wall = Date.UTC(date.y, date.m - 1, date.d) + minutes * 60_000;
    const first = wall - this.offset(wall);
    return wall - this.offset(first);
  }
}

function addDays(date: LocalDate, n: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d) + n * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function isoDate(date: LocalDate): string {
  return `${date.y}-${String(date.m).padStart(2, '0')}-${String(date.d).padStart(2, '0')}`;
}

/** The calendar to use, honoring the --skip-market-hours override. */
export function effectiveCalendar(calendar: MarketCalendar | null | undefined, skipMarketHours: boolean): MarketCalendar {
  return skipMarketHours || !calendar ? alwaysOpen : calendar;
}
