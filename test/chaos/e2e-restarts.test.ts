/**
 * Exact restarts, end to end: the real gateway as a child process against the simulator, THREE
 * restarts in one run while the venue keeps trading (graceful stop, kill -9, graceful stop with
 * the market quiet across the boundary), then every stored 1 s snapshot, 1 m candle and 100-tick
 * candle equals one computed independently from the simulator's ground truth (OHLC, volumes,
 * notional, count, first and last id; quiet seconds empty, carrying the last close), in SQLite
 * and in a JSONL sink (its latest revision per key), whose revisions per key never go back.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { naturalKey } from '../../src/sinks/record-key.js';
import { candleFromRow, snapshotFromRow } from '../../src/sinks/rows.js';
import { readSqlite, tempDir, waitFor } from '../integration/gateway/helpers.js';
import { chaosConfigInput } from './e2e-helpers/chaos-gateway.js';
import { GatewayChild } from './e2e-helpers/gateway-process.js';
import { expectRowsEqualTruth, storedFields, type Row } from './e2e-helpers/truth-aggregates.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'] as const;
/** Simulator events per second (trades, book tickers, depth) while the market trades. */
const RATE = 1_000;
const RUN_MS = 4_000;
const DOWN_MS = 1_200;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('three restarts (graceful, kill -9, graceful): stored aggregates equal the ground truth', () => {
  const tmp = tempDir('e2e-restarts');
  let sim: Simulator;
  let configFile: string;
  const children: GatewayChild[] = [];
  const log: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 11, rate: 0, symbols: [...SYMBOLS], marketHours: 'always-open' });
    configFile = join(tmp.dir, 'gateway.json');
    writeFileSync(configFile, JSON.stringify(chaosConfigInput({
      simPort: sim.port, dataDir: tmp.dir, symbols: SYMBOLS, spoolFsync: 'always', extraSinks: [`jsonl:${tmp.dir}/jsonl/`],
    })));
  });
  afterEach(() => {
    for (const c of children) if (c.running()) c.proc.kill('SIGKILL');
  });
  afterAll(async () => {
    await sim?.close();
    tmp.remove();
  });

  const db = (): string => join(tmp.dir, 'tickgate.db');

  async function start(): Promise<GatewayChild> {
    const g = new GatewayChild(configFile);
    children.push(g);
    await g.ready();
    return g;
  }

  /** Truth trade count of both symbols, to wait for trading progress instead of sleeping blind. */
  const truthCount = (): number => SYMBOLS.reduce((n, s) => n + sim.truth.trades('binance', s).length, 0);
  async function trade(ms: number): Promise<void> {
    const before = truthCount();
    await sleep(ms);
    await waitFor(() => truthCount() > before + (RATE * ms) / 4000, 'the simulator traded');
  }

  it('graceful stop, kill -9, graceful stop with a quiet boundary, final stop: every 1 s, 1 m and t100 row exact in SQLite and JSONL', async () => {
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
    const sqlRows = new Map<string, Row>();
    for (const r of readSqlite<Record<string, unknown>>(db(), 'SELECT * FROM snapshots')) { const x = snapshotFromRow(r); sqlRows.set(naturalKey(x), x); }
    for (const r of readSqlite<Record<string, unknown>>(db(), 'SELECT * FROM time_candles')) { const x = candleFromRow(r); sqlRows.set(naturalKey(x), x); }
    for (const r of readSqlite<Record<string, unknown>>(db(), 'SELECT * FROM tick_candles')) { const x = candleFromRow(r); sqlRows.set(naturalKey(x), x); }

    // JSONL: files in the order written, latest revision per key; a revision never goes back.
    const jdir = join(tmp.dir, 'jsonl');
    const files = readdirSync(jdir).filter((f) => f.endsWith('.jsonl'))
      .sort((a, b) => { const [, ta, na] = a.match(/(\d+)-(\d+)/)!.map(Number) as number[]; const [, tb, nb] = b.match(/(\d+)-(\d+)/)!.map(Number) as number[]; return ta! - tb! || na! - nb!; });
    const jsonl = new Map<string, Row>();
    const backwards: string[] = [];
    for (const f of files) {
      for (const line of readFileSync(join(jdir, f), 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let r: Row;
        try { r = JSON.parse(line) as Row; } catch { continue; } // a line torn by the kill
        if (r.kind !== 'snapshot' && r.kind !== 'candle') continue;
        const k = naturalKey(r);
        const prev = jsonl.get(k);
        if (prev && r.revision < prev.revision) { backwards.push(`${k}: ${prev.revision} -> ${r.revision}`); continue; }
        jsonl.set(k, r);
      }
    }
    expect(backwards, 'revisions going back across processes').toEqual([]);

    const compared = { trades: 0, seconds: 0, empty: 0, minutes: 0, ticks: 0 };
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
