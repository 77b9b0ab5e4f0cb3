/**
 * N-tick candles: every N trades in arrival order make one candle ("t100"), keyed by
 * firstTradeId. Completed candles are kept in a ring buffer (bounded memory).
 */
import type { Candle } from '../model/aggregates.js';
import { OhlcvAcc, type ParsedTrade, type SymbolScales } from './ohlcv-acc.js';
import { candleOf } from './outputs.js';
import { RingBuffer } from './ring-buffer.js';

export class TickCandleFold {
  private acc: OhlcvAcc | null = null;
  readonly interval: string;
  readonly recent: RingBuffer<Candle>;

  constructor(
    private readonly venue: string,
    private readonly symbol: string,
    private readonly ticks: number,
    historyItems: number,
    private readonly scales: SymbolScales,
    private readonly sink: (c: Candle) => void,
  ) {
    if (!Number.isInteger(ticks) || ticks < 1) throw new RangeError(`tick candle size must be a positive integer, got ${ticks}`);
    this.interval = `t${ticks}`;
    this.recent = new RingBuffer<Candle>(historyItems);
  }

  add(t: ParsedTrade): void {
    let acc = this.acc;
    if (acc === null) acc = this.acc = new OhlcvAcc(t.trade.eventTime, t.trade.eventTime, this.scales);
    acc.addNext(t);
    if (acc.count === this.ticks) {
      this.acc = null;
      this.emit(acc, t.trade.eventTime);
    }
  }

  /** Trades in the candle being built. */
  get pending(): number {
    return this.acc?.count ?? 0;
  }

  private emit(acc: OhlcvAcc, endTime: number): void {
    const c = candleOf(acc.fields(this.venue, this.symbol), this.interval, 'tick', acc.startTime, endTime);
    this.recent.push(c);
    this.sink(c);
  }
}
