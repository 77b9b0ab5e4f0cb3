/**
 * What a restarted gateway reads to resume its aggregates (src/gateway/resume.ts readSeed), the
 * same from SQLite and PostgreSQL, written through the real sinks: the newest second, the seconds
 * of the current minute, the quiet tail's last non-empty second, the current time-candle rows and
 * the newest tick candle (numerically, across a digit-count boundary of the text key). Every
 * SQLite probe is a primary-key search (no table scan): O(symbols), whatever the history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Candle, Snapshot1s } from '../../../src/model/aggregates.js';
import { PostgresSink } from '../../../src/sinks/postgres.js';
import { sqliteSchema } from '../../../src/sinks/sqlite.js';
import { recordKind } from '../../../src/sinks/record-key.js';
import { TABLES, toRow } from '../../../src/sinks/rows.js';
import { pgResumeReader } from '../../../src/sinks/postgres-query.js';
import { digitRanges, SQLITE_RESUME_SQL, sqliteResumeReader, type ResumeReader } from '../../../src/sinks/sqlite-query.js';
import { readSeed } from '../../../src/gateway/resume.js';
import { snapshot, tickCandle, timeCandle } from '../../unit/sinks/helpers/records.js';
import { PG_PORT, pgUrl, requireService, uniqueName } from './helpers/services.js';

const T0 = 1_700_000_000_000;
const V = 'binance';
const S = 'BTCUSDT';

// Seconds: non-empty 0..99 (ids 1000 + 10 i ..), then 5 quiet seconds; the current minute starts at MINUTE.
const seconds: Snapshot1s[] = [];
for (let i = 0; i < 100; i++) seconds.push(snapshot(i, { venue: V, symbol: S, revision: i === 99 ? 2 : 0 }));
for (let i = 100; i < 105; i++) seconds.push(snapshot(i, { venue: V, symbol: S, empty: true, tradeCount: 0, volume: '0', notional: '0', buyVolume: '0', sellVolume: '0', firstTradeId: null, lastTradeId: null, open: '61239.1', high: '61239.1', low: '61239.1', close: '61239.1' }));
const newest = seconds[104]!;
const minuteStart = newest.startTime - (newest.startTime % 60_000);
const candles: Candle[] = [
  timeCandle(0, { venue: V, symbol: S, startTime: minuteStart - 60_000, endTime: minuteStart }),
  timeCandle(0, { venue: V, symbol: S, startTime: minuteStart, endTime: minuteStart + 60_000, revision: 3 }),
  // t100 keys 9801, 9901, 10001 (text: '10001' < '9901'); a newer-looking lexical key of fewer digits.
  ...[9801, 9901, 10001].map((id, i) => tickCandle(i, { venue: V, symbol: S, interval: 't100', firstTradeId: String(id), lastTradeId: String(id + 99) })),
  tickCandle(9, { venue: V, symbol: S, interval: 't100', firstTradeId: '999', lastTradeId: '1098' }),
  tickCandle(10, { venue: 'binance', symbol: 'ETHUSDT', interval: 't100', firstTradeId: '20001', lastTradeId: '20100' }),
];
const opts = { timeCandleIntervalsMs: [1000, 60_000], tickCandleTicks: 100, volumeBarSize: null, maxRebuildTrades: 100_000 };

/** The sink's tables and rows, written directly (the sink's writer runs in a worker thread that this test does not need). */
function writeSqlite(path: string, records: readonly (Snapshot1s | Candle)[]): void {
  const db = new Database(path);
  for (const ddl of sqliteSchema()) db.exec(ddl);
  for (const r of records) {
    const t = TABLES[recordKind(r)];
    const row = toRow(r);
    const names = t.columns.map(([n]) => n);
    db.prepare(`INSERT INTO ${t.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
      .run(...names.map((n) => { const v = row[n] ?? null; return typeof v === 'boolean' ? (v ? 1 : 0) : v; }));
  }
  db.close();
}

async function expectSeed(r: ResumeReader): Promise<void> {
  const seed = (await readSeed(r, V, S, opts))!;
  expect(seed.seconds.map((s) => s.startTime)).toEqual(seconds.filter((s) => s.startTime >= minuteStart).map((s) => s.startTime));
  expect(seed.seconds.at(-1)).toMatchObject({ startTime: newest.startTime, empty: true, close: '61239.1' });
  expect(seed.lastNonEmpty).toMatchObject({ startTime: seconds[99]!.startTime, lastTradeId: '1999', revision: 2 });
  expect(seed.firstNonEmpty).toMatchObject({ startTime: T0, firstTradeId: '1000' });
  expect(seed.timeCandles.map((c) => [c.interval, c.startTime, c.revision])).toEqual([['1m', minuteStart, 3]]);
  expect(seed.tickCandles.map((c) => c.firstTradeId)).toEqual(['10001']);
  expect(await readSeed(r, V, 'SOLUSDT', opts)).toBeNull();
}

let dir = '';
let admin: postgres.Sql;
const schema = uniqueName('tg_resume');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickgate-resume-'));
  await requireService('PostgreSQL', PG_PORT);
  admin = postgres(pgUrl(), { max: 1, onnotice: () => undefined });
});
afterAll(async () => {
  await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end({ timeout: 1 });
  rmSync(dir, { recursive: true, force: true });
});

describe('resume state read from storage', () => {
  it('digit ranges split a numeric span into same-length key ranges, highest first', () => {
    expect(digitRanges(95, 10_050)).toEqual([
      { lo: '10000', hi: '10050', digits: 5 }, { lo: '1000', hi: '9999', digits: 4 }, { lo: '100', hi: '999', digits: 3 }, { lo: '95', hi: '99', digits: 2 },
    ]);
    expect(digitRanges(0, 5)).toEqual([{ lo: '0', hi: '5', digits: 1 }]);
  });

  it('SQLite: seconds, quiet tail, time-candle revisions and the numerically newest tick candle; every probe searches the primary key', async () => {
    const path = join(dir, 't.db');
    writeSqlite(path, [...seconds, ...candles]);
    const r = sqliteResumeReader(path);
    try {
      await expectSeed(r);
    } finally {
      await r.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      for (const [name, sql] of Object.entries(SQLITE_RESUME_SQL)) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 1)) as { detail: string }[]).map((p) => p.detail).join('; ');
        expect(plan, name).toMatch(/SEARCH .* USING PRIMARY KEY/);
        expect(plan, name).not.toMatch(/\bSCAN\b|TEMP B-TREE/);
      }
    } finally {
      db.close();
    }
  });

  it('PostgreSQL: the same, and nothing before the schema exists', async () => {
    expect(await readSeed(await pgResumeReader(admin, schema), V, S, opts)).toBeNull();
    const sink = new PostgresSink({ url: pgUrl(), schema });
    await sink.open();
    await sink.write([...seconds, ...candles]);
    await sink.close();
    await expectSeed(await pgResumeReader(admin, schema));
  });
});
