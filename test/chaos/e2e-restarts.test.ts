/**
 * Exact restarts, end to end: the real gateway as a child process against the simulator, THREE
 * restarts in one run while the venue keeps trading (graceful stop, kill -9, graceful stop with
 * the market quiet across the boundary), then every stored 1 s snapshot, 1 m candle and 100-tick
 * candle equals one computed independently from the simulator's ground truth (OHLC, volumes,
 * notional, count, first and last id; quiet seconds empty, carrying the last close), in SQLite
 * and in a JSONL sink (its latest revision per key), whose revisions per key never go back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { naturalKey } from '../../src/sinks/record-key.js';
import { readSqlite } from '../integration/gateway/helpers.js';
import { chaosConfigInput } from './e2e-helpers/chaos-gateway.js';
import { rowsByKey, sleep, useRestartRig } from './e2e-helpers/restart-rig.js';
import { expectRowsEqualTruth, storedFields, type Row } from './e2e-helpers/truth-aggregates.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'] as const;
/** Simulator events per second (trades, book tickers, depth) while the market trades. */
const RATE = 1_000;
const RUN_MS = 4_000;
const DOWN_MS = 1_200;

describe('three restarts (graceful, kill -9, graceful): stored aggregates equal the ground truth', () => {
  const rig = useRestartRig({
    name: 'e2e-restarts', seed: 11, symbols: SYMBOLS,
    config: ({ simPort, dir }) => chaosConfigInput({ simPort, dataDir: dir, symbols: SYMBOLS, spoolFsync: 'always', extraSinks: [`jsonl:${dir}/jsonl/`] }),
  });
  const log: string[] = [];
  const trade = (ms: number): Promise<void> => rig.trade(ms, (RATE * ms) / 4000);

  it('graceful stop, kill -9, graceful stop with a quiet boundary, final stop: every 1 s, 1 m and t100 row exact in SQLite and JSONL', async () => {
    const { sim, start } = rig;
    const startedAt = Date.now();
    // A: from the very first trade (tick candles count from it).
    let g = await start();
    sim.setRate(RATE);
    await trade(RUN_MS);
    expect(await g.stop(), g.stderr.slice(-2000)).toBe(0); // 1: graceful, mid-second, mid-minute, mid-t100
    log.push(`A stopped at ${Date.now() - startedAt} ms`);
    await sleep(DOWN_MS); // the venue keeps trading: the backfill fills it
    g = await start();
    await trade(RUN_MS);
    expect(await g.kill9()).toBe('SIGKILL'); // 2: kill -9 (open windows and the partial t100 lost with it)
    log.push(`B killed at ${Date.now() - startedAt} ms`);
    await sleep(DOWN_MS);
    g = await start();
    await trade(RUN_MS);
    sim.setRate(0); // quiet from here across the next restart: its seconds must be stored empty
    await sleep(1_200);
    expect(await g.stop(), g.stderr.slice(-2000)).toBe(0); // 3: graceful, market quiet
    log.push(`C stopped at ${Date.now() - startedAt} ms`);
    await sleep(DOWN_MS);
    g = await start();
    await sleep(1_500);
    sim.setRate(RATE);
    await trade(RUN_MS);
    sim.setRate(0);
    await sleep(2_500); // lateness + a quiet second or two, closed by the clock
    expect(await g.stop(), g.stderr.slice(-2000)).toBe(0);
    log.push(`D stopped at ${Date.now() - startedAt} ms`);

    // SQLite: every row, latest revision (the upsert keeps it).
    const sql = (q: string): Record<string, unknown>[] => readSqlite<Record<string, unknown>>(rig.db(), q);
    const sqlRows = rowsByKey(sql('SELECT * FROM snapshots'), [...sql('SELECT * FROM time_candles'), ...sql('SELECT * FROM tick_candles')]);

    // JSONL: files in the order written, latest revision per key; a revision never goes back. The
    // one exception is the spool's at-least-once replay after kill -9 (its cursor.json is written
    // after the ack, not fsynced): rows already written are appended once more, identical to the
    // row of the same key and revision written before. Those are counted, and must match exactly.
    const jdir = join(rig.dir, 'jsonl');
    const files = readdirSync(jdir).filter((f) => f.endsWith('.jsonl'))
      .sort((a, b) => { const [, ta, na] = a.match(/(\d+)-(\d+)/)!.map(Number) as number[]; const [, tb, nb] = b.match(/(\d+)-(\d+)/)!.map(Number) as number[]; return ta! - tb! || na! - nb!; });
    const jsonl = new Map<string, Row>();
    const backwards: string[] = [];
    const written = new Map<string, string>(); // key|revision -> the row's stored fields
    let replayed = 0;
    for (const f of files) {
      for (const line of readFileSync(join(jdir, f), 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let r: Row;
        try { r = JSON.parse(line) as Row; } catch { continue; } // a line torn by the kill
        if (r.kind !== 'snapshot' && r.kind !== 'candle') continue;
        const k = naturalKey(r);
        const prev = jsonl.get(k);
        const fields = JSON.stringify(storedFields(r));
        if (prev && r.revision < prev.revision) {
          if (written.get(`${k}|${r.revision}`) === fields) replayed++;
          else backwards.push(`${k}: ${prev.revision} -> ${r.revision}`);
          continue;
        }
        written.set(`${k}|${r.revision}`, fields);
        jsonl.set(k, r);
      }
    }
    expect(backwards, 'revisions going back across processes').toEqual([]);

    const compared = { trades: 0, seconds: 0, empty: 0, minutes: 0, ticks: 0, jsonlReplayedRows: replayed };
    for (const sym of SYMBOLS) {
      const truth = sim.truth.trades('binance', sym);
      expect(truth.length).toBeGreaterThan(800);
      compared.trades += truth.length;
      for (const [name, src] of [['sqlite', sqlRows], ['jsonl', jsonl]] as const) expectRowsEqualTruth(name, sym, src, truth, compared);
      // Every SQLite row equals the JSONL row of its key, and the other way round.
      const keys = (m: Map<string, Row>): string[] => [...m.keys()].filter((k) => m.get(k)!.symbol === sym).sort();
      expect(keys(jsonl)).toEqual(keys(sqlRows));
      for (const k of keys(sqlRows)) expect(storedFields(jsonl.get(k)!), k).toEqual(storedFields(sqlRows.get(k)!));
    }
    expect(compared.empty, 'quiet seconds across the third restart were compared').toBeGreaterThanOrEqual(2 * SYMBOLS.length);
    console.log(JSON.stringify({ test: 'e2e-restarts', ratePerS: RATE, symbols: SYMBOLS.length, restarts: 3, ...compared, phases: log, ms: Date.now() - startedAt }));
  }, 90_000);
});
