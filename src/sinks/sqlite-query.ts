/** Read helpers over a tickgate SQLite database (used by the CLI `query` command). */
import Database from 'better-sqlite3';
import type { Candle, Snapshot1s } from '../model/aggregates.js';
import type { Trade } from '../model/events.js';
import { queryLimit, type AggregateQuery } from './query.js';
import { candleFromRow, snapshotFromRow, tradeFromRow } from './rows.js';

/** Opens a database read-only (the sink may be writing it at the same time; WAL allows that). */
export function openSqliteForQuery(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

function where(q: AggregateQuery, extra: string[] = []): { sql: string; params: (string | number)[] } {
  const parts = ['symbol = ?', ...extra];
  const params: (string | number)[] = [q.symbol];
  if (q.venue !== undefined) { parts.push('venue = ?'); params.push(q.venue); }
  if (q.from !== undefined) { parts.push('start_time >= ?'); params.push(q.from); }
  if (q.to !== undefined) { parts.push('start_time < ?'); params.push(q.to); }
  return { sql: parts.join(' AND '), params };
}

export function querySnapshots(db: Database.Database, q: AggregateQuery): Snapshot1s[] {
  const w = where(q);
  const rows = db.prepare(`SELECT * FROM snapshots WHERE ${w.sql} ORDER BY start_time, venue LIMIT ?`).all(...w.params, queryLimit(q));
  return (rows as Record<string, unknown>[]).map(snapshotFromRow);
}

/** Candles of one interval (time, tick or volume), oldest first; `interval` is required. */
export function queryCandles(db: Database.Database, q: AggregateQuery): Candle[] {
  if (q.interval === undefined) throw new Error('queryCandles needs an interval (e.g. "1m", "t100")');
  const w = where(q, ['interval_name = ?']);
  const params = [q.symbol, q.interval, ...w.params.slice(1)];
  const limit = queryLimit(q);
  const rows = [
    ...(db.prepare(`SELECT * FROM time_candles WHERE ${w.sql} ORDER BY start_time LIMIT ?`).all(...params, limit) as Record<string, unknown>[]),
    ...(db.prepare(`SELECT * FROM tick_candles WHERE ${w.sql} ORDER BY start_time LIMIT ?`).all(...params, limit) as Record<string, unknown>[]),
  ];
  return rows.map(candleFromRow).sort((a, b) => a.startTime - b.startTime).slice(0, limit);
}

/** Raw trades (present only when the sink stores trades), by event time. */
export function queryTrades(db: Database.Database, q: AggregateQuery): Trade[] {
  const parts = ['symbol = ?'];
  const params: (string | number)[] = [q.symbol];
  if (q.venue !== undefined) { parts.push('venue = ?'); params.push(q.venue); }
  if (q.from !== undefined) { parts.push('event_time >= ?'); params.push(q.from); }
  if (q.to !== undefined) { parts.push('event_time < ?'); params.push(q.to); }
  const rows = db.prepare(`SELECT * FROM trades WHERE ${parts.join(' AND ')} ORDER BY event_time, trade_id LIMIT ?`).all(...params, queryLimit(q));
  return (rows as Record<string, unknown>[]).map(tradeFromRow);
}

/**
 * What a restarted gateway reads per (venue, symbol) to resume its aggregates exactly (see
 * src/gateway/resume.ts). Every method is one indexed probe on a primary key, newest or oldest
 * first with LIMIT, or a range bounded by the caller: O(symbols), never a scan of history.
 * Same shape over SQLite (sync, wrapped) and PostgreSQL (postgres-query.ts).
 */
export interface ResumeReader {
  /** Newest stored snapshot (optionally non-empty only, optionally starting before `before`). */
  newestSnapshot(venue: string, symbol: string, o?: { nonEmpty?: boolean; before?: number }): Promise<Snapshot1s | null>;
  oldestNonEmptySnapshot(venue: string, symbol: string): Promise<Snapshot1s | null>;
  /** Snapshots with start_time >= from, oldest first (the caller bounds the range). */
  snapshotsFrom(venue: string, symbol: string, from: number): Promise<Snapshot1s[]>;
  timeCandleAt(venue: string, symbol: string, interval: string, startTime: number): Promise<Candle | null>;
  /**
   * Newest tick/volume candle whose first trade key is a `digits`-digit number in [lo, hi]
   * (text keys: same-length digit strings sort like numbers, so this is one index range).
   */
  newestTickCandleIn(venue: string, symbol: string, interval: string, lo: string, hi: string, digits: number): Promise<Candle | null>;
  close(): Promise<void>;
}

/** Splits [lo, hi] (non-negative integers) into same-digit-count ranges, highest first. */
export function digitRanges(lo: number, hi: number): { lo: string; hi: string; digits: number }[] {
  const out: { lo: string; hi: string; digits: number }[] = [];
  let top = hi;
  while (top >= lo && top >= 0) {
    const d = String(top).length;
    const floor = d === 1 ? 0 : 10 ** (d - 1);
    const bottom = Math.max(lo, floor);
    out.push({ lo: String(bottom), hi: String(top), digits: d });
    top = floor - 1;
  }
  return out;
}

/** The resume probes (exported so a test can check each one's plan uses the primary key). */
export const SQLITE_RESUME_SQL = {
  newest: 'SELECT * FROM snapshots WHERE venue = ? AND symbol = ? ORDER BY start_time DESC LIMIT 1',
  newestNonEmptyBefore: 'SELECT * FROM snapshots WHERE venue = ? AND symbol = ? AND empty = 0 AND start_time < ? ORDER BY start_time DESC LIMIT 1',
  oldestNonEmpty: 'SELECT * FROM snapshots WHERE venue = ? AND symbol = ? AND empty = 0 ORDER BY start_time LIMIT 1',
  from: 'SELECT * FROM snapshots WHERE venue = ? AND symbol = ? AND start_time >= ? ORDER BY start_time',
  timeCandle: 'SELECT * FROM time_candles WHERE venue = ? AND symbol = ? AND interval_name = ? AND start_time = ?',
  tickCandle: 'SELECT * FROM tick_candles WHERE venue = ? AND symbol = ? AND interval_name = ? AND first_trade_key BETWEEN ? AND ? AND length(first_trade_key) = ? ORDER BY first_trade_key DESC LIMIT 1',
} as const;

export function sqliteResumeReader(path: string): ResumeReader {
  const db = openSqliteForQuery(path);
  const has = (t: string): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
  const ok = { snapshots: has('snapshots'), time_candles: has('time_candles'), tick_candles: has('tick_candles') };
  const Q = SQLITE_RESUME_SQL;
  const one = <T>(table: keyof typeof ok, sql: string, map: (r: Record<string, unknown>) => T, ...p: (string | number)[]): T | null => {
    if (!ok[table]) return null;
    const r = db.prepare(sql).get(...p) as Record<string, unknown> | undefined;
    return r === undefined ? null : map(r);
  };
  return {
    newestSnapshot: async (venue, symbol, o = {}) => {
      if (!o.nonEmpty) return one('snapshots', Q.newest, snapshotFromRow, venue, symbol);
      return one('snapshots', Q.newestNonEmptyBefore, snapshotFromRow, venue, symbol, o.before ?? Number.MAX_SAFE_INTEGER);
    },
    oldestNonEmptySnapshot: async (venue, symbol) => one('snapshots', Q.oldestNonEmpty, snapshotFromRow, venue, symbol),
    snapshotsFrom: async (venue, symbol, from) => (ok.snapshots
      ? (db.prepare(Q.from).all(venue, symbol, from) as Record<string, unknown>[]).map(snapshotFromRow) : []),
    timeCandleAt: async (venue, symbol, interval, startTime) => one('time_candles', Q.timeCandle, candleFromRow, venue, symbol, interval, startTime),
    newestTickCandleIn: async (venue, symbol, interval, lo, hi, digits) => one('tick_candles', Q.tickCandle, candleFromRow, venue, symbol, interval, lo, hi, digits),
    close: async () => { db.close(); },
  };
}
