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
 * The last numeric trade id aggregated per (venue, symbol), from the stored 1 s snapshots: where a
 * restarted gateway resumes so the trades it missed while stopped are backfilled.
 */
export function lastSnapshotTradeIds(db: Database.Database): Map<string, number> {
  const rows = db.prepare(
    "SELECT venue, symbol, MAX(CAST(last_trade_id AS INTEGER)) AS last FROM snapshots WHERE last_trade_id <> '' AND last_trade_id NOT GLOB '*[^0-9]*' GROUP BY venue, symbol",
  ).all() as { venue: string; symbol: string; last: number | null }[];
  const out = new Map<string, number>();
  for (const r of rows) if (r.last !== null) out.set(`${r.venue}|${r.symbol}`, r.last);
  return out;
}
