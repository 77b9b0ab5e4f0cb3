/** The fast-path switch: on by default, off per venue from config (venues.binance.fastPath, venues.binanceFutures.fastPath, venues.bybit.fastPath), in a live feed and in a replay. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { feedsFromConfig } from '../../../src/gateway/feeds-from-config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { DEFAULT_DECODE_FAST_PATH } from '../../../src/config/defaults/venues.js';
import type { BinanceDecoder } from '../../../src/venues/binance/decode.js';
import type { BybitDecoder } from '../../../src/venues/bybit/decode.js';
import { replayRecording } from '../../../src/gateway/replay.js';
import { replayFastPath } from '../../../src/cli/replay-command.js';
import { BINANCE_DEPTH_SNAPSHOT, BINANCE_FRAMES } from '../../helpers/recorded-data.js';

const TRADE = '{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}';
const BYBIT_TRADE = '{"topic":"publicTrade.BTCUSDT","ts":1739502303204,"type":"snapshot","data":[{"i":"2290000000653460017","T":1739502303201,"p":"96403.6","v":"0.000124","S":"Buy","s":"BTCUSDT","BT":false}]}';
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

  it('Bybit: on by default, off from venues.bybit.fastPath, with the same events', () => {
    const bybit = (extra: Record<string, unknown>): BybitDecoder => decoderOf({ bybit: { enabled: true, symbols: ['BTCUSDT'], ...extra } }) as unknown as BybitDecoder;
    const on = bybit({});
    const off = bybit({ fastPath: false });
    expect(on.decode(BYBIT_TRADE, 1)).toStrictEqual(off.decode(BYBIT_TRADE, 1));
    expect(on.fastPathStats()).toEqual({ fast: 1, fallback: 0 });
    expect(off.fastPathStats()).toEqual({ fast: 0, fallback: 0 });
  });
});

describe('fast path switch in a replay', () => {
  it('replayFastPath reads venues.<venue>.fastPath (replay honours the switch like a live run)', () => {
    const off = configSchema.parse({ venues: { binance: { fastPath: false }, binanceFutures: { fastPath: false }, bybit: { fastPath: false } } });
    const on = configSchema.parse({});
    for (const venue of ['binance', 'binance-futures', 'bybit']) {
      expect(replayFastPath(off, venue)).toBe(false);
      expect(replayFastPath(on, venue)).toBe(true);
    }
    expect(replayFastPath(on, 'equities')).toBeUndefined();
  });

  it('a replay of the recorded file gives the same summary on both paths; on, every frame takes the fast path', async () => {
    const run = (fastPath: boolean): ReturnType<typeof replayRecording> =>
      replayRecording({ file: BINANCE_FRAMES, venue: 'binance', snapshotFile: BINANCE_DEPTH_SNAPSHOT, fastPath, aggregate: { tickCandleTicks: 100, timeCandleIntervalsMs: [1_000, 60_000] } });
    const on = await run(true);
    const off = await run(false);
    expect(on.fastPath).toEqual({ fast: 41_248, fallback: 0 });
    expect(off.fastPath).toEqual({ fast: 0, fallback: 0 });
    expect({ ...on, fastPath: null }).toEqual({ ...off, fastPath: null });
    // Independent ground truth: the recording's README counts.
    expect(on.frames).toBe(41_248);
    expect(on.trades).toBe(9_757);
    expect(on.gapsDetected).toBe(0);
  }, 60_000);
});
