/** Read helpers over a tickgate PostgreSQL schema (same shapes as sqlite-query.ts). */
import type postgres from 'postgres';
import type { Candle, Snapshot1s } from '../model/aggregates.js';
import type { Trade } from '../model/events.js';
import { quoteIdent } from './postgres-schema.js';
import { queryLimit, type AggregateQuery } from './query.js';
import { candleFromRow, snapshotFromRow, tradeFromRow } from './rows.js';

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

/** Same as lastSnapshotTradeIds (sqlite-query.ts), from a PostgreSQL schema; empty when it has no snapshots table yet. */
export async function pgLastSnapshotTradeIds(sql: postgres.Sql, schema: string): Promise<Map<string, number>> {
  const exists = await sql.unsafe('SELECT to_regclass($1) AS t', [`${quoteIdent(schema)}.snapshots`]);
  if (!exists[0]?.t) return new Map();
  const rows = await sql.unsafe(
    `SELECT venue, symbol, MAX(last_trade_id::numeric)::text AS last FROM ${quoteIdent(schema)}.snapshots WHERE last_trade_id ~ '^[0-9]+$' GROUP BY venue, symbol`,
  );
  const out = new Map<string, number>();
  for (const r of rows as unknown as { venue: string; symbol: string; last: string | null }[]) if (r.last !== null) out.set(`${r.venue}|${r.symbol}`, Number(r.last));
  return out;
}
