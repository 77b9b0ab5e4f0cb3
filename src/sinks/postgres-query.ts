/** Read helpers over a tickgate PostgreSQL schema (same shapes as sqlite-query.ts). */
import type postgres from 'postgres';
import type { Candle, Snapshot1s } from '../model/aggregates.js';
import type { Trade } from '../model/events.js';
import { quoteIdent } from './postgres-schema.js';
import { queryLimit, type AggregateQuery } from './query.js';
import { candleFromRow, snapshotFromRow, tradeFromRow } from './rows.js';
import type { ResumeReader } from './sqlite-query.js';

function where(q: AggregateQuery, timeColumn: string, withInterval: boolean): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [q.symbol];
  const parts = ['symbol = $1'];
  const add = (clause: string, v: string | number): void => { params.push(v); parts.push(clause.replace('?', `$${params.length}`)); };
  if (withInterval && q.interval !== undefined) add('interval_name = ?', q.interval);
  if (q.venue !== undefined) add('venue = ?', q.venue);
  if (q.from !== undefined) add(`${timeColumn} >= ?`, q.from);
  if (q.to !== undefined) add(`${timeColumn} < ?`, q.to);
  return { sql: parts.join(' AND '), params };
}

async function select(sql: postgres.Sql, schema: string, table: string, q: AggregateQuery, timeColumn: string, withInterval: boolean): Promise<Record<string, unknown>[]> {
  const w = where(q, timeColumn, withInterval);
  const text = `SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(table)} WHERE ${w.sql} ORDER BY ${timeColumn} LIMIT ${queryLimit(q)}`;
  return [...(await sql.unsafe(text, w.params))] as Record<string, unknown>[];
}

export async function queryPgSnapshots(sql: postgres.Sql, schema: string, q: AggregateQuery): Promise<Snapshot1s[]> {
  return (await select(sql, schema, 'snapshots', q, 'start_time', false)).map(snapshotFromRow);
}

export async function queryPgCandles(sql: postgres.Sql, schema: string, q: AggregateQuery): Promise<Candle[]> {
  if (q.interval === undefined) throw new Error('queryPgCandles needs an interval (e.g. "1m", "t100")');
  const rows = [
    ...(await select(sql, schema, 'time_candles', q, 'start_time', true)),
    ...(await select(sql, schema, 'tick_candles', q, 'start_time', true)),
  ];
  return rows.map(candleFromRow).sort((a, b) => a.startTime - b.startTime).slice(0, queryLimit(q));
}

export async function queryPgTrades(sql: postgres.Sql, schema: string, q: AggregateQuery): Promise<Trade[]> {
  return (await select(sql, schema, 'trades', q, 'event_time', false)).map(tradeFromRow);
}

/** ResumeReader (see sqlite-query.ts) over a PostgreSQL schema; a schema not created yet reads as empty. */
export async function pgResumeReader(sql: postgres.Sql, schema: string): Promise<ResumeReader> {
  const exists = await sql.unsafe('SELECT to_regclass($1) AS t', [`${quoteIdent(schema)}.snapshots`]);
  const ready = Boolean(exists[0]?.t);
  const t = (table: string): string => `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const one = async <T>(text: string, map: (r: Record<string, unknown>) => T, params: (string | number)[]): Promise<T | null> => {
    if (!ready) return null;
    const rows = await sql.unsafe(text, params);
    return rows.length === 0 ? null : map(rows[0] as Record<string, unknown>);
  };
  return {
    newestSnapshot: (venue, symbol, o = {}) => (o.nonEmpty
      ? one(`SELECT * FROM ${t('snapshots')} WHERE venue = $1 AND symbol = $2 AND empty = false AND start_time < $3 ORDER BY start_time DESC LIMIT 1`,
        snapshotFromRow, [venue, symbol, o.before ?? Number.MAX_SAFE_INTEGER])
      : one(`SELECT * FROM ${t('snapshots')} WHERE venue = $1 AND symbol = $2 ORDER BY start_time DESC LIMIT 1`, snapshotFromRow, [venue, symbol])),
    oldestNonEmptySnapshot: (venue, symbol) => one(`SELECT * FROM ${t('snapshots')} WHERE venue = $1 AND symbol = $2 AND empty = false ORDER BY start_time LIMIT 1`, snapshotFromRow, [venue, symbol]),
    snapshotsFrom: async (venue, symbol, from) => (ready
      ? [...(await sql.unsafe(`SELECT * FROM ${t('snapshots')} WHERE venue = $1 AND symbol = $2 AND start_time >= $3 ORDER BY start_time`, [venue, symbol, from]))].map((r) => snapshotFromRow(r as Record<string, unknown>))
      : []),
    timeCandleAt: (venue, symbol, interval, startTime) => one(
      `SELECT * FROM ${t('time_candles')} WHERE venue = $1 AND symbol = $2 AND interval_name = $3 AND start_time = $4`, candleFromRow, [venue, symbol, interval, startTime]),
    newestTickCandleIn: (venue, symbol, interval, lo, hi, digits) => one(
      `SELECT * FROM ${t('tick_candles')} WHERE venue = $1 AND symbol = $2 AND interval_name = $3 AND first_trade_key BETWEEN $4 AND $5 AND length(first_trade_key) = $6 ORDER BY first_trade_key DESC LIMIT 1`,
      candleFromRow, [venue, symbol, interval, lo, hi, digits]),
    close: async () => undefined,
  };
}
