import { describe, expect, it } from 'vitest';
import { StandbyRing } from '../../../src/cluster/standby-ring.js';
import type { Trade } from '../../../src/model/events.js';

const t = (symbol: string, id: number, receiveTime: number): Trade => ({
  type: 'trade', venue: 'binance', symbol, eventTime: receiveTime, receiveTime, tradeId: `${id}`, seq: id, price: '1', size: '1', side: 'buy', source: 'trade',
});

describe('standby ring', () => {
  it('keeps each symbol in arrival order and hands out only the picked symbols', () => {
    const r = new StandbyRing(100, 60_000, () => 1_000);
    for (let i = 0; i < 10; i++) { r.add(t('A', i, 900)); r.add(t('B', i, 900)); }
    expect(r.take((_v, s) => s === 'B').map((e) => (e as Trade).seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.size()).toBe(20);
  });

  it('is bounded by count (oldest evicted, counted) and by age (older than maxAge not handed out)', () => {
    let now = 0;
    const r = new StandbyRing(16, 1_000, () => now);
    for (let i = 0; i < 40; i++) r.add(t('A', i, i * 100));
    expect(r.size()).toBeLessThanOrEqual(16);
    expect(r.evicted + r.size()).toBe(40);
    now = 4_000;
    const out = r.take(() => true).map((e) => (e as Trade).seq);
    // Only receive times >= 3,000 (ids 30..39) are within the age bound, still contiguous.
    expect(out).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
  });

  it('with tradesPastAge keeps id-bearing trades by count only, other events by age', () => {
    let now = 0;
    const r = new StandbyRing(100, 1_000, () => now, true);
    for (let i = 0; i < 5; i++) r.add(t('A', i, i * 100));
    r.add({ type: 'book_ticker', venue: 'binance', symbol: 'A', eventTime: 0, receiveTime: 0, bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1', updateId: 1 });
    r.add({ ...t('A', 0, 450), seq: null, tradeId: 'x' });
    now = 10_000;
    const out = r.take(() => true);
    expect(out.map((e) => (e.type === 'trade' ? e.seq : e.type))).toEqual([0, 1, 2, 3, 4]);
  });
});
