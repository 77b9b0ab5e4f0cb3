import { describe, expect, it } from 'vitest';
import { binanceProtocol, binanceStream, binanceUserStreamProtocol, classifyBinanceFrame } from '../../../src/venues/binance/rules.js';
import { bybitProtocol, bybitTopic, classifyBybitFrame } from '../../../src/venues/bybit/rules.js';
import { classifyEquitiesFrame, equitiesProtocol } from '../../../src/venues/equities/rules.js';
import { retryAfterMs } from '../../../src/venues/close-policy.js';
import { redactUrl } from '../../../src/observability/logger.js';

const ids = (): (() => string) => {
  let n = 0;
  return () => String(++n);
};

describe('Binance rules', () => {
  it('takes its base URL from config: real venue by default, simulator by one setting', () => {
    expect(binanceProtocol().url(['btcusdt@trade'])).toBe('wss://stream.binance.com:9443/stream');
    expect(binanceProtocol({ wsBaseUrl: 'ws://127.0.0.1:4000/binance' }).url([])).toBe('ws://127.0.0.1:4000/binance/stream');
    expect(binanceProtocol({ wsBaseUrl: 'ws://127.0.0.1:4000/binance/', streamsInUrl: true }).url(['a@trade', 'b@trade'])).toBe('ws://127.0.0.1:4000/binance/stream?streams=a@trade/b@trade');
  });

  it('frames SUBSCRIBE/UNSUBSCRIBE with numeric ids and splits large stream lists', () => {
    const p = binanceProtocol({ streamsPerRequest: 2 });
    const reqs = p.subscribe([binanceStream('BTCUSDT', 'trade'), binanceStream('BTCUSDT', 'depth@100ms'), 'ethusdt@aggTrade'], ids());
    expect(reqs.map((r) => JSON.parse(r.payload))).toEqual([
      { method: 'SUBSCRIBE', params: ['btcusdt@trade', 'btcusdt@depth@100ms'], id: 1 },
      { method: 'SUBSCRIBE', params: ['ethusdt@aggTrade'], id: 2 },
    ]);
    expect(reqs[1]).toMatchObject({ id: '2', streams: ['ethusdt@aggTrade'] });
    expect(JSON.parse(p.unsubscribe(['x@trade'], () => 'abc')[0]!.payload)).toEqual({ method: 'UNSUBSCRIBE', params: ['x@trade'], id: 'abc' });
  });

  it('declares its limits: 5 msgs/s, 1024 streams, 24 h lifetime, no app ping', () => {
    const p = binanceProtocol();
    expect(p.limits).toEqual({ maxStreamsPerConnection: 1024, maxMessagesPerSecond: 5, connectionLifetimeMs: 86_400_000 });
    expect(p.appPing).toBeUndefined();
  });

  it('classifies data, acks, refusals and listenKeyExpired', () => {
    expect(classifyBinanceFrame('{"stream":"btcusdt@trade","data":{}}')).toEqual({ kind: 'data', stream: 'btcusdt@trade' });
    expect(classifyBinanceFrame('{"result":null,"id":12}')).toEqual({ kind: 'ack', id: '12', ok: true });
    expect(classifyBinanceFrame('{"result":["btcusdt@trade"],"id":13}')).toEqual({ kind: 'ack', id: '13', ok: true });
    expect(classifyBinanceFrame('{"code":2,"msg":"Invalid request","id":14}')).toEqual({ kind: 'ack', id: '14', ok: false, error: '2: Invalid request' });
    expect(classifyBinanceFrame('{"e":"listenKeyExpired","E":1,"listenKey":"k"}')).toEqual({ kind: 'error', error: 'listenKeyExpired', fatal: false });
    expect(classifyBinanceFrame('{"e":"trade","s":"X"}')).toEqual({ kind: 'data' });
  });

  it('close policy: bad credentials/unknown symbol fatal, 1008 rate limited, others transient', () => {
    const p = binanceProtocol({ rateLimitBackoffMs: 30_000 });
    expect(p.closePolicy(1008, 'Too many requests')).toMatchObject({ action: 'rate_limited', retryAfterMs: 30_000 });
    expect(p.closePolicy(1000, 'Invalid symbol')).toMatchObject({ action: 'fatal' });
    expect(p.closePolicy(1006, '')).toMatchObject({ action: 'transient' });
    expect(p.closePolicy(1001, 'going away')).toMatchObject({ action: 'transient' });
  });

  it('upgrade policy honours Retry-After on 429/418 and stops on 401', () => {
    const p = binanceProtocol();
    expect(p.upgradePolicy!(429, { 'retry-after': '7' })).toMatchObject({ action: 'rate_limited', retryAfterMs: 7000 });
    expect(p.upgradePolicy!(418, { 'retry-after': '120' })).toMatchObject({ action: 'rate_limited', retryAfterMs: 120_000 });
    expect(p.upgradePolicy!(401, {})).toMatchObject({ action: 'fatal' });
    expect(p.upgradePolicy!(503, {})).toMatchObject({ action: 'transient' });
  });

  it('user stream: URL carries the current listenKey, a rejected key triggers renewal, redactUrl hides it', () => {
    let key = 'A'.repeat(60);
    let rejected = 0;
    const p = binanceUserStreamProtocol({ wsBaseUrl: 'ws://127.0.0.1:1/binance', listenKey: () => key, onListenKeyRejected: () => rejected++ });
    expect(p.url([])).toBe(`ws://127.0.0.1:1/binance/ws/${key}`);
    expect(redactUrl(p.url([]))).not.toContain(key);
    key = 'B'.repeat(60);
    expect(p.url([])).toContain(key);
    expect(p.upgradePolicy!(400, {})).toMatchObject({ action: 'transient' });
    p.classify('{"e":"listenKeyExpired","E":1,"listenKey":"x"}');
    expect(rejected).toBe(2);
    expect(p.subscribe(['x'], ids())).toEqual([]);
  });
});

