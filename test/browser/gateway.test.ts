/**
 * The dashboard of a real gateway (startDemo: the venue simulator + a gateway pointed at it, with
 * SQLite and a PostgreSQL sink behind a TCP proxy), in real headless Chromium. Faults go through
 * the simulator's admin API and the proxy; the assertions are what a person sees on the page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDemo, type Demo } from '../../src/gateway/index.js';
import { HAVE_CHROMIUM, openBrowser, SKIP_REASON, type BrowserSession } from './browser.js';
import { attr, count, text, waitForAttr, waitUntil } from './page-helpers.js';
import { listening, TcpProxy } from '../helpers/tcp-proxy.js';

const PG_PORT = 5432;
const PG_URL = `postgres://postgres@127.0.0.1:${PG_PORT}/test`;
const PG_UP = HAVE_CHROMIUM ? await listening(PG_PORT) : false;

/** Short timeouts so a half-open socket is found within seconds (defaults are tens of seconds). */
const FAST_CONNECTION = {
  connectTimeoutMs: 2_000, handshakeTimeoutMs: 2_000, pingTimeoutMs: 1_000, heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 3_000, staleAfterMs: 3_000, streamStaleAfterMs: 5_000, closeTimeoutMs: 1_000,
  // Long enough that the 1 Hz status catches the connection while it waits to reconnect.
  reconnectBaseDelayMs: 1_500, reconnectMaxDelayMs: 3_000, backoffResetAfterMs: 5_000,
  breakerFailureThreshold: 50, breakerRecoveryMs: 2_000, networkCheck: 'off',
};

/** Records every distinct (state, healthy, reconnects) of one row, as often as the DOM changes. */
async function recordRow(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const w = window as unknown as { __rowLog: string[] };
    w.__rowLog = [];
    setInterval(() => {
      const r = document.querySelector<HTMLElement>(sel);
      if (!r) return;
      const e = `${r.dataset.state}|${r.dataset.healthy}|${r.dataset.reconnects}`;
      if (w.__rowLog[w.__rowLog.length - 1] !== e) w.__rowLog.push(e);
    }, 50);
  }, selector);
}
function rowLog(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __rowLog: string[] }).__rowLog);
}

