/**
 * The dashboard in real headless Chromium against the stand-in gateway (harness.ts): a real
 * DownstreamServer serving web/ and publishing synthetic status and market data. Each test
 * changes what the "gateway" publishes and asserts what a person would see.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, openBrowser, SKIP_REASON, type BrowserSession } from './browser.js';
import { DEFAULT_SYMBOLS, FakeGateway, freePort } from './harness.js';
import { attr, count, text, waitForAttr, waitForText, waitUntil } from './page-helpers.js';

const TICK_MS = 250;

describe.skipIf(!HAVE_CHROMIUM)(`dashboard against a stand-in gateway${HAVE_CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: BrowserSession;
  let fake: FakeGateway | null = null;
  let page: Page;

  beforeAll(async () => { browser = await openBrowser(); page = browser.page; });
  afterAll(async () => { await browser?.close(); });
  afterEach(async () => {
    await page.goto('about:blank');
    await fake?.stop();
    fake = null;
    const errors = browser.pageErrors.splice(0);
    expect(errors, 'the page logged errors').toEqual([]);
  });

  async function open(options: ConstructorParameters<typeof FakeGateway>[1] = {}, query = ''): Promise<FakeGateway> {
    fake = await new FakeGateway(DEFAULT_SYMBOLS, { tickMs: TICK_MS, historySeconds: 120, ...options }).start();
    await page.goto(`${fake.url}/${query}`);
    return fake;
  }

  it('renders one row per upstream connection from the status object, with state, breaker and streams', async () => {
    const g = await open();
    await waitUntil(page, () => count(page, '[data-testid="conn-row"]').then((n) => n === g.connections.length), 'connection rows');
    for (const c of g.connections) {
      const row = `[data-testid="conn-row"][data-key="${c.key}"]`;
      expect(await attr(page, row, 'data-state')).toBe('connected');
      expect(await attr(page, row, 'data-healthy')).toBe('true');
      expect(await text(page, `${row} [data-testid="conn-breaker"]`)).toContain(c.breaker!.host);
      expect(Number(await attr(page, `${row} [data-testid="conn-streams"]`, 'data-count'))).toBe(c.streams.length);
    }
    expect(await attr(page, '[data-testid="link-state"]', 'data-state')).toBe('open');
    expect(await page.locator('[data-testid="banner"]').isHidden()).toBe(true);
    // The symbol picker lists exactly what the status says is subscribed.
    const options = await page.locator('[data-testid="symbol-picker"] option').allTextContents();
    expect(options).toEqual(DEFAULT_SYMBOLS.map((s) => `${s.symbol} · ${s.venue}`));
    await browser.screenshot('harness-healthy');
  });

  it('a connection that goes stale turns its row unhealthy with the reason, then recovers with the reconnect count up', async () => {
    const g = await open();
    const row = '[data-testid="conn-row"][data-key="binance#0"]';
    await waitForAttr(page, row, 'data-healthy', 'true');
    g.setState('binance#0', 'connected', { healthy: false, unhealthyReason: 'stale: no frame for 3.2 s', lastFrameAgeMs: 3200 });
    g.connection('binance#0').staleStreams = ['btcusdt@trade'];
    await waitForAttr(page, row, 'data-healthy', 'false');
    expect(await text(page, `${row} [data-testid="conn-health"]`)).toContain('stale: no frame for 3.2 s');
    expect(await count(page, `${row} [data-testid="stale-stream"]`)).toBe(1);
    await waitForText(page, '[data-testid="alerts"]', 'binance#0: stale: no frame for 3.2 s');

    g.setState('binance#0', 'reconnecting', { backoffMs: 1500, unhealthyReason: 'state reconnecting', reconnects: 1 });
    await waitForAttr(page, row, 'data-state', 'reconnecting');
    expect(await text(page, `${row} [data-testid="conn-backoff"]`)).toBe('1.5 s');

    g.setState('binance#0', 'connected', { healthy: true, unhealthyReason: null, backoffMs: null, staleStreams: [] });
    await waitForAttr(page, row, 'data-state', 'connected');
    expect(await attr(page, row, 'data-healthy')).toBe('true');
    expect(await text(page, `${row} [data-testid="conn-reconnects"]`)).toBe('1');
    await waitUntil(page, async () => (await text(page, '[data-testid="alerts"]')) === '', 'the alert strip to clear');
  });

  it('a sink that loses its database shows spooling with its spool depth, then ok again', async () => {
    const g = await open();
    const row = '[data-testid="sink-row"][data-sink="postgres"]';
    await waitForAttr(page, row, 'data-state', 'ok');
    Object.assign(g.sink('postgres'), { state: 'spooling', spoolRows: 4200, spoolBytes: 600_000, lastError: 'connect ECONNREFUSED 127.0.0.1:5999' });
    await waitForAttr(page, `${row} [data-testid="sink-state"]`, 'data-state', 'spooling');
    expect(await text(page, `${row} [data-testid="sink-state"]`)).toBe('spooling');
    expect(await attr(page, `${row} [data-testid="sink-spool"]`, 'data-rows')).toBe('4200');
    expect(await text(page, `${row} [data-testid="sink-error"]`)).toContain('ECONNREFUSED');
    await waitForText(page, '[data-testid="alerts"]', 'sink postgres spooling');
    await browser.screenshot('harness-sink-spooling');
    Object.assign(g.sink('postgres'), { state: 'ok', spoolRows: 0, spoolBytes: 0, lastError: null });
    await waitForAttr(page, `${row} [data-testid="sink-state"]`, 'data-state', 'ok');
  });

  it('a configured venue without any connection gets a red row with the reason, and the header says not ready', async () => {
    const g = await open();
    await waitForAttr(page, '[data-testid="ready"]', 'data-ready', 'true');
    g.connections.splice(g.connections.findIndex((c) => c.venue === 'equities'), 1);
    g.ready = false;
    g.notReadyReasons = ['feed:equities: connect ECONNREFUSED 127.0.0.1:9'];
    const missing = '[data-testid="conn-row-missing"][data-venue="equities"]';
    await waitForText(page, missing, 'connect ECONNREFUSED 127.0.0.1:9');
    expect(await text(page, '[data-testid="ready"]')).toBe('NOT READY');
    expect(await count(page, '[data-testid="conn-row"]')).toBe(g.connections.length);
  });

  it('lists downstream clients with their channels and buffers, and counts admission rejections (1013) by reason', async () => {
    const g = await open();
    // The page itself is a client of the server: status + the chosen symbol's snapshots and candles.
    await waitForText(page, '[data-testid="client-row"] [data-testid="client-channels"]', '3');
    expect(await count(page, '[data-testid="client-row"]')).toBe(g.server.stats().clients);
    await waitForAttr(page, '[data-testid="client-rejections"]', 'data-value', '0');
    g.clients.admissionRejections = { connections: 0, breaker_open: 3, event_loop_lag: 1, setup_failed: 5 };
    await waitForAttr(page, '[data-testid="client-rejections"]', 'data-value', '4');
    expect(await text(page, '[data-testid="rejections"]')).toContain('breaker_open 3');
  });

  it('flags a consumer that loses events, but not one that only conflates', async () => {
    const g = await open();
    const row = (name: string): string => `[data-testid="consumer-row"][data-key="${name}"]`;
    await waitForAttr(page, `${row('sinks')} [data-testid="consumer-dropped"]`, 'data-value', '0');
    g.consumers.find((c) => c.consumer === 'server')!.conflated = 500;
    await waitForText(page, `${row('server')} [data-testid="consumer-conflated"]`, '500');
    expect(await text(page, '[data-testid="alerts"]')).toBe('');
    g.consumers.find((c) => c.consumer === 'sinks')!.dropped = 12;
    await waitForText(page, '[data-testid="alerts"]', 'consumer sinks lost 12 events in the last minute');
    expect(await attr(page, `${row('sinks')} [data-testid="consumer-dropped"]`, 'class')).toContain('bad');
  });

  it('the candle chart moves as snapshots arrive, shows the history, and switches to 100-tick candles and other symbols', async () => {
    await open();
    const chart = '[data-testid="market-chart"]';
    // History from the server's resume ring: most of the 120 backdated seconds are there at once.
    await waitUntil(page, async () => Number(await attr(page, chart, 'data-bars')) >= 100, 'history bars');
    const t1 = Number(await attr(page, chart, 'data-last-time'));
    const shot1 = await page.locator(chart).screenshot();
    await waitUntil(page, async () => Number(await attr(page, chart, 'data-last-time')) >= t1 + 3, 'three more seconds of bars');
    const shot2 = await page.locator(chart).screenshot();
    expect(Buffer.compare(shot1, shot2), 'the chart canvas did not change').not.toBe(0);
    expect(Number(await attr(page, chart, 'data-last-close'))).toBeGreaterThan(60_000);
    expect(await text(page, '[data-testid="market-imbalance"]')).toMatch(/imbalance now [+-]\d\.\d\d/);

    await page.click('[data-testid="mode-tick"]');
    await waitForAttr(page, chart, 'data-mode', 'tick');
    await waitUntil(page, async () => Number(await attr(page, chart, 'data-bars')) > 0, '100-tick candles');

    await page.click('[data-testid="mode-snap"]');
    await page.selectOption('[data-testid="symbol-picker"]', 'binance.ETHUSDT');
    await waitUntil(page, async () => {
      const close = Number(await attr(page, chart, 'data-last-close'));
      return close > 1_000 && close < 10_000;
    }, 'ETHUSDT bars');
    expect(page.url()).toContain('symbol=binance.ETHUSDT');
  });

  it('says plainly when it has lost the gateway, retries, and clears the banner when the gateway is back', async () => {
    const g = await open();
    await waitForAttr(page, '[data-testid="link-state"]', 'data-state', 'open');
    await g.stopServer();
    await waitForAttr(page, '[data-testid="banner"]', 'data-kind', 'lost');
    expect(await text(page, '[data-testid="banner"]')).toMatch(/Lost the gateway at .* Retrying in .*attempt \d+/);
    expect(await attr(page, '[data-testid="link-state"]', 'data-state')).toBe('reconnecting');
    await browser.screenshot('harness-gateway-lost');

    await g.restartServer();
    await waitForAttr(page, '[data-testid="link-state"]', 'data-state', 'open', 20_000);
    await waitUntil(page, () => page.locator('[data-testid="banner"]').isHidden(), 'banner hidden');
    // Fresh statuses flow again after the reconnect (new server, new epoch).
    const before = g.statusesPublished;
    g.connection('bybit#0').reconnects = 7;
    await waitForText(page, '[data-testid="conn-row"][data-key="bybit#0"] [data-testid="conn-reconnects"]', '7');
    expect(g.statusesPublished).toBeGreaterThan(before);
  });

  it('resumes after losing the gateway: the 1 s bars published meanwhile all arrive, none lost or doubled', async () => {
    const g = await open({ port: await freePort() });
    const chart = '[data-testid="market-chart"]';
    await waitUntil(page, async () => Number(await attr(page, chart, 'data-bars')) >= 100, 'history bars');
    await g.closePort();
    await waitForAttr(page, '[data-testid="banner"]', 'data-kind', 'lost');
    // Published while the page is away: only resume from the page's last seq brings these back.
    const missedFrom = g.marketTimeMs;
    for (let i = 0; i < 6; i++) g.tick(Date.now());
    await g.reopenPort();
    await waitForAttr(page, '[data-testid="link-state"]', 'data-state', 'open');
    await waitUntil(page, async () => Number(await attr(page, chart, 'data-last-time')) * 1000 >= missedFrom + 6_000, 'bars past the outage');
    const t = await page.evaluate(() =>
      (window as unknown as { tickgate: { market: { sets: { snap: { bars: { time: number }[] } } } } }).tickgate.market.sets.snap.bars.map((b) => b.time));
    const steps = t.slice(1).map((x, i) => x - t[i]!);
    expect(steps.filter((d) => d !== 1), `bar time steps ${steps.join(',')}`).toEqual([]);
    expect(t).toContain(missedFrom / 1000 + 3);
  });

  it('says the figures are stale when the socket stays up but no status arrives', async () => {
    const g = await open();
    await waitForAttr(page, '[data-testid="link-state"]', 'data-state', 'open');
    await waitUntil(page, () => page.locator('[data-testid="banner"]').isHidden(), 'no banner while fresh');
    g.publishStatus = false;
    await waitForAttr(page, '[data-testid="banner"]', 'data-kind', 'stale', 15_000);
    expect(await text(page, '[data-testid="banner"]')).toContain('no status from the gateway');
    g.publishStatus = true;
    await waitUntil(page, () => page.locator('[data-testid="banner"]').isHidden(), 'stale banner cleared');
  });

  it('passes ?token= on the WebSocket URL: with it the page is live, without it the page says it cannot reach the gateway', async () => {
    const token = 'dashboard-test-token';
    const g = await open({ token }, `?token=${token}`);
    await waitForAttr(page, '[data-testid="link-state"]', 'data-state', 'open');
    await waitUntil(page, () => count(page, '[data-testid="conn-row"]').then((n) => n === g.connections.length), 'rows with token');
    await page.goto(`${g.url}/`);
    await waitForAttr(page, '[data-testid="banner"]', 'data-kind', 'lost');
    expect(await text(page, '[data-testid="banner"]')).toContain('Cannot reach the gateway');
    expect(await count(page, '[data-testid="conn-row"]')).toBe(0);
  });
});
