/**
 * Table layout shared by the SQL sinks (SQLite and PostgreSQL): one table per record kind, the
 * natural key as primary key, decimals as exact text/NUMERIC, and mapping both ways.
 */
import type { Candle, Enrichment, Snapshot1s } from '../model/aggregates.js';
import type { AggressorSide, Trade, TradeGap } from '../model/events.js';
import { candleTradeKey, recordKind, type RecordKind } from './record-key.js';
import { isGap, isTrade, type SinkRecord } from './sink.js';

export type SqlType = 'text' | 'decimal' | 'int' | 'bigint' | 'real' | 'bool' | 'json';
export type RowValue = string | number | boolean | null;
export type Row = Record<string, RowValue>;

export interface TableSpec {
  readonly table: string;
  readonly key: readonly string[];
  readonly columns: readonly (readonly [name: string, type: SqlType, nullable?: boolean])[];
  /** Upserts keep the row with the highest revision; tables without one ignore repeats. */
  readonly revisioned: boolean;
}

const OHLCV: TableSpec['columns'] = [
  ['open', 'decimal'], ['high', 'decimal'], ['low', 'decimal'], ['close', 'decimal'], ['volume', 'decimal'],
  ['notional', 'decimal'], ['vwap', 'real', true], ['trade_count', 'int'], ['buy_volume', 'decimal'], ['sell_volume', 'decimal'],
  ['first_trade_id', 'text', true], ['last_trade_id', 'text', true],
];

export const TABLES: Readonly<Record<RecordKind, TableSpec>> = {
  snapshot: {
    table: 'snapshots', key: ['venue', 'symbol', 'start_time'], revisioned: true,
    columns: [['venue', 'text'], ['symbol', 'text'], ['start_time', 'bigint'], ...OHLCV, ['empty', 'bool'], ['enrichment', 'json', true], ['revision', 'int']],
  },
  time_candle: {
    table: 'time_candles', key: ['venue', 'symbol', 'interval_name', 'start_time'], revisioned: true,
    columns: [['venue', 'text'], ['symbol', 'text'], ['interval_name', 'text'], ['start_time', 'bigint'], ['end_time', 'bigint'], ['candle_type', 'text'], ...OHLCV, ['revision', 'int']],
  },
  tick_candle: {
    table: 'tick_candles', key: ['venue', 'symbol', 'interval_name', 'first_trade_key'], revisioned: true,
    columns: [['venue', 'text'], ['symbol', 'text'], ['interval_name', 'text'], ['first_trade_key', 'text'], ['start_time', 'bigint'], ['end_time', 'bigint'], ['candle_type', 'text'], ...OHLCV, ['revision', 'int']],
  },
  trade: {
    table: 'trades', key: ['venue', 'symbol', 'trade_id'], revisioned: false,
    columns: [['venue', 'text'], ['symbol', 'text'], ['trade_id', 'text'], ['seq', 'bigint', true], ['price', 'decimal'], ['size', 'decimal'], ['side', 'text'], ['source', 'text'], ['event_time', 'bigint'], ['receive_time', 'bigint']],
  },
  // A declared hole never changes once declared: repeats (replays) are ignored.
  gap: {
    table: 'trade_gaps', key: ['venue', 'symbol', 'source', 'from_id'], revisioned: false,
    columns: [['venue', 'text'], ['symbol', 'text'], ['source', 'text'], ['from_id', 'bigint'], ['to_id', 'bigint', true], ['reason', 'text'], ['detail', 'text'], ['event_time', 'bigint'], ['receive_time', 'bigint']],
  },
};

export const RECORD_KINDS: readonly RecordKind[] = ['snapshot', 'time_candle', 'tick_candle', 'trade', 'gap'];

