import { describe, expect, it } from 'vitest';
import { channelVenue, isConflatable, parseChannel, servedChannels } from '../../../src/server/channels.js';
import { ChannelError } from '../../../src/server/errors.js';

describe('channels', () => {
  it('parses every channel kind into its parts', () => {
    expect(parseChannel('trades.binance.BTCUSDT')).toEqual({ kind: 'trades', name: 'trades.binance.BTCUSDT', venue: 'binance', symbol: 'BTCUSDT' });
    expect(parseChannel('candles.100t.bybit.ETHUSDT')).toMatchObject({ kind: 'candles', interval: '100t', venue: 'bybit', symbol: 'ETHUSDT' });
    expect(parseChannel('snapshots.1s.binance.BTCUSDT')).toMatchObject({ kind: 'snapshots', interval: '1s', venue: 'binance' });
    expect(parseChannel('book.binance.BTCUSDT')).toMatchObject({ kind: 'book', symbol: 'BTCUSDT' });
    expect(parseChannel('status')).toEqual({ kind: 'status', name: 'status' });
  });

  it.each([
    'trades.binance', 'trades.binance.BTC.USDT', 'trades..BTCUSDT', 'snapshots.5s.binance.BTCUSDT', 'orders.binance.BTCUSDT',
    'trades.bin ance.BTCUSDT', 'status.x', '', 'trades.binance.BTC/USDT', `trades.binance.${'A'.repeat(65)}`,
  ])('refuses malformed channel %j with a ChannelError naming it', (name) => {
    expect(() => parseChannel(name)).toThrow(ChannelError);
  });

  it('refuses non-strings', () => {
    expect(() => parseChannel(42)).toThrow(/non-empty string/);
  });

  it('conflates only full-state channels (snapshots, book, status), never trades or candles', () => {
    expect(isConflatable('snapshots.1s.binance.BTCUSDT')).toBe(true);
    expect(isConflatable('book.binance.BTCUSDT')).toBe(true);
    expect(isConflatable('status')).toBe(true);
    expect(isConflatable('trades.binance.BTCUSDT')).toBe(false);
    expect(isConflatable('candles.1m.binance.BTCUSDT')).toBe(false);
  });

  it('names the venue a channel depends on', () => {
    expect(channelVenue('candles.1m.bybit.BTCUSDT')).toBe('bybit');
    expect(channelVenue('status')).toBeNull();
  });

  it('servedChannels allows status and the configured venue/symbol pairs of every kind, and says why not otherwise', () => {
    let reads = 0;
    const allow = servedChannels(() => { reads++; return [{ venue: 'binance', symbols: ['BTCUSDT'] }, { venue: 'bybit', symbols: ['ETHUSDT'] }]; });
    expect(allow(parseChannel('status'))).toBeNull();
    expect(allow(parseChannel('candles.1m.binance.BTCUSDT'))).toBeNull();
    expect(allow(parseChannel('book.bybit.ETHUSDT'))).toBeNull();
    expect(allow(parseChannel('trades.bybit.BTCUSDT'))).toBe('symbol "BTCUSDT" is not configured for venue "bybit"');
    expect(allow(parseChannel('snapshots.1s.kraken.BTCUSDT'))).toBe('venue "kraken" is not configured (served: binance, bybit)');
    expect(reads).toBe(1);
  });
});
