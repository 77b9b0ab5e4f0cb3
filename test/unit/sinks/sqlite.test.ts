import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteSink } from '../../../src/sinks/sqlite.js';
import { openSqliteForQuery, queryCandles, querySnapshots, queryTrades } from '../../../src/sinks/sqlite-query.js';
import { gap, snapshot, tickCandle, timeCandle, trade } from './helpers/records.js';
import { gapFromRow } from '../../../src/sinks/rows.js';

let dir: string;
let sink: SqliteSink;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickgate-sqlite-'));
  sink = new SqliteSink({ path: join(dir, 'sub', 't.db'), trades: true });
  await sink.open();
});
afterEach(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

function count(table: string): number {
  return (sink.database()!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('SqliteSink', () => {
  it('writes every kind and reads it back field for field, decimals exact', async () => {
    const snaps = [snapshot(0), snapshot(1, { empty: true, enrichment: null, vwap: null, firstTradeId: null, lastTradeId: null })];
    const times = [timeCandle(0), timeCandle(1)];
    const ticks = [tickCandle(0), tickCandle(1)]; // same start time, different first trade id
    const trades = [trade(0), trade(1, { seq: null })];
    await sink.write([...snaps, ...times, ...ticks, ...trades]);
    const db = sink.database()!;
    expect(querySnapshots(db, { symbol: 'BTCUSDT' })).toEqual(snaps);
    expect(queryCandles(db, { symbol: 'ETHUSDT', interval: '1m' })).toEqual(times);
    expect(queryCandles(db, { symbol: 'SOLUSDT', interval: 't100', venue: 'bybit' })).toEqual(ticks);
    expect(queryTrades(db, { symbol: 'BTCUSDT' })).toEqual(trades);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('the same batch written twice leaves one row per key', async () => {
    const batch = [snapshot(0), snapshot(1), timeCandle(0), tickCandle(0), trade(0)];
    await sink.write(batch);
    await sink.write(batch);
    expect([count('snapshots'), count('time_candles'), count('tick_candles'), count('trades')]).toEqual([2, 1, 1, 1]);
  });

  it('a higher revision replaces the row; a lower one arriving late does not', async () => {
    await sink.write([snapshot(0, { close: '1.00', revision: 0 })]);
    await sink.write([snapshot(0, { close: '2.00', revision: 2 })]);
    await sink.write([snapshot(0, { close: '1.50', revision: 1 })]);
    await sink.write([tickCandle(0, { close: '9.9', revision: 3 }), tickCandle(0, { close: '8.8', revision: 1 })]);
    const db = sink.database()!;
    expect(querySnapshots(db, { symbol: 'BTCUSDT' }).map((s) => [s.close, s.revision])).toEqual([['2.00', 2]]);
    expect(queryCandles(db, { symbol: 'SOLUSDT', interval: 't100' }).map((c) => [c.close, c.revision])).toEqual([['9.9', 3]]);
  });

  it('stores declared trade gaps in trade_gaps whatever the trades opt-in; read back field for field; a replay adds nothing', async () => {
    const plain = new SqliteSink({ path: join(dir, 'gaps.db') });
    const gaps = [gap(0), gap(1), gap(2, { venue: 'bybit', source: 'publicTrade', fromId: 2 ** 40 })];
    await plain.write([snapshot(0), ...gaps, trade(0)]);
    await plain.write(gaps);
    const ro = openSqliteForQuery(join(dir, 'gaps.db'));
    try {
      const rows = ro.prepare('SELECT * FROM trade_gaps ORDER BY venue, symbol, source, from_id').all() as Record<string, unknown>[];
      expect(rows.map(gapFromRow)).toEqual(gaps);
      expect((ro.prepare('SELECT count(*) AS n FROM trades').get() as { n: number }).n).toBe(0);
    } finally {
      ro.close();
    }
    await plain.close();
  });

  it('skips raw trades unless opted in', async () => {
    const plain = new SqliteSink({ path: join(dir, 'plain.db') });
    await plain.write([trade(0), snapshot(0)]);
    const db = plain.database()!;
    expect((db.prepare('SELECT count(*) AS n FROM trades').get() as { n: number }).n).toBe(0);
    expect(plain.stats().skippedTrades).toBe(1);
    // A batch of trades only (skipped before the worker) still counts as a batch, like the rest.
    await plain.write([trade(1), trade(2)]);
    expect((db.prepare('SELECT count(*) AS n FROM trades').get() as { n: number }).n).toBe(0);
    expect(plain.stats()).toMatchObject({ batches: 2, rows: 4, skippedTrades: 3 });
    await plain.close();
  });

  it('query helpers filter by venue and time range and honour the limit', async () => {
    await sink.write(Array.from({ length: 10 }, (_, i) => snapshot(i)));
    const ro = openSqliteForQuery(join(dir, 'sub', 't.db'));
    const all = querySnapshots(ro, { symbol: 'BTCUSDT' });
    const range = querySnapshots(ro, { symbol: 'BTCUSDT', from: all[2]!.startTime, to: all[5]!.startTime });
    expect(range.map((s) => s.startTime)).toEqual(all.slice(2, 5).map((s) => s.startTime));
    expect(querySnapshots(ro, { symbol: 'BTCUSDT', limit: 3 })).toHaveLength(3);
    expect(querySnapshots(ro, { symbol: 'BTCUSDT', venue: 'bybit' })).toEqual([]);
    ro.close();
  });

  it('a path below a regular file is a fatal error naming the path', async () => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    const path = join(dir, 'plain-file', 't.db');
    const bad = new SqliteSink({ path });
    await expect(bad.open()).rejects.toMatchObject({ retryable: false, message: expect.stringContaining(path) });
  });
});