describe.skipIf(!HAVE_CHROMIUM)(`dashboard of a real gateway against the simulator${HAVE_CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: BrowserSession;
  let page: Page;
  let demo: Demo;
  let proxy: TcpProxy;
  let dir: string;
  const schema = `dash_${process.pid}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tickgate-dash-'));
    proxy = new TcpProxy(PG_PORT);
    const proxyPort = await proxy.start();
    demo = await startDemo({
      port: 0, dataDir: dir, rate: 200, seed: 3, cryptoSymbols: ['BTCUSDT', 'ETHUSDT'], equitySymbols: [],
      extraSinks: PG_UP ? [`postgres://postgres@127.0.0.1:${proxyPort}/test?schema=${schema}`] : [],
      overrides: {
        log: { level: 'silent' },
        connection: FAST_CONNECTION,
        storage: { retryDelaysMs: [100, 200, 400], writeTimeoutMs: 2_000 },
      },
    });
    browser = await openBrowser();
    page = browser.page;
    await page.goto(`${demo.gateway.url}/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop().catch(() => undefined);
    await proxy?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (PG_UP) {
      const sql = postgres(PG_URL, { max: 1, onnotice: () => undefined });
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await sql.end();
    }
  }, 30_000);

  it('shows a healthy row per upstream connection and a candle chart that moves', async () => {
    const status = demo.gateway.status();
    await waitUntil(page, async () => (await count(page, '[data-testid="conn-row"][data-healthy="true"]')) >= 2, 'two healthy connection rows', 20_000);
    for (const venue of ['binance', 'bybit']) {
      expect(await count(page, `[data-testid="conn-row"][data-venue="${venue}"]`), `a row for ${venue}`).toBeGreaterThan(0);
    }
    expect(await count(page, '[data-testid="conn-row"]')).toBe(demo.gateway.status().connections.length);
    expect(status.symbols.length).toBeGreaterThan(0);

    const chart = '[data-testid="market-chart"]';
    await waitUntil(page, async () => Number(await attr(page, chart, 'data-bars')) >= 2, 'first 1 s bars', 20_000);
    const t1 = Number(await attr(page, chart, 'data-last-time'));
    const shot1 = await page.locator(chart).screenshot();
    await waitUntil(page, async () => Number(await attr(page, chart, 'data-last-time')) >= t1 + 2, 'the chart to advance two seconds', 15_000);
    expect(Buffer.compare(shot1, await page.locator(chart).screenshot()), 'chart pixels unchanged').not.toBe(0);
    expect(Number(await attr(page, chart, 'data-last-close'))).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="banner"]').isHidden()).toBe(true);
    expect(browser.pageErrors).toEqual([]);
    await browser.screenshot('gateway-healthy');
  }, 60_000);

  it('a half-open binance socket turns its row unhealthy, then reconnecting, then connected with the reconnect count up', async () => {
    const row = '[data-testid="conn-row"][data-venue="binance"]';
    await waitForAttr(page, row, 'data-healthy', 'true', 20_000);
    const before = Number(await attr(page, row, 'data-reconnects'));
    await recordRow(page, row);
    const admin = demo.simulator.urls.admin;
    const res = await fetch(`${admin}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'silent', venue: 'binance' }) });
    expect(res.status).toBe(201);
    try {
      await waitForAttr(page, row, 'data-healthy', 'false', 15_000);
      expect(await text(page, `${row} [data-testid="conn-health"]`)).toMatch(/✗ \S/);
      await waitUntil(page, async () => (await rowLog(page)).some((e) => e.startsWith('reconnecting|')), 'the row to show reconnecting', 20_000);
      // The other venue is untouched: the page says where the problem is.
      expect(await attr(page, '[data-testid="conn-row"][data-venue="bybit"]', 'data-healthy')).toBe('true');
      await waitUntil(page, async () => (await text(page, '[data-testid="alerts"]')).includes('binance'), 'an alert naming binance', 5_000);
      await browser.screenshot('gateway-half-open');
      // Someone who opens the page now sees what is wrong, and where, within a few seconds.
      const late = await browser.context.newPage();
      try {
        const opened = Date.now();
        await late.goto(`${demo.gateway.url}/`);
        await waitForAttr(late, row, 'data-healthy', 'false', 5_000);
        expect(await attr(late, '[data-testid="conn-row"][data-venue="bybit"]', 'data-healthy')).toBe('true');
        expect(Date.now() - opened).toBeLessThan(5_000);
      } finally {
        await late.close();
      }
    } finally {
      await fetch(`${admin}/faults`, { method: 'DELETE' });
    }
    await waitUntil(page, async () => (await attr(page, row, 'data-state')) === 'connected' && (await attr(page, row, 'data-healthy')) === 'true',
      'the row to be connected and healthy again', 30_000);
    const after = Number(await attr(page, row, 'data-reconnects'));
    expect(after).toBeGreaterThan(before);
    expect(await text(page, `${row} [data-testid="conn-reconnects"]`)).toBe(String(after));
    const log = await rowLog(page);
    const firstUnhealthy = log.findIndex((e) => e.split('|')[1] === 'false');
    const firstReconnecting = log.findIndex((e) => e.startsWith('reconnecting|'));
    // Seen on the page, in this order: unhealthy, reconnecting, connected and healthy again.
    expect(firstUnhealthy, `row log ${log.join(' → ')}`).toBeGreaterThanOrEqual(0);
    expect(firstReconnecting, `row log ${log.join(' → ')}`).toBeGreaterThanOrEqual(firstUnhealthy);
    expect(log[log.length - 1], `row log ${log.join(' → ')}`).toBe(`connected|true|${after}`);
    await browser.screenshot('gateway-recovered');
  }, 90_000);

  it.skipIf(!PG_UP)(`a PostgreSQL outage shows its sink spooling with a spool depth, and ok once the database is back${PG_UP ? '' : ` (skipped: nothing listens on 127.0.0.1:${PG_PORT}; start it with bash .ci/services.sh)`}`, async () => {
    const row = '[data-testid="sink-row"][data-sink^="postgres"]';
    await waitForAttr(page, row, 'data-state', 'ok', 20_000);
    await proxy.refuse();
    try {
      await waitForAttr(page, `${row} [data-testid="sink-state"]`, 'data-state', 'spooling', 30_000);
      await waitUntil(page, async () => Number(await attr(page, `${row} [data-testid="sink-spool"]`, 'data-rows')) > 0, 'spooled rows', 15_000);
      expect(await text(page, `${row} [data-testid="sink-state"]`)).toBe('spooling');
      // SQLite is not affected, and the alert strip names the sink.
      expect(await attr(page, '[data-testid="sink-row"][data-sink^="sqlite"]', 'data-state')).toBe('ok');
      expect(await text(page, '[data-testid="alerts"]')).toContain('spooling');
      await browser.screenshot('gateway-sink-spooling');
    } finally {
      await proxy.forward();
    }
    await waitForAttr(page, `${row} [data-testid="sink-state"]`, 'data-state', 'ok', 45_000);
  }, 120_000);

  it('says plainly that it lost the gateway when the gateway stops (runs last: it stops the gateway)', async () => {
    await waitForAttr(page, '[data-testid="link-state"]', 'data-state', 'open');
    await demo.gateway.stop();
    await waitForAttr(page, '[data-testid="banner"]', 'data-kind', 'lost', 15_000);
    expect(await text(page, '[data-testid="banner"]')).toMatch(/^Lost the gateway at .*Retrying in/);
    expect(await attr(page, '[data-testid="link-state"]', 'data-state')).toBe('reconnecting');
    expect(browser.pageErrors).toEqual([]);
    await browser.screenshot('gateway-stopped');
  }, 60_000);
});