/** Column -> value; booleans stay booleans and enrichment stays an object-as-JSON string. */
export function toRow(r: SinkRecord): Row {
  if (isTrade(r)) {
    return { venue: r.venue, symbol: r.symbol, trade_id: r.tradeId, seq: r.seq, price: r.price, size: r.size, side: r.side, source: r.source, event_time: r.eventTime, receive_time: r.receiveTime };
  }
  if (isGap(r)) {
    return { venue: r.venue, symbol: r.symbol, source: r.source, from_id: r.fromId, to_id: r.toId, reason: r.reason, detail: r.detail, event_time: r.eventTime, receive_time: r.receiveTime };
  }
  const base: Row = {
    venue: r.venue, symbol: r.symbol, start_time: r.startTime, open: r.open, high: r.high, low: r.low, close: r.close,
    volume: r.volume, notional: r.notional, vwap: r.vwap, trade_count: r.tradeCount, buy_volume: r.buyVolume,
    sell_volume: r.sellVolume, first_trade_id: r.firstTradeId, last_trade_id: r.lastTradeId, revision: r.revision,
  };
  if (r.kind === 'snapshot') return { ...base, empty: r.empty, enrichment: r.enrichment === null ? null : JSON.stringify(r.enrichment) };
  const candle: Row = { ...base, interval_name: r.interval, end_time: r.endTime, candle_type: r.candleType };
  if (recordKind(r) === 'tick_candle') candle['first_trade_key'] = candleTradeKey(r);
  return candle;
}

/** Groups a batch by table, keeping order within each group; trades only when opted in, gaps always. */
export function groupByKind(batch: readonly SinkRecord[], withTrades: boolean): Map<RecordKind, SinkRecord[]> {
  const out = new Map<RecordKind, SinkRecord[]>();
  for (const r of batch) {
    const k = recordKind(r);
    if (k === 'trade' && !withTrades) continue;
    let list = out.get(k);
    if (!list) { list = []; out.set(k, list); }
    list.push(r);
  }
  return out;
}

/** Drops all but the highest revision per key within a batch (one statement cannot touch a row twice in PostgreSQL). */
export function latestPerKey(rows: readonly Row[], key: readonly string[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const row of rows) {
    const k = key.map((c) => String(row[c])).join('\u0000');
    const prev = byKey.get(k);
    if (!prev || Number(row['revision'] ?? 0) >= Number(prev['revision'] ?? 0)) byKey.set(k, row);
  }
  return [...byKey.values()];
}

/* Reading back: drivers differ (SQLite ints for booleans, PostgreSQL strings for bigint, objects for jsonb). */

type DbRow = Record<string, unknown>;
const str = (v: unknown): string => String(v);
const num = (v: unknown): number => Number(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function enrichmentOf(v: unknown): Enrichment | null {
  if (v === null || v === undefined) return null;
  return (typeof v === 'string' ? JSON.parse(v) : v) as Enrichment;
}

function ohlcvOf(row: DbRow) {
  return {
    venue: str(row['venue']), symbol: str(row['symbol']), open: str(row['open']), high: str(row['high']), low: str(row['low']),
    close: str(row['close']), volume: str(row['volume']), notional: str(row['notional']),
    vwap: row['vwap'] === null || row['vwap'] === undefined ? null : num(row['vwap']), tradeCount: num(row['trade_count']),
    buyVolume: str(row['buy_volume']), sellVolume: str(row['sell_volume']), firstTradeId: strOrNull(row['first_trade_id']),
    lastTradeId: strOrNull(row['last_trade_id']), revision: num(row['revision']),
  };
}

export function snapshotFromRow(row: DbRow): Snapshot1s {
  return { kind: 'snapshot', ...ohlcvOf(row), startTime: num(row['start_time']), empty: row['empty'] === true || row['empty'] === 1, enrichment: enrichmentOf(row['enrichment']) };
}

export function candleFromRow(row: DbRow): Candle {
  return {
    kind: 'candle', ...ohlcvOf(row), interval: str(row['interval_name']), candleType: str(row['candle_type']) as Candle['candleType'],
    startTime: num(row['start_time']), endTime: num(row['end_time']),
  };
}

export function tradeFromRow(row: DbRow): Trade {
  return {
    type: 'trade', venue: str(row['venue']), symbol: str(row['symbol']), tradeId: str(row['trade_id']),
    seq: row['seq'] === null || row['seq'] === undefined ? null : num(row['seq']), price: str(row['price']), size: str(row['size']),
    side: str(row['side']) as AggressorSide, source: str(row['source']), eventTime: num(row['event_time']), receiveTime: num(row['receive_time']),
  };
}

export function gapFromRow(row: DbRow): TradeGap {
  return {
    type: 'trade_gap', venue: str(row['venue']), symbol: str(row['symbol']), source: str(row['source']), fromId: num(row['from_id']),
    toId: row['to_id'] === null || row['to_id'] === undefined ? null : num(row['to_id']), reason: str(row['reason']), detail: str(row['detail']),
    eventTime: num(row['event_time']), receiveTime: num(row['receive_time']),
  };
}
