import { describe, expect, it } from 'vitest';
import { fnv1a32, shardOf, symbolsOfShards } from '../../../src/cluster/shards.js';
import { eventSubject, leaseKey, parseLeaseKey } from '../../../src/cluster/names.js';

describe('symbol -> shard mapping', () => {
  it('FNV-1a 32 matches the reference vectors', () => {
    // Published FNV-1a test vectors.
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('is deterministic, case-insensitive on the symbol, within range, and spreads 1,000 symbols over 16 shards', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 1_000; i++) {
      const s = `SYM${i}USDT`;
      const k = shardOf('binance', s, 16);
      expect(k).toBe(shardOf('binance', s.toLowerCase(), 16));
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThan(16);
      counts[k]!++;
    }
    // Each shard within ±40 % of the mean 62.5.
    expect(Math.min(...counts)).toBeGreaterThan(37);
    expect(Math.max(...counts)).toBeLessThan(88);
    expect(shardOf('binance', 'BTCUSDT', 1)).toBe(0);
    expect(() => shardOf('binance', 'BTCUSDT', 0)).toThrow(RangeError);
  });

  it('symbolsOfShards keeps the configured order', () => {
    const syms = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT'];
    const owned = new Set(syms.map((s) => shardOf('bybit', s, 4)).slice(0, 2));
    const expected = syms.filter((s) => owned.has(shardOf('bybit', s, 4)));
    expect(symbolsOfShards('bybit', syms, 4, owned)).toEqual(expected);
  });

  it('names: subjects have exactly 5 tokens even for odd symbols; lease keys round-trip', () => {
    expect(eventSubject('ns1', 'binance', 'BTC.USDT', 'trade')).toBe('ns1.events.binance.BTC_USDT.trade');
    expect(eventSubject('ns1', 'x y', '*', '>')).toBe('ns1.events.x_y._._');
    expect(parseLeaseKey(leaseKey(12, 1))).toEqual({ shard: 12, slot: 1 });
    expect(parseLeaseKey('other')).toBeNull();
  });
});
