/** Ground-truth event lists for the bus tests: trades and book deltas of several symbols, interleaved. */
import type { BookDelta, MarketEvent, Trade } from '../../../src/model/events.js';

export function makeEvents(n: number, symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT'], venue = 'binance'): MarketEvent[] {
  const out: MarketEvent[] = [];
  const next = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const symbol = symbols[i % symbols.length]!;
    const k = next.get(symbol) ?? 1_000;
    next.set(symbol, k + 1);
    const t = 1_764_000_000_000 + i;
    if (i % 5 === 4) {
      const d: BookDelta = { type: 'book_delta', venue, symbol, eventTime: t, receiveTime: t + 1, firstUpdateId: k * 10, lastUpdateId: k * 10 + 3, prevUpdateId: null, seq: null, bids: [[`${100 + (i % 7)}.10`, `${i % 3}.5`]], asks: [[`${101 + (i % 7)}.20`, '0']] };
      out.push(d);
    } else {
      const tr: Trade = { type: 'trade', venue, symbol, eventTime: t, receiveTime: t + 2, tradeId: `${k}`, seq: k, price: `${(60_000 + (i % 997)).toString()}.${String(i % 100).padStart(2, '0')}`, size: `0.${String(i % 1000).padStart(3, '0')}`, side: i % 2 ? 'buy' : 'sell', source: 'trade' };
      out.push(tr);
    }
  }
  return out;
}

/** Events grouped by (venue, symbol, type), each group in its list order. */
export function perSubject(events: readonly MarketEvent[]): Map<string, MarketEvent[]> {
  const m = new Map<string, MarketEvent[]>();
  for (const e of events) {
    const k = `${e.venue}|${e.symbol}|${e.type}`;
    let g = m.get(k);
    if (!g) m.set(k, (g = []));
    g.push(e);
  }
  return m;
}
