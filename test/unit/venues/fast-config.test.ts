/** The fast-path switch: on by default, off per venue from config (venues.binance.fastPath, venues.binanceFutures.fastPath). */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { feedsFromConfig } from '../../../src/gateway/feeds-from-config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { DEFAULT_DECODE_FAST_PATH } from '../../../src/config/defaults/venues.js';
import type { BinanceDecoder } from '../../../src/venues/binance/decode.js';

const TRADE = '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}';
const AGG = '{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1","q":"1","f":1,"l":1,"T":1,"m":false}';

function decoderOf(venues: Record<string, unknown>): BinanceDecoder {
  const [f] = feedsFromConfig(configSchema.parse({ venues }), silentLogger());
  return f!.decoder() as BinanceDecoder;
}

describe('fast path switch', () => {
  it('is on by default for spot and USD-M', () => {
    expect(DEFAULT_DECODE_FAST_PATH).toBe(true);
    const spot = decoderOf({ binance: { enabled: true, symbols: ['BTCUSDT'] } });
    spot.decode(TRADE, 1);
    expect(spot.fastPathStats()).toEqual({ fast: 1, fallback: 0 });
    const usdm = decoderOf({ binanceFutures: { enabled: true, symbols: ['BTCUSDT'] } });
    expect(usdm.decode(AGG, 1).events[0]).toMatchObject({ venue: 'binance-futures', tradeId: '1' });
    expect(usdm.fastPathStats()).toEqual({ fast: 1, fallback: 0 });
  });

  it('turned off, every frame goes through JSON.parse with the same events', () => {
    const off = decoderOf({ binance: { enabled: true, symbols: ['BTCUSDT'], fastPath: false } });
    const on = decoderOf({ binance: { enabled: true, symbols: ['BTCUSDT'] } });
    expect(off.decode(TRADE, 1)).toStrictEqual(on.decode(TRADE, 1));
    expect(off.fastPathStats()).toEqual({ fast: 0, fallback: 0 });
    const usdmOff = decoderOf({ binanceFutures: { enabled: true, symbols: ['BTCUSDT'], fastPath: false } });
    usdmOff.decode(AGG, 1);
    expect(usdmOff.fastPathStats()).toEqual({ fast: 0, fallback: 0 });
  });
});
