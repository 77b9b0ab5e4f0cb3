/**
 * Exact restarts with PostgreSQL as the only sink (the resume state is then read from it): the real
 * gateway as a child process against the simulator, a graceful stop and a kill -9 while the venue
 * keeps trading, then every stored 1 s snapshot, 1 s / 1 m candle and 100-tick candle equals the
 * ground truth.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_PORT, pgUrl, requireService, uniqueName } from '../integration/sinks/helpers/services.js';
import { chaosConfigInput } from './e2e-helpers/chaos-gateway.js';
import { rowsByKey, sleep, useRestartRig } from './e2e-helpers/restart-rig.js';
import { expectRowsEqualTruth } from './e2e-helpers/truth-aggregates.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'] as const;
const RATE = 1_000; // simulator events/s (trades, book tickers, depth)
const RUN_MS = 3_000;
const DOWN_MS = 1_200;

describe('restarts with PostgreSQL as the only sink', () => {
  const schema = uniqueName('tg_restarts');
  let admin: postgres.Sql;

  beforeAll(async () => {
    await requireService('PostgreSQL', PG_PORT);
    admin = postgres(pgUrl(), { max: 1, onnotice: () => undefined });
  });
  afterAll(async () => {
    await admin?.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end({ timeout: 2 });
  });
  const rig = useRestartRig({
    name: 'e2e-restarts-pg', seed: 23, symbols: SYMBOLS,
    config: ({ simPort, dir }) => ({ ...chaosConfigInput({ simPort, dataDir: dir, symbols: SYMBOLS, spoolFsync: 'always' }), sinks: [`${pgUrl()}?schema=${schema}`] }),
  });
  const trade = (ms: number): Promise<void> => rig.trade(ms, 100);

  it('graceful stop then kill -9 while trading: every 1 s, 1 m and t100 row in PostgreSQL equals the ground truth', async () => {
    const { sim, start } = rig;
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

    const rows = rowsByKey(await admin.unsafe(`SELECT * FROM "${schema}".snapshots`),
      [...await admin.unsafe(`SELECT * FROM "${schema}".time_candles`), ...await admin.unsafe(`SELECT * FROM "${schema}".tick_candles`)]);
    const n = { seconds: 0, empty: 0, minutes: 0, ticks: 0 };
    for (const s of SYMBOLS) expectRowsEqualTruth('postgres', s, rows, sim.truth.trades('binance', s), n);
    expect(n.ticks).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
