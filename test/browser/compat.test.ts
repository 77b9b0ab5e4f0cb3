/**
 * The dashboard's compat panel on a real gateway with its Binance-compatible endpoint (spot and
 * USD-M) against the simulator, in real headless Chromium: real Binance stream clients and REST
 * calls, and the panel shows what they did (clients, streams asked vs held upstream = the
 * multiplier, REST cache hits, forwarded weight). The figures are checked against the endpoint's
 * own counters, not just for presence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, openBrowser, SKIP_REASON, type BrowserSession } from './browser.js';
import { attr, text, waitForAttr, waitForText } from './page-helpers.js';
import { startCompatDemo, StreamClient, type CompatDemo } from '../integration/compat/helpers.js';

describe.skipIf(!HAVE_CHROMIUM)(`dashboard compat panel of a real gateway${HAVE_CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: BrowserSession;
  let page: Page;
  let c: CompatDemo;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    c = await startCompatDemo({}, 100, { futuresStreams: ['aggTrade', 'bookTicker', 'depth'] });
    browser = await openBrowser();
    page = browser.page;
    await page.goto(`${c.demo.gateway.url}/`);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((x) => x.close()));
    await browser?.close();
    await c?.stop();
  });

  it('six bots on two spot streams: 6 clients, 12 streams asked, 2 held upstream, 6.0x; a repeated exchangeInfo is a cache hit', async () => {
    for (let i = 0; i < 6; i++) {
      const x = new StreamClient(`${c.ws}/stream?streams=btcusdt@trade/btcusdt@depth@100ms`);
      clients.push(x);
      await x.open();
    }
    for (let i = 0; i < 2; i++) expect((await fetch(`${c.rest}/api/v3/exchangeInfo`)).status).toBe(200);
    const spot = '[data-testid="compat-row"][data-venue="binance"]';
    await waitForAttr(page, `${spot} [data-testid="compat-clients"]`, 'data-value', '6');
    await waitForAttr(page, `${spot} [data-testid="compat-asked"]`, 'data-value', '12');
    await waitForAttr(page, `${spot} [data-testid="compat-held"]`, 'data-value', '2');
    expect(await text(page, `${spot} [data-testid="compat-multiplier"]`)).toBe('6.0×');
    const f = c.demo.gateway.compat!.forwarder.stats();
    await waitForText(page, `${spot} [data-testid="compat-cache-ratio"]`, `${Math.round((100 * (f.cacheHits + f.shared)) / (f.cacheHits + f.shared + f.upstreamCalls))} %`);
    expect(Number(await attr(page, `${spot} [data-testid="compat-weight"]`, 'data-value'))).toBe(f.forwardedWeight);
    expect(f.forwardedWeight).toBeGreaterThan(0);
    // The USD-M endpoint has its own row, idle.
    await waitForAttr(page, '[data-testid="compat-row"][data-venue="binance-futures"] [data-testid="compat-clients"]', 'data-value', '0');
    expect(await text(page, '[data-testid="compat-row"][data-venue="binance-futures"]')).toContain('/binance-futures');
    expect(browser.pageErrors).toEqual([]);
  }, 40_000);

  it('bots leaving show on the panel: 2 left, 4 clients, 8 asked, still 2 held', async () => {
    await Promise.all(clients.splice(0, 2).map((x) => x.close()));
    const spot = '[data-testid="compat-row"][data-venue="binance"]';
    await waitForAttr(page, `${spot} [data-testid="compat-clients"]`, 'data-value', '4');
    await waitForAttr(page, `${spot} [data-testid="compat-asked"]`, 'data-value', '8');
    expect(await text(page, `${spot} [data-testid="compat-multiplier"]`)).toBe('4.0×');
    expect(browser.pageErrors).toEqual([]);
  }, 30_000);
});
