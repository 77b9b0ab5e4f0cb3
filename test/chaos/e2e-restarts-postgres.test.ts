/**
 * Exact restarts with PostgreSQL as the only sink (the resume state is then read from it): the real
 * gateway as a child process against the simulator, a graceful stop and a kill -9 while the venue
 * keeps trading, then every stored 1 s snapshot, 1 s / 1 m candle and 100-tick candle equals the
 * ground truth.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { naturalKey } from '../../src/sinks/record-key.js';
import { candleFromRow, snapshotFromRow } from '../../src/sinks/rows.js';
import { tempDir, waitFor } from '../integration/gateway/helpers.js';
import { PG_PORT, pgUrl, requireService, uniqueName } from '../integration/sinks/helpers/services.js';
import { chaosConfigInput } from './e2e-helpers/chaos-gateway.js';
import { GatewayChild } from './e2e-helpers/gateway-process.js';
import { expectRowsEqualTruth, type Row } from './e2e-helpers/truth-aggregates.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'] as const;
const RATE = 1_000; // simulator events/s (trades, book tickers, depth)
const RUN_MS = 3_000;
const DOWN_MS = 1_200;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('restarts with PostgreSQL as the only sink', () => {
  const tmp = tempDir('e2e-restarts-pg');
  const schema = uniqueName('tg_restarts');
  let sim: Simulator;
  let admin: postgres.Sql;
  let configFile: string;
  const children: GatewayChild[] = [];

  beforeAll(async () => {
    await requireService('PostgreSQL', PG_PORT);
    admin = postgres(pgUrl(), { max: 1, onnotice: () => undefined });
    sim = await startSimulator({ port: 0, seed: 23, rate: 0, symbols: [...SYMBOLS], marketHours: 'always-open' });
    configFile = join(tmp.dir, 'gateway.json');
    const input = chaosConfigInput({ simPort: sim.port, dataDir: tmp.dir, symbols: SYMBOLS, spoolFsync: 'always' });
    writeFileSync(configFile, JSON.stringify({ ...input, sinks: [`${pgUrl()}?schema=${schema}`] }));
  });
  afterEach(() => {
    for (const c of children) if (c.running()) c.proc.kill('SIGKILL');
  });
  afterAll(async () => {
    await sim?.close();
    await admin?.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end({ timeout: 2 });
    tmp.remove();
  });

  async function start(): Promise<GatewayChild> {
    const g = new GatewayChild(configFile);
    children.push(g);
    await g.ready();
    return g;
  }
  const truthCount = (): number => SYMBOLS.reduce((n, s) => n + sim.truth.trades('binance', s).length, 0);
  async function trade(ms: number): Promise<void> {
    const before = truthCount();
    await sleep(ms);
    await waitFor(() => truthCount() > before + 100, 'the simulator traded');
  }

  it('graceful stop then kill -9 while trading: every 1 s, 1 m and t100 row in PostgreSQL equals the ground truth', async () => {
    let g = await start();
    sim.setRate(RATE);
    await trade(RUN_MS);
    expect(await g.stop(), g.stderr.slice(-2000)).toBe(0);
    await sleep(DOWN_MS);
    g = await start();
    await trade(RUN_MS);
    expect(await g.kill9()).toBe('SIGKILL');
    await sleep(DOWN_MS);
    g = await start();
    await trade(RUN_MS);
    sim.setRate(0);
    await sleep(2_500);
    expect(await g.stop(), g.stderr.slice(-2000)).toBe(0);

    const rows = new Map<string, Row>();
    for (const r of await admin.unsafe(`SELECT * FROM "${schema}".snapshots`)) { const x = snapshotFromRow(r); rows.set(naturalKey(x), x); }
    for (const t of ['time_candles', 'tick_candles']) {
      for (const r of await admin.unsafe(`SELECT * FROM "${schema}"."${t}"`)) { const x = candleFromRow(r); rows.set(naturalKey(x), x); }
    }
    const n = { seconds: 0, empty: 0, minutes: 0, ticks: 0 };
    for (const s of SYMBOLS) expectRowsEqualTruth('postgres', s, rows, sim.truth.trades('binance', s), n);
    expect(n.ticks).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
