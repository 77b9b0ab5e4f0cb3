/**
 * Where a restarted gateway resumes its trade streams: the last numeric trade id per venue and
 * symbol in the stored snapshots, read the same way from SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSink } from '../../../src/sinks/postgres.js';
import { SqliteSink } from '../../../src/sinks/sqlite.js';
import { pgLastSnapshotTradeIds } from '../../../src/sinks/postgres-query.js';
import { lastSnapshotTradeIds, openSqliteForQuery } from '../../../src/sinks/sqlite-query.js';
import { snapshot } from '../../unit/sinks/helpers/records.js';
import { PG_PORT, pgUrl, requireService, uniqueName } from './helpers/services.js';

const records = [
  snapshot(1, { venue: 'binance', symbol: 'BTCUSDT', lastTradeId: '250' }),
  snapshot(2, { venue: 'binance', symbol: 'BTCUSDT', lastTradeId: '1000' }), // numerically last, not lexically
  snapshot(3, { venue: 'binance', symbol: 'BTCUSDT', lastTradeId: '999' }),
  snapshot(4, { venue: 'binance', symbol: 'ETHUSDT', lastTradeId: '7' }),
  snapshot(5, { venue: 'bybit', symbol: 'BTCUSDT', lastTradeId: '2290000000f3b2-uuid' }), // no sequence: no resume point
  snapshot(6, { venue: 'binance', symbol: 'SOLUSDT', lastTradeId: null, empty: true }),
];
const expected = new Map([['binance|BTCUSDT', 1000], ['binance|ETHUSDT', 7]]);

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

describe('resume points', () => {
  it('SQLite: the numerically largest numeric last trade id per venue and symbol', async () => {
    const sink = new SqliteSink({ path: join(dir, 't.db') });
    await sink.open();
    await sink.write(records);
    await sink.close();
    const db = openSqliteForQuery(join(dir, 't.db'));
    try {
      expect(lastSnapshotTradeIds(db)).toEqual(expected);
    } finally {
      db.close();
    }
  });

  it('PostgreSQL: the same, and an empty map before the schema exists', async () => {
    expect(await pgLastSnapshotTradeIds(admin, schema)).toEqual(new Map());
    const sink = new PostgresSink({ url: pgUrl(), schema });
    await sink.open();
    await sink.write(records);
    await sink.close();
    expect(await pgLastSnapshotTradeIds(admin, schema)).toEqual(expected);
  });
});
