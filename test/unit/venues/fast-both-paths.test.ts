/**
 * Every Binance decoder test runs on both paths: this file re-runs the existing decoder test files
 * with the paths swapped: decodeBinanceFrame (the full JSON.parse decoder there) tries the fast
 * path first, and BinanceDecoder's default (fast path on) is turned off.
 */
import { describe, expect, it, vi } from 'vitest';
import { BinanceDecoder, decodeBinanceFrame } from '../../../src/venues/binance/decode.js';

vi.mock('../../../src/venues/binance/decode.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../../src/venues/binance/decode.js')>();
  const { BinanceFastScanner } = await import('../../../src/venues/binance/fast-frames.js');
  const scanner = new BinanceFastScanner();
  class SwappedDecoder extends m.BinanceDecoder {
    constructor(opts: ConstructorParameters<typeof m.BinanceDecoder>[0] = {}) {
      super({ ...opts, fastPath: !(opts.fastPath ?? true) });
    }
  }
  const fastFirst: typeof m.decodeBinanceFrame = (frame, rt, venue = 'binance', account, max) =>
    (frame.length <= (max ?? Infinity) ? scanner.decode(frame, rt, venue) : null) ?? m.decodeBinanceFrame(frame, rt, venue, account, max);
  return { ...m, BinanceDecoder: SwappedDecoder, decodeBinanceFrame: fastFirst };
});

await import('./binance-decode.test.js');
await import('./binance-futures-decode.test.js');
await import('./malformed.test.js');

describe('paths swapped', () => {
  it('the default decoder here takes the full path and decodeBinanceFrame the fast one', () => {
    const d = new BinanceDecoder();
    d.decode('{"u":1,"s":"X","b":"1","B":"1","a":"1","A":"1"}', 0);
    expect(d.fastPathStats()).toEqual({ fast: 0, fallback: 0 });
    expect(decodeBinanceFrame('{"u":1,"s":"X","b":"1","B":"1","a":"1","A":"1"}', 0).events).toHaveLength(1);
  });
});
