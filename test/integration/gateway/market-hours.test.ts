/** Market-hours gating: the equities feed stays closed on a closed calendar unless marketHours.skip. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { deepMerge } from '../../../src/config/layers.js';
import { startGateway, type Gateway } from '../../../src/gateway/gateway.js';
import { FAST_CONNECTION, getJson, tempDir, waitFor } from './helpers.js';

/** Saturday 2026-11-28 15:00 UTC (10:00 New York): the calendar is closed all day. */
const SATURDAY_MS = Date.UTC(2026, 10, 28, 15, 0, 0);

let sim: Simulator | undefined;
let gw: Gateway | undefined;
const tmp = tempDir('gw-hours');

afterEach(async () => {
  await gw?.stop();
  await sim?.close();
  gw = undefined;
  sim = undefined;
});

async function start(skip: boolean): Promise<Gateway> {
  sim = await startSimulator({ port: 0, rate: 40, symbols: ['BTCUSDT', 'AAPL'], marketHours: 'always-open' });
  const base = `127.0.0.1:${sim.port}`;
  const { config } = loadConfig({
    env: {},
    cli: deepMerge(FAST_CONNECTION, {
      marketHours: { skip },
      venues: {
        binance: { enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`, symbols: ['BTCUSDT'], streams: ['trade'] },
        equities: { enabled: true, wsBaseUrl: `ws://${base}/equities`, path: '/ws', apiToken: 'demo', symbols: ['AAPL'] },
      },
      sinks: [`sqlite:${tmp.dir}/${skip ? 'skip' : 'gated'}.db`],
      storage: { spoolDir: `${tmp.dir}/spool-${skip ? 'skip' : 'gated'}` },
      server: { port: 0 },
    }),
  });
  // The gateway's clock says Saturday; the rest of the machine keeps real time.
  const offset = SATURDAY_MS - Date.now();
  gw = await startGateway(config, { now: () => Date.now() + offset });
  return gw;
}

describe('market-hours gating', () => {
  it('with the calendar closed and skip=false the equities feed is not opened, binance is, and /readyz stays 200', async () => {
    const g = await start(false);
    await waitFor(() => g.feeds.get('binance')!.live, 'binance live');
    const r = await waitFor(async () => { const x = await getJson<{ ready: boolean }>(`${g.url}/readyz`); return x.status === 200 ? x : null; }, '/readyz 200');
    expect(r.body.ready).toBe(true);
    expect(g.feeds.get('equities')!.stats().connectAttempts).toBe(0);
    expect(g.manager.details().map((d) => d.venue)).toEqual(['binance']);
    expect(g.status().venues.find((v) => v.venue === 'equities')!.eventsTotal).toBe(0);
  });

  it('with marketHours.skip the equities feed is opened on the same closed calendar and delivers trades', async () => {
    const g = await start(true);
    await waitFor(() => g.feeds.get('equities')!.live && g.feeds.get('binance')!.live, 'both feeds live');
    await waitFor(() => (g.status().venues.find((v) => v.venue === 'equities')?.eventsTotal ?? 0) > 0, 'equities events', 10_000);
    expect(g.manager.details().map((d) => d.venue).sort()).toEqual(['binance', 'equities']);
  });
});

afterAll(() => tmp.remove());
