/** `tickgate replay` of real recorded Binance frames is deterministic; `tickgate query` reads it back. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';
import { readSqlite, tempDir } from '../gateway/helpers.js';
import { BINANCE_SPOT_DIR } from '../../helpers/recorded-data.js';

const DATA = BINANCE_SPOT_DIR;
const FRAMES = join(DATA, 'btcusdt-20240808.frames.gz');
const SNAPSHOT = join(DATA, 'btcusdt-20240808.depth-snapshot.json');
const tmp = tempDir('cli-replay');
afterAll(() => tmp.remove());

function summary(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(.+?)\s{2,}(\S.*)$/.exec(line) ?? /^([a-z0-9 ]+?) (\S+)$/.exec(line);
    if (m) out[m[1]!.trim()] = m[2]!.trim();
  }
  return out;
}

const dump = (db: string): { snapshots: unknown[]; time_candles: unknown[]; tick_candles: unknown[] } => ({
  snapshots: readSqlite(db, 'SELECT * FROM snapshots ORDER BY venue, symbol, start_time'),
  time_candles: readSqlite(db, 'SELECT * FROM time_candles ORDER BY venue, symbol, interval_name, start_time'),
  tick_candles: readSqlite(db, 'SELECT * FROM tick_candles ORDER BY venue, symbol, interval_name, first_trade_key'),
});

describe.skipIf(!existsSync(FRAMES))('replay + query', () => {
  it('replaying the same recording twice writes identical rows and a summary that matches them; query prints them as CSV', async () => {
    const dbs = [join(tmp.dir, 'a.db'), join(tmp.dir, 'b.db')];
    // Two independent processes (own database each): run side by side.
    const runs = await Promise.all(dbs.map((db) => runCli(['replay', FRAMES, '--venue', 'binance', '--snapshot', SNAPSHOT, '--sink', `sqlite:${db}`], { timeoutMs: 90_000 })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const s = summary(runs[0]!.stdout);
    expect(Number(s.frames)).toBeGreaterThan(40_000);
    expect(s['malformed frames']).toBe('0');
    expect(s['gaps detected']).toBe('0');
    expect(Number(s['1 s snapshots'])).toBeGreaterThan(300);
    expect(Number(s.candles)).toBeGreaterThan(0);
    // Everything but the wall-clock "took" line is the same in both runs.
    const strip = (t: string): string => t.split('\n').filter((l) => !l.startsWith('took')).join('\n');
    expect(strip(runs[1]!.stdout)).toBe(strip(runs[0]!.stdout));

    const a = dump(dbs[0]!);
    const b = dump(dbs[1]!);
    expect(a.snapshots.length).toBe(Number(s['1 s snapshots']));
    expect(a.time_candles.length + a.tick_candles.length).toBe(Number(s.candles));
    expect(a.snapshots.length + a.time_candles.length + a.tick_candles.length).toBe(Number(s['written to sqlite']));
    expect(b).toEqual(a);
    const tradeSum = (a.snapshots as { trade_count: number }[]).reduce((x, r) => x + r.trade_count, 0);
    expect(tradeSum).toBe(Number(s['trades aggregated']));

    const q = await runCli(['query', '--sqlite', dbs[0]!, '--symbol', 'BTCUSDT', '--kind', 'snapshots', '--format', 'csv', '--limit', '100000']);
    expect(q.code, q.stderr).toBe(0);
    const lines = q.stdout.trim().split('\n');
    expect(lines[0]).toBe('venue,symbol,startTime,open,high,low,close,volume,vwap,tradeCount,empty,revision');
    expect(lines.length - 1).toBe(a.snapshots.length);
    const rows = a.snapshots as { start_time: number; trade_count: number; open: string; close: string; volume: string }[];
    lines.slice(1).forEach((line, i) => {
      const f = line.split(',');
      expect([f[0], f[1], Number(f[2]), f[3], f[6], f[7], Number(f[9])]).toEqual(['binance', 'BTCUSDT', rows[i]!.start_time, rows[i]!.open, rows[i]!.close, rows[i]!.volume, rows[i]!.trade_count]);
    });
  }, 120_000);
});
