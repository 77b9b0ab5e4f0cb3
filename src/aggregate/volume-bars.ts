/**
 * Volume bars ("v10"): trades in arrival order until the bar's volume reaches the threshold.
 * A trade is never split: the trade that crosses the threshold belongs wholly to the bar it
 * completes, so a bar's volume is >= the threshold (and trade ids stay atomic). The next bar
 * starts empty with the next trade.
 */
import type { Candle } from '../model/aggregates.js';
import { normalizeDecimal } from '../model/decimal.js';
import { parsed, parseScaled, upscale, type Scaled } from './exact.js';
import { OhlcvAcc, type ParsedTrade, type SymbolScales } from './ohlcv-acc.js';
import { candleOf } from './outputs.js';
import { RingBuffer } from './ring-buffer.js';
import { numericId } from './resume-seed.js';
import { ResumeCursor } from './resume-cursor.js';

export class VolumeBarFold {
  private acc: OhlcvAcc | null = null;
  private threshold: Scaled;
  private thresholdScale: number;
  readonly interval: string;
  readonly recent: RingBuffer<Candle>;
  /** After a restart: trades already in stored bars are skipped; a stored partial is rebuilt. */
  readonly resume = new ResumeCursor();

  constructor(
    private readonly venue: string,
    private readonly symbol: string,
    size: string,
    historyItems: number,
    private readonly scales: SymbolScales,
    private readonly sink: (c: Candle) => void,
  ) {
    this.threshold = parseScaled(size);
    this.thresholdScale = parsed.scale;
    if (this.threshold <= 0) throw new RangeError(`volume bar size must be > 0, got ${size}`);
    this.interval = `v${normalizeDecimal(size)}`;
    // The threshold's own decimals join the symbol's size scale so bars compare at one scale.
    if (this.thresholdScale > scales.sizeScale) scales.sizeScale = this.thresholdScale;
    this.recent = new RingBuffer<Candle>(historyItems);
  }

  /** Same as TickCandleFold.seed: complete when its volume reached the threshold. */
  seed(last: Candle | null, firstStoredTradeId: string | null): number | null {
    if (last === null) return this.resume.rebuild(firstStoredTradeId, -1);
    const v = parseScaled(last.volume);
    const vs = parsed.scale;
    const k = Math.max(vs, this.thresholdScale);
    const complete = BigInt(upscale(v, k - vs)) >= BigInt(upscale(this.threshold, k - this.thresholdScale));
    if (complete) return this.resume.cover(numericId(last.lastTradeId));
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
    if (acc.sizeScale !== this.thresholdScale) {
      // Only the symbol scale grows, and it started >= the threshold's scale.
      this.threshold = upscale(this.threshold, acc.sizeScale - this.thresholdScale);
      this.thresholdScale = acc.sizeScale;
    }
    const v = acc.volume;
    const reached = v.big === 0n ? v.small >= this.threshold : v.value() >= this.threshold;
    if (reached) {
      this.acc = null;
      const c = candleOf(acc.fields(this.venue, this.symbol), this.interval, 'volume', acc.startTime, t.trade.eventTime);
      this.recent.push(c);
      this.sink(c);
    }
  }
}