describe('Bybit rules', () => {
  it('builds the category URL and batches subscribe args by 10 with req_id', () => {
    const p = bybitProtocol({ wsBaseUrl: 'ws://127.0.0.1:9/bybit' });
    expect(p.url([])).toBe('ws://127.0.0.1:9/bybit/v5/public/spot');
    const topics = Array.from({ length: 12 }, (_, i) => bybitTopic(`S${i}USDT`, 'publicTrade'));
    const reqs = p.subscribe(topics, ids());
    expect(reqs).toHaveLength(2);
    expect(JSON.parse(reqs[0]!.payload)).toEqual({ req_id: '1', op: 'subscribe', args: topics.slice(0, 10) });
    expect(reqs[1]!.streams).toEqual(topics.slice(10));
  });

  it('pings with {"op":"ping"} every 20 s', () => {
    const p = bybitProtocol();
    expect(p.appPing!.intervalMs).toBe(20_000);
    expect(JSON.parse(p.appPing!.message())).toEqual({ op: 'ping' });
  });

  it('classifies pongs, acks and data', () => {
    expect(classifyBybitFrame('{"success":true,"ret_msg":"pong","conn_id":"c","req_id":"","op":"ping"}')).toEqual({ kind: 'pong' });
    expect(classifyBybitFrame('{"success":true,"ret_msg":"","conn_id":"c","req_id":"5","op":"subscribe"}')).toEqual({ kind: 'ack', id: '5', ok: true });
    expect(classifyBybitFrame('{"success":false,"ret_msg":"Invalid symbol :[x]","conn_id":"c","req_id":"6","op":"subscribe"}')).toMatchObject({ kind: 'ack', id: '6', ok: false });
    expect(classifyBybitFrame('{"topic":"publicTrade.BTCUSDT","ts":1,"data":[]}')).toEqual({ kind: 'data', stream: 'publicTrade.BTCUSDT' });
  });

  it('treats 403 upgrades as an IP rate limit and 1008 closes as rate limited', () => {
    const p = bybitProtocol({ rateLimitBackoffMs: 10 });
    expect(p.upgradePolicy!(403, {})).toMatchObject({ action: 'rate_limited', retryAfterMs: 10 });
    expect(p.closePolicy(1008, '')).toMatchObject({ action: 'rate_limited' });
    expect(p.closePolicy(1006, '')).toMatchObject({ action: 'transient' });
  });
});

describe('equities rules', () => {
  it('puts the token in the URL (redacted in logs) and subscribes by symbol list', () => {
    const p = equitiesProtocol({ wsBaseUrl: 'ws://127.0.0.1:9/equities', path: '/ws', apiToken: 'sekret-token-123' });
    expect(p.url([])).toBe('ws://127.0.0.1:9/equities/ws?api_token=sekret-token-123');
    expect(redactUrl(p.url([]))).not.toContain('sekret');
    expect(JSON.parse(p.subscribe(['aapl', 'MSFT'], ids())[0]!.payload)).toEqual({ action: 'subscribe', symbols: 'AAPL,MSFT' });
    expect(p.appPing).toBeUndefined();
  });

  it('classifies status frames: 200 ignored, 401 fatal; bad token close is fatal', () => {
    expect(classifyEquitiesFrame('{"status_code":200,"message":"Authorized"}')).toEqual({ kind: 'ignore' });
    expect(classifyEquitiesFrame('{"status_code":401,"message":"Unauthorized"}')).toMatchObject({ kind: 'error', fatal: true });
    expect(classifyEquitiesFrame('{"s":"AAPL","p":1,"v":1,"ms":1}')).toEqual({ kind: 'data', stream: 'AAPL' });
    const p = equitiesProtocol({ apiToken: 't' });
    expect(p.closePolicy(1008, 'Unauthorized')).toMatchObject({ action: 'fatal' });
    expect(p.closePolicy(1006, '')).toMatchObject({ action: 'transient' });
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, falls back when absent', () => {
    expect(retryAfterMs({ 'retry-after': '2' }, 99)).toBe(2000);
    expect(retryAfterMs({}, 99)).toBe(99);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 99, 4_000)).toBe(6000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, 99)).toBe(99);
  });
});
