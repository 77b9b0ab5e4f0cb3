/** /readyz follows upstream faults injected in the simulator: 503 with reasons, then 200 again. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../../src/gateway/demo.js';
import { FAST_CONNECTION, getJson, tempDir, waitFor } from './helpers.js';

type Ready = { ready: boolean; reasons: Record<string, string> };

describe('readiness under upstream faults', () => {
  const tmp = tempDir('gw-ready');
  let demo: Demo;
  const ready = (): Promise<{ status: number; body: Ready }> => getJson<Ready>(`${demo.gateway.url}/readyz`);

  beforeAll(async () => {
    demo = await startDemo({ port: 0, dataDir: tmp.dir, rate: 40, cryptoSymbols: ['BTCUSDT'], equitySymbols: ['AAPL'], overrides: FAST_CONNECTION });
    await waitFor(async () => (await ready()).status === 200, 'initial /readyz 200');
  });

  afterAll(async () => {
    await demo?.stop();
    tmp.remove();
  });

  it('a half-open (silent) bybit connection makes /readyz 503 naming bybit, and 200 after the gateway reconnects', async () => {
    const fault = demo.simulator.faults.inject({ kind: 'silent', venue: 'bybit' });
    const down = await waitFor(async () => { const r = await ready(); return r.status === 503 ? r : null; }, '/readyz 503 on silent bybit', 15_000);
    expect(down.body.ready).toBe(false);
    const keys = Object.keys(down.body.reasons);
    expect(keys.some((k) => k.includes('bybit')), JSON.stringify(down.body)).toBe(true);
    expect(keys.some((k) => k.includes('binance')), JSON.stringify(down.body)).toBe(false);
    for (const v of Object.values(down.body.reasons)) expect(v.length).toBeGreaterThan(0);
    demo.simulator.faults.clear(fault.id);
    const back = await waitFor(async () => { const r = await ready(); return r.status === 200 ? r : null; }, '/readyz 200 after silent cleared', 20_000,
      () => demo.gateway.status().notReadyReasons);
    expect(back.body).toEqual({ ready: true, reasons: {} });
    expect(demo.gateway.status().connections.find((c) => c.venue === 'bybit')!.reconnects).toBeGreaterThan(0);
  });

  it('a refused port with every connection dropped makes /readyz 503 for every venue, then 200 when the port is back', async () => {
    demo.simulator.faults.inject({ kind: 'refuse', durationMs: 3_000 });
    demo.simulator.faults.inject({ kind: 'close', code: 1006 });
    const down = await waitFor(async () => { const r = await ready(); return r.status === 503 && Object.keys(r.body.reasons).length >= 3 ? r : null; },
      '/readyz 503 for all venues', 10_000);
    for (const venue of ['binance', 'bybit', 'equities']) expect(Object.keys(down.body.reasons).some((k) => k.includes(venue)), `${venue}: ${JSON.stringify(down.body)}`).toBe(true);
    const back = await waitFor(async () => { const r = await ready(); return r.status === 200 ? r : null; }, '/readyz 200 after refuse', 25_000,
      () => demo.gateway.status().notReadyReasons);
    expect(back.body.ready).toBe(true);
    // /healthz stays 200 the whole time: the process is alive.
    expect((await getJson(`${demo.gateway.url}/healthz`)).status).toBe(200);
  });
});
