import { describe, expect, it } from 'vitest';
import { DepthMerge } from '../../../src/compat/binance/depth-merge.js';
import type { BookDelta, Level } from '../../../src/model/events.js';

const delta = (U: number, u: number, bids: Level[], asks: Level[] = []): BookDelta => ({
  type: 'book_delta', venue: 'binance', symbol: 'BTCUSDT', eventTime: u, receiveTime: u, firstUpdateId: U, lastUpdateId: u, prevUpdateId: null, seq: null, bids, asks,
});

describe('DepthMerge (1000 ms diff depth)', () => {
  it('merges a period into U of the first, u of the last and the last size per level', () => {
    const m = new DepthMerge();
    expect(m.add(delta(10, 12, [['100.00', '1.0'], ['99.00', '2.0']]))).toBeNull();
    expect(m.add(delta(13, 15, [['100.0', '0.00000000']], [['101.00', '3.0']]))).toBeNull();
    const b = m.take()!;
    expect([b.firstUpdateId, b.lastUpdateId, b.eventTime]).toEqual([10, 15, 15]);
    expect(b.bids).toEqual([['100.0', '0.00000000'], ['99.00', '2.0']]);
    expect(b.asks).toEqual([['101.00', '3.0']]);
    expect(m.take()).toBeNull();
  });

  it('never merges over a discontinuity: the batch before it is handed out first', () => {
    const m = new DepthMerge();
    m.add(delta(10, 12, [['100.00', '1.0']]));
    const before = m.add(delta(20, 22, [['100.00', '5.0']]))!;
    expect([before.firstUpdateId, before.lastUpdateId]).toEqual([10, 12]);
    expect(before.bids).toEqual([['100.00', '1.0']]);
    const after = m.take()!;
    expect([after.firstUpdateId, after.lastUpdateId]).toEqual([20, 22]);
  });
});
