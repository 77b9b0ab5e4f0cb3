/**
 * Every Bybit decoder test runs on both paths: this file re-runs the Bybit decoder test files with
 * the paths swapped: decodeBybitFrame (the full JSON.parse decoder there) tries the fast path
 * first, and BybitDecoder's default (fast path on) is turned off.
 */
import { describe, expect, it, vi } from 'vitest';
import { BybitDecoder, decodeBybitFrame } from '../../../src/venues/bybit/decode.js';

vi.mock('../../../src/venues/bybit/decode.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../../src/venues/bybit/decode.js')>();
  const { BybitFastScanner } = await import('../../../src/venues/bybit/fast-frames.js');
  const scanner = new BybitFastScanner();
  class SwappedDecoder extends m.BybitDecoder {
    constructor(opts: ConstructorParameters<typeof m.BybitDecoder>[0] = {}) {
      super({ ...opts, fastPath: !(opts.fastPath ?? true) });
    }
  }
  const fastFirst: typeof m.decodeBybitFrame = (frame, rt, venue = 'bybit', max, tickers) =>
    (frame.length <= (max ?? Infinity) ? scanner.decode(frame, rt, venue) : null) ?? m.decodeBybitFrame(frame, rt, venue, max, tickers);
  return { ...m, BybitDecoder: SwappedDecoder, decodeBybitFrame: fastFirst };
});

await import('./bybit-decode.test.js');
await import('./bybit-linear-decode.test.js');
await import('./malformed.test.js');

describe('Bybit paths swapped', () => {
  it('the default decoder here takes the full path and decodeBybitFrame the fast one', () => {
    const frame = '{"topic":"publicTrade.X","type":"snapshot","ts":1,"data":[{"T":1,"s":"X","S":"Buy","v":"1","p":"2","i":"a"}]}';
    const d = new BybitDecoder();
    expect(d.decode(frame, 0).events).toHaveLength(1);
    expect(d.fastPathStats()).toEqual({ fast: 0, fallback: 0 });
    expect(decodeBybitFrame(frame, 0).events).toHaveLength(1);
  });
});
