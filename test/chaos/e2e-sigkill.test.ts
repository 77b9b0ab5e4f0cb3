/**
 * kill -9 of a gateway process mid-run, then a restart on the same data dir and spool, while the
 * simulator (in this process) keeps trading. SQLite must end with one row per second, no
 * duplicate, and per-second trade counts equal to the simulator's ground truth.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { chaosConfigInput } from './e2e-helpers/chaos-gateway.js';
import { compareSeconds, countBySecond } from './e2e-helpers/accounting.js';
import { readSqlite } from '../integration/gateway/helpers.js';
import { useRestartRig } from './e2e-helpers/restart-rig.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'] as const;
const PG = 'postgres://postgres@127.0.0.1:5432/test';

describe('SIGKILL of the gateway process', () => {
  const schema = `tg_e2e_kill_${process.pid}_${Date.now().toString(36)}`;
  let proxy: TcpProxy;
  let pgPort: number;
  let admin: postgres.Sql;

  beforeAll(async () => {
    admin = postgres(PG, { max: 1, onnotice: () => undefined });
    await admin`select 1`;
    proxy = new TcpProxy(5432);
    pgPort = await proxy.start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await admin?.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end({ timeout: 2 });
  });
  const rig = useRestartRig({
    name: 'e2e-kill', seed: 5, symbols: SYMBOLS,
    config: ({ simPort, dir }) => chaosConfigInput({
      simPort, dataDir: dir, symbols: SYMBOLS, spoolFsync: 'always', extraSinks: [`postgres://postgres@127.0.0.1:${pgPort}/test?schema=${schema}`],
    }),
  });
  const db = (): string => rig.db();
  const snapshots = (s: string): { start_time: number; trade_count: number; revision: number }[] =>
    readSqlite(db(), "SELECT start_time, trade_count, revision FROM snapshots WHERE venue = 'binance' AND symbol = ? ORDER BY start_time", s);

  async function untilStored(seconds: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const stored = (sym: string): number => {
      try { return snapshots(sym).filter((r) => r.trade_count > 0).length; } catch { return 0; } // no database file yet
    };
    while (!SYMBOLS.every((sym) => stored(sym) >= seconds)) {
      if (Date.now() > deadline) throw new Error(`gateway A stored fewer than ${seconds} seconds with trades per symbol within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Runs: gateway A, trades, PostgreSQL cut (A spools), kill -9 A, trades while down, PostgreSQL
   * back, gateway B on the same data dir and spool, trades, graceful stop.
   */
  async function killAndRestart(): Promise<{ killedAt: number; restartedAt: number }> {
    const a = rig.spawn();
    await a.ready();
    rig.sim.setRate(100);
    // The seconds before the PostgreSQL cut must be in SQLite before the kill, or B has no stored
    // trade to resume after: wait for them (a loaded machine starts the SQLite worker late), not a fixed 2 s.
    await untilStored(2, 30_000);
    await proxy.refuse();
    await new Promise((r) => setTimeout(r, 3_000));
    a.proc.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await a.exited).signal).toBe('SIGKILL');
    // A left PostgreSQL's records in its spool.
    const pgSpool = join(rig.dir, 'spool', 'postgres');
    const spooledBytes = readdirSync(pgSpool).filter((f) => f.endsWith('.seg')).reduce((n, f) => n + statSync(join(pgSpool, f)).size, 0);
    expect(spooledBytes).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_000)); // the venue keeps trading while no gateway runs
    await proxy.forward();
    const b = rig.spawn();
    await b.ready();
    const restartedAt = Date.now();
    await new Promise((r) => setTimeout(r, 4_000));
    rig.sim.setRate(0);
    await new Promise((r) => setTimeout(r, 500));
    b.proc.kill('SIGTERM');
    expect((await b.exited).code, b.stderr.slice(-2000)).toBe(0);
    return { killedAt, restartedAt };
  }

  let run: { killedAt: number; restartedAt: number } | null = null;

  it('kill -9 while PostgreSQL is down, restart: spools replayed, no duplicate rows, every second stored before the kill matches the truth in SQLite and PostgreSQL', async () => {
    run = await killAndRestart();
    const dups = readSqlite<{ n: number }>(db(), 'SELECT count(*) AS n FROM (SELECT venue, symbol, start_time FROM snapshots GROUP BY 1, 2, 3 HAVING count(*) > 1)');
    expect(dups[0]!.n).toBe(0);
    // Nothing left in the spool after the graceful stop of the second process.
    const spoolDir = join(rig.dir, 'spool', 'sqlite');
    const segments = existsSync(spoolDir) ? readdirSync(spoolDir).filter((f) => f.endsWith('.seg')) : [];
    expect(segments.map((f) => [f, statSync(join(spoolDir, f)).size]).filter(([, size]) => Number(size) > 0)).toEqual([]);
    const cursorRows = readSqlite<{ n: number }>(db(), 'SELECT count(*) AS n FROM tick_candles GROUP BY venue, symbol, interval_name, first_trade_key HAVING count(*) > 1');
    expect(cursorRows).toEqual([]);
    const pgSpool = join(rig.dir, 'spool', 'postgres');
    const pgSegments = existsSync(pgSpool) ? readdirSync(pgSpool).filter((f) => f.endsWith('.seg') && statSync(join(pgSpool, f)).size > 0) : [];
    expect(pgSegments).toEqual([]);
    for (const s of SYMBOLS) {
      const truth = rig.sim.truth.trades('binance', s);
      const want = countBySecond(truth);
      // PostgreSQL was cut 3 s before the kill: what A spooled (fsync always) was replayed by B.
      const pgRows = await admin.unsafe<{ start_time: string; trade_count: number }[]>(
        `SELECT start_time, trade_count FROM "${schema}".snapshots WHERE venue = 'binance' AND symbol = $1`, [s]);
      const pgBefore = new Map(pgRows.map((r) => [Number(r.start_time), Number(r.trade_count)]).filter(([t]) => t! + 3_000 < run!.killedAt) as [number, number][]);
      const wantPg = new Map([...want].filter(([sec]) => sec + 3_000 < run!.killedAt));
      expect(compareSeconds(wantPg, pgBefore).wrongSeconds, `postgres ${s}`).toEqual([]);
      expect(wantPg.size).toBeGreaterThanOrEqual(2); // not vacuous
      const dupPg = await admin.unsafe(`SELECT 1 FROM "${schema}".snapshots GROUP BY venue, symbol, start_time HAVING count(*) > 1`);
      expect(dupPg.length).toBe(0);
      // Seconds that closed (lateness included) well before the kill were acknowledged and must be exact.
      const before = new Map(snapshots(s).filter((r) => r.start_time + 3_000 < run!.killedAt).map((r) => [Number(r.start_time), r.trade_count]));
      const wantBefore = new Map([...want].filter(([sec]) => sec + 3_000 < run!.killedAt));
      const c = compareSeconds(wantBefore, before);
      expect(c.wrongSeconds, s).toEqual([]);
      // Seconds after the restart settled are exact too.
      const after = new Map(snapshots(s).filter((r) => r.start_time >= run!.restartedAt + 2_000).map((r) => [Number(r.start_time), r.trade_count]));
      const wantAfter = new Map([...want].filter(([sec]) => sec >= run!.restartedAt + 2_000));
      expect(compareSeconds(wantAfter, after).wrongSeconds, s).toEqual([]);
    }
  }, 120_000);

  // A restarted gateway resumes each trade stream after the last trade id in its stored snapshots
  // and backfills what it missed while stopped (and the open window lost with the killed process).
  it('after kill -9 and restart: every trade is stored exactly once, in the right second, every second with trades has its snapshot', () => {
    expect(run).not.toBeNull();
    for (const s of SYMBOLS) {
      const rows = snapshots(s);
      const truth = countBySecond(rig.sim.truth.trades('binance', s));
      const seconds = new Set(rows.map((r) => Number(r.start_time)));
      const first = Math.min(...seconds);
      const last = Math.max(...seconds);
      for (const [t, n] of truth) if (t >= first && t <= last && n > 0) expect(seconds.has(t), `${s} second ${t} (${n} trades)`).toBe(true);
      const c = compareSeconds(truth, new Map(rows.map((r) => [Number(r.start_time), r.trade_count])));
      expect({ lost: c.lost, duplicated: c.duplicated, wrong: c.wrongSeconds }).toEqual({ lost: 0, duplicated: 0, wrong: [] });
    }
  });

  // The restarted aggregator resumes each symbol's 1 s cursor and last close from the stored
  // snapshots, so quiet seconds at the restart boundary get their empty snapshot too.
  it('after kill -9 and restart: every second from first to last has a snapshot, empty ones included', () => {
    for (const s of SYMBOLS) {
      const seconds = snapshots(s).map((r) => Number(r.start_time));
      for (let t = seconds[0]!; t <= seconds[seconds.length - 1]!; t += 1000) expect(seconds, `${s} second ${t}`).toContain(t);
    }
  });
});
