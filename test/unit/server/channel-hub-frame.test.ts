/**
 * The default frame encoding is built from a per-channel prefix (no envelope object per message):
 * its bytes must equal JSON.stringify of the whole envelope, for live and lazily replayed frames.
 */
import { describe, expect, it } from 'vitest';
import { ChannelHub, type Subscriber } from '../../../src/server/channel-hub.js';
import type { ServerMessage } from '../../../src/server/protocol.js';

class Recorder implements Subscriber {
  frames: Buffer[] = [];
  deliver(_c: string, _s: number, frame: Buffer): void { this.frames.push(frame); }
  sendControl(_m: ServerMessage): void {}
}

const trade = {
  type: 'trade', venue: 'binance', symbol: 'BTCUSDT', eventTime: 1723161255343, receiveTime: 1723161255345.25, tradeId: '3735683259',
  seq: 3735683259, price: '61837.63000000', size: '0.02000000', side: 'buy', source: 'trade',
};
const DATA: unknown[] = [
  trade, { ...trade, execType: undefined }, { q: 'a "quoted" \\ \u2028 é \u0001' }, [1, null, 'x'], 'text', 42, -0.5, null, true,
  { toJSON: () => ({ as: 'json' }) }, new Date(0), undefined, () => 1, { nested: { deep: [{ a: undefined, b: NaN }] } },
];

describe('ChannelHub default frame encoding', () => {
  for (const channel of ['trades.binance.BTCUSDT', 'book.binance.S12USDT', 'status']) {
    it(`equals JSON.stringify of the envelope on ${channel} (live and replayed)`, () => {
      const epoch = 1764621000123;
      const hub = new ChannelHub({ ringCapacityMessages: 64, initialEpoch: epoch });
      const live = new Recorder();
      hub.subscribe(channel, live);
      for (const d of DATA) hub.publish(channel, d);
      const want = DATA.map((data, i) => JSON.stringify({ type: 'data', channel, seq: i + 1, epoch, data }));
      expect(live.frames.map((f) => f.toString())).toEqual(want);

      // Published while nobody listens: kept unserialized, encoded on replay.
      const lazy = new ChannelHub({ ringCapacityMessages: 64, initialEpoch: epoch });
      for (const d of DATA) lazy.publish(channel, d);
      const resumer = new Recorder();
      lazy.subscribe(channel, resumer, { epoch, seq: 0 });
      expect(resumer.frames.map((f) => f.toString())).toEqual(want);
    });
  }

  it('a custom serializer still gets the whole envelope', () => {
    const seen: unknown[] = [];
    const hub = new ChannelHub({ ringCapacityMessages: 8, initialEpoch: 3, serializer: (m) => { seen.push(m); return 'x'; } });
    const r = new Recorder();
    hub.subscribe('status', r);
    hub.publish('status', { a: 1 });
    expect(seen).toEqual([{ type: 'data', channel: 'status', seq: 1, epoch: 3, data: { a: 1 } }]);
    expect(r.frames[0]!.toString()).toBe('x');
  });
});
