/**
 * Per-account private stream end to end: listenKey created over REST, user stream opened with it,
 * account events decoded with the account id, listenKeyExpired renews the key and moves the socket
 * onto it without losing later events, and the key never reaches a log line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { startGateway, type Gateway } from '../../../src/gateway/index.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { MarketEvent } from '../../../src/model/events.js';

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let sim: Simulator | null = null;
let gw: Gateway | null = null;
let dir = '';
afterEach(async () => {
  await gw?.stop();
  await sim?.close();
  gw = null;
  sim = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('binance private user stream', () => {
  it('delivers account events, survives listenKeyExpired by renewing, and never logs the key', async () => {
    sim = await startSimulator({ port: 0, rate: 0, symbols: ['BTCUSDT'] });
    dir = mkdtempSync(join(tmpdir(), 'tickgate-private-'));
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug' }, new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }));
    const base = `127.0.0.1:${sim.port}`;
    const { config } = loadConfig({ cli: {
      venues: { binance: { enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`, symbols: ['BTCUSDT'], streams: ['trade'], accounts: [{ id: 'acct1', apiKey: 'api-key-secret-1' }] } },
      connection: { networkCheck: 'off', heartbeatIntervalMs: 1000, pingTimeoutMs: 1000, reconnectBaseDelayMs: 50, rotationOverlapMs: 200 },
      sinks: [`jsonl:${join(dir, 'out')}`], storage: { spoolDir: join(dir, 'spool') }, server: { enabled: false },
    } });
    gw = await startGateway(config, { logger });
    const events: MarketEvent[] = [];
    gw.addConsumer({ name: 'capture', policy: 'drop-oldest', filter: (e) => e.type === 'order_update' || e.type === 'balance_update', handler: (e) => { events.push(e); } });

    await until(() => gw!.manager.keys().includes('binance-user:acct1#0'), 10_000, 'user stream live');
    const firstKeys = sim.binanceUserEvent('executionReport');
    expect(firstKeys.length).toBe(1);
    await until(() => events.some((e) => e.type === 'order_update'), 5_000, 'first order update');
    const first = events.find((e) => e.type === 'order_update')!;
    expect(first.type === 'order_update' && first.account).toBe('acct1');

    // The venue expires the key: the gateway renews it and rotates onto the new one.
    sim.binanceUserEvent('listenKeyExpired', firstKeys[0]);
    const conn = gw.manager.get('binance-user:acct1#0')!;
    await until(() => conn.stats().rotations >= 1 && conn.state === 'connected', 10_000, 'user stream moved onto a renewed key');
    const delivered = sim.binanceUserEvent('executionReport');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).not.toBe(firstKeys[0]);
    await until(() => events.filter((e) => e.type === 'order_update').length >= 2, 5_000, 'order update on the renewed key');
    expect(lines.some((l) => l.includes('listen_key_renew'))).toBe(true);

    const text = lines.join('');
    for (const key of [firstKeys[0]!, delivered[0]!, 'api-key-secret-1']) expect(text).not.toContain(key);
    expect(JSON.stringify(gw.manager.details())).not.toContain(firstKeys[0]!);
  });
});
