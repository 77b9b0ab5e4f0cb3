/**
 * N-tick candles: every N trades in arrival order make one candle ("t100"), keyed by
 * firstTradeId. Completed candles are kept in a ring buffer (bounded memory).
 */
import type { Candle } from '../model/aggregates.js';
import { OhlcvAcc, type ParsedTrade, type SymbolScales } from './ohlcv-acc.js';
import { candleOf } from './outputs.js';
import { RingBuffer } from './ring-buffer.js';
import { numericId } from './resume-seed.js';
import { ResumeCursor } from './resume-cursor.js';

export class TickCandleFold {
  private acc: OhlcvAcc | null = null;
  readonly interval: string;
  readonly recent: RingBuffer<Candle>;
  /** After a restart: trades already in stored candles are skipped; a stored partial is rebuilt. */
  readonly resume = new ResumeCursor();

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

  /**
   * Seed from the newest stored candle of this interval: a complete one is covered up to its last
   * trade id; a partial one (fewer trades) is rebuilt from its first trade on and re-emitted with
   * a higher revision. Returns the id after which this fold needs the stream, or null.
   */
  seed(last: Candle | null, firstStoredTradeId: string | null): number | null {
    if (last === null) return this.resume.rebuild(firstStoredTradeId, -1);
    if (last.tradeCount >= this.ticks) return this.resume.cover(numericId(last.lastTradeId));
    return this.resume.rebuild(last.firstTradeId, last.revision);
  }

  add(t: ParsedTrade): void {
    if (this.resume.skips(t.trade.seq)) return;
    let acc = this.acc;
    if (acc === null) {
      acc = this.acc = new OhlcvAcc(t.trade.eventTime, t.trade.eventTime, this.scales);
      acc.revision = this.resume.revisionFor(t.trade.tradeId);
    }
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
