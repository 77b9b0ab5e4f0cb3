import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ListenKeyManager, type ListenKeyApi } from '../../../src/venues/binance/listen-key.js';
import { BinanceRestError } from '../../../src/venues/binance/rest.js';
import { createLogger } from '../../../src/observability/logger.js';

const KEY1 = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
const KEY2 = 'zzzz91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a2';

function capture(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const chunks: string[] = [];
  const dest = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
  return { logger: createLogger({ level: 'debug' }, dest), text: () => chunks.join('') };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ListenKeyManager', () => {
  it('creates a key, keeps it alive every 30 min, renews when the venue says it does not exist, and never logs it', async () => {
    vi.useFakeTimers();
    const keys = [KEY1, KEY2];
    const keepalives: string[] = [];
    const deleted: string[] = [];
    let rejectNext = false;
    const api: ListenKeyApi = {
      createListenKey: async () => keys.shift()!,
      keepAliveListenKey: async (k) => {
        keepalives.push(k);
        if (rejectNext) {
          rejectNext = false;
          // The REST error as BinanceRest builds it (url with the key in the query, redacted).
          throw new BinanceRestError('E_REST_HTTP', 'binance: PUT /api/v3/userDataStream answered 400 (-1125: This listenKey does not exist.)', { status: 400, url: `http://x/api/v3/userDataStream?listenKey=${k}`, venue: 'binance', retryable: false, venueCode: -1125 });
        }
      },
      deleteListenKey: async (k) => { deleted.push(k); },
    };
    const log = capture();
    const onKey = vi.fn();
    const m = new ListenKeyManager({ account: 'main', api, logger: log.logger, onKey });
    expect(await m.start()).toBe(KEY1);
    expect(m.current()).toBe(KEY1);
    await vi.advanceTimersByTimeAsync(30 * 60 * 1000 - 1);
    expect(keepalives).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(keepalives).toEqual([KEY1]);
    rejectNext = true;
    await vi.advanceTimersByTimeAsync(30 * 60 * 1000);
    expect(m.current()).toBe(KEY2);
    expect(onKey.mock.calls.map((c) => c[0])).toEqual([KEY1, KEY2]);
    await m.stop();
    expect(deleted).toEqual([KEY2]);
    expect(vi.getTimerCount()).toBe(0);
    const stats = JSON.stringify(m.stats());
    expect(m.stats()).toMatchObject({ created: 2, keepalives: 1, keepaliveFailures: 1, renewals: 1 });
    for (const k of [KEY1, KEY2]) {
      expect(log.text()).not.toContain(k);
      expect(stats).not.toContain(k);
    }
    expect(log.text()).toContain('"account":"main"');
    expect(log.text()).toContain('listen_key_keepalive_failed');
  });

  it('renew() on listenKeyExpired shares one create between concurrent callers', async () => {
    let n = 0;
    const api: ListenKeyApi = { createListenKey: async () => `${'k'.repeat(60)}${++n}`, keepAliveListenKey: async () => {}, deleteListenKey: async () => {} };
    const m = new ListenKeyManager({ account: 'a', api, timers: { setInterval: () => 1, clearInterval: () => {} } });
    await m.start();
    const [a, b] = await Promise.all([m.renew(), m.renew()]);
    expect(a).toBe(b);
    expect(n).toBe(2);
  });

  it('a failed create throws E_LISTEN_KEY naming the account, never the key or API secret', async () => {
    const api: ListenKeyApi = {
      createListenKey: async () => { throw new BinanceRestError('E_REST_HTTP', 'binance: POST /api/v3/userDataStream answered 401', { status: 401, url: 'http://x/api/v3/userDataStream', venue: 'binance', retryable: false }); },
      keepAliveListenKey: async () => {}, deleteListenKey: async () => {},
    };
    const log = capture();
    const m = new ListenKeyManager({ account: 'acct-7', api, logger: log.logger, timers: { setInterval: () => 1, clearInterval: () => {} } });
    const err = await m.start().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_LISTEN_KEY', context: { account: 'acct-7', status: 401 } });
    expect(() => m.current()).toThrow(/no listenKey yet/);
  });
});
