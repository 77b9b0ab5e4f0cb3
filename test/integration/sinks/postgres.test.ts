import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { naturalKey } from '../../../src/sinks/record-key.js';
import { PostgresSink } from '../../../src/sinks/postgres.js';
import { queryPgCandles, queryPgSnapshots, queryPgTrades } from '../../../src/sinks/postgres-query.js';
import { SupervisedSink } from '../../../src/sinks/supervised-sink.js';
import type { SinkRecord } from '../../../src/sinks/sink.js';
import { gapFromRow } from '../../../src/sinks/rows.js';
import { MIGRATIONS } from '../../../src/sinks/postgres-schema.js';
import { gap, mixed, snapshot, tickCandle, timeCandle, trade } from '../../unit/sinks/helpers/records.js';
import { TcpProxy, waitFor } from '../../helpers/tcp-proxy.js';
import { outageThroughProxy } from './helpers/outage.js';
import { PG_PORT, pgUrl, requireService, uniqueName } from './helpers/services.js';

let admin: postgres.Sql;
const schemas: string[] = [];
let dir: string;

function newSchema(): string {
  const s = uniqueName('tg_test');
  schemas.push(s);
  return s;
}

async function count(schema: string, table: string): Promise<number> {
  const [row] = await admin.unsafe(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`);
  return Number(row!['n']);
}

beforeAll(async () => {
  await requireService('PostgreSQL', PG_PORT);
  admin = postgres(pgUrl(), { max: 1, onnotice: () => undefined });
  dir = mkdtempSync(join(tmpdir(), 'tickgate-pg-'));
});

afterAll(async () => {
  for (const s of schemas) await admin.unsafe(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await admin.end({ timeout: 1 });
  rmSync(dir, { recursive: true, force: true });
});

describe('PostgresSink against the real server', () => {
  it('creates its schema with a migrations table, writes every kind, reads it back exactly', async () => {
    const schema = newSchema();
    const sink = new PostgresSink({ url: pgUrl(), schema, trades: true });
    const batch: SinkRecord[] = [snapshot(0), snapshot(1, { enrichment: null, empty: true, vwap: null }), timeCandle(0), tickCandle(0), tickCandle(1), trade(0)];
    await sink.write(batch);
    const versions = await admin.unsafe(`SELECT version FROM "${schema}".tickgate_migrations`);
    expect(versions.map((r) => Number(r['version'])).sort()).toEqual([1, 2]);
    const sql = sink.client();
    expect(await queryPgSnapshots(sql, schema, { symbol: 'BTCUSDT' })).toEqual([snapshot(0), snapshot(1, { enrichment: null, empty: true, vwap: null })]);
    expect(await queryPgCandles(sql, schema, { symbol: 'ETHUSDT', interval: '1m' })).toEqual([timeCandle(0)]);
    expect(await queryPgCandles(sql, schema, { symbol: 'SOLUSDT', interval: 't100' })).toEqual([tickCandle(0), tickCandle(1)]);
    expect(await queryPgTrades(sql, schema, { symbol: 'BTCUSDT' })).toEqual([trade(0)]);
    await sink.close();
    // A second sink on the same schema applies nothing new.
    const again = new PostgresSink({ url: pgUrl(), schema });
    await again.open();
    expect(await count(schema, 'tickgate_migrations')).toBe(2);
    await again.close();
  });

  it('declared trade gaps land in trade_gaps (trades opt-in or not), read back field for field, a replay adds nothing', async () => {
    const schema = newSchema();
    const sink = new PostgresSink({ url: pgUrl(), schema });
    const gaps = [gap(0), gap(1), gap(2, { venue: 'bybit', symbol: 'ETHUSDT', source: 'publicTrade', fromId: 2 ** 40 })];
    await sink.write([snapshot(0), ...gaps, trade(0)]);
    await sink.write(gaps);
    const rows = await admin.unsafe(`SELECT * FROM "${schema}".trade_gaps ORDER BY venue, symbol, source, from_id`);
    expect(rows.map(gapFromRow)).toEqual(gaps);
    expect(await count(schema, 'trades')).toBe(0);
    await sink.close();
  });

  it('a schema created by a tickgate without gaps (migration 1 only) is migrated to add trade_gaps', async () => {
    const schema = newSchema();
    await admin.unsafe(`CREATE SCHEMA "${schema}"`);
    await admin.unsafe(`CREATE TABLE "${schema}".tickgate_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const stmt of MIGRATIONS[0]!.statements(schema)) await admin.unsafe(stmt);
    await admin.unsafe(`INSERT INTO "${schema}".tickgate_migrations (version, name) VALUES (1, 'old')`);
    const sink = new PostgresSink({ url: pgUrl(), schema });
    await sink.write([gap(5)]);
    expect((await admin.unsafe(`SELECT * FROM "${schema}".trade_gaps`)).map(gapFromRow)).toEqual([gap(5)]);
    expect((await admin.unsafe(`SELECT version FROM "${schema}".tickgate_migrations ORDER BY version`)).map((r) => Number(r['version']))).toEqual([1, 2]);
    await sink.close();
  });

  it('the same batch twice leaves one row per key; a higher revision replaces, a lower one does not', async () => {
    const schema = newSchema();
    const sink = new PostgresSink({ url: pgUrl(), schema });
    const batch = mixed(0, 30);
    await sink.write(batch);
    await sink.write(batch);
    expect((await count(schema, 'snapshots')) + (await count(schema, 'time_candles')) + (await count(schema, 'tick_candles'))).toBe(30);
    // Two revisions of one key in the same batch, plus a stale one later.
    await sink.write([snapshot(0, { close: '5.5', revision: 2 }), snapshot(0, { close: '4.4', revision: 1 })]);
    await sink.write([snapshot(0, { close: '3.3', revision: 1 })]);
    const [s] = await queryPgSnapshots(sink.client(), schema, { symbol: 'BTCUSDT', limit: 1 });
    expect([s!.close, s!.revision]).toEqual(['5.5', 2]);
    await sink.close();
  });

  it('classifies errors: unknown database and unknown role are fatal, a closed port is retryable', async () => {
    const noDb = new PostgresSink({ url: pgUrl(PG_PORT, 'postgres', uniqueName('nodb')), schema: 'x' });
    await expect(noDb.open()).rejects.toMatchObject({ code: 'E_SINK_AUTH', retryable: false, message: expect.stringMatching(/does not exist/) });
    await noDb.close();
    const noRole = new PostgresSink({ url: pgUrl(PG_PORT, uniqueName('norole')), schema: 'x' });
    await expect(noRole.open()).rejects.toMatchObject({ code: 'E_SINK_AUTH', retryable: false });
    await noRole.close();
    const proxy = new TcpProxy(PG_PORT);
    const port = await proxy.start();
    await proxy.set('refuse');
    const refused = new PostgresSink({ url: pgUrl(port), schema: 'x', connectTimeoutMs: 1000 });
    await expect(refused.open()).rejects.toMatchObject({ code: 'E_SINK_UNAVAILABLE', retryable: true });
    await refused.close();
    await proxy.stop();
  });

  it('an outage (refused, then a black hole) loses nothing: every aggregate ends up in PostgreSQL exactly once', async () => {
    const schema = newSchema();
    const proxy = new TcpProxy(PG_PORT);
    const port = await proxy.start();
    const sink = new PostgresSink({ url: pgUrl(port), schema, connectTimeoutMs: 1000, queryTimeoutMs: 1000 });
    const runner = new SupervisedSink({
      sink, spool: { dir: join(dir, schema), fsync: 'interval' }, maxBatchRecords: 50,
      replayRetryInitialMs: 100, replayRetryMaxMs: 300, writeTimeoutMs: 3000,
    });
    runner.start();
    const states = new Set<string>();
    const sent = await outageThroughProxy(runner, proxy, () => states.add(runner.health().state));
    await waitFor(async () => { await runner.drained(); return true; }, 'spool drained', 30_000);
    expect(runner.health()).toMatchObject({ state: 'ok', spool: { rows: 0 } });
    const st = runner.stats();
    expect(st.spooledRecords).toBeGreaterThan(0);
    expect(st.replayedRecords).toBeGreaterThan(0);
    expect(st.droppedRecords).toBe(0);
    const keys = new Set(sent.map(naturalKey));
    expect(keys.size).toBe(sent.length);
    const rows = (await count(schema, 'snapshots')) + (await count(schema, 'time_candles')) + (await count(schema, 'tick_candles'));
    expect(rows).toBe(sent.length);
    const snaps = await queryPgSnapshots(admin, schema, { symbol: 'BTCUSDT', limit: 100_000 });
    expect(snaps.map(naturalKey).sort()).toEqual(sent.filter((r) => 'kind' in r && r.kind === 'snapshot').map(naturalKey).sort());
    await runner.close(2000);
    await proxy.stop();
  });
});
