/**
 * One running Binance kline of a symbol and interval, folded from trades with exact sums. A quiet
 * interval still closes on the clock (tick), and the next kline opens at the last close with
 * n=0, as Binance's stream does.
 */
import type { Trade } from '../../model/events.js';
import { mul8, print8, to8 } from './decimal8.js';

export class KlineState {
  openMs = -1;
  private o = 0n;
  private h = 0n;
  private l = 0n;
  private c = 0n;
  private v = 0n;
  private q = 0n;
  private tv = 0n;
  private tq = 0n;
  private n = 0;
  private first = -1;
  private last = -1;
  /** Changed since the last update frame. */
  dirty = false;

  constructor(readonly symbol: string, readonly interval: string, readonly lengthMs: number) {}

  /** Folds a trade; returns the closed kline's frame when the trade opened a new interval. */
  add(t: Trade, nowMs: number): string | null {
    const start = t.eventTime - (t.eventTime % this.lengthMs);
    if (start < this.openMs) return null; // older than the running kline: it was closed already
    let closed: string | null = null;
    if (this.openMs >= 0 && start > this.openMs) closed = this.close(nowMs, start);
    if (this.openMs < 0) this.open(start, 0n);
    const p = to8(t.price);
    const s = to8(t.size);
    const quote = mul8(t.price, t.size);
    if (this.n === 0) {
      this.o = this.h = this.l = p;
      this.first = t.seq ?? -1;
    }
    if (p > this.h) this.h = p;
    if (p < this.l) this.l = p;
    this.c = p;
    this.v += s;
    this.q += quote;
    if (t.side === 'buy') {
      this.tv += s;
      this.tq += quote;
    }
    this.n++;
    this.last = t.seq ?? -1;
    this.dirty = true;
    return closed;
  }

  /** Closes the running kline when the clock passed its end; returns its final frame. */
  tick(nowMs: number): string | null {
    if (this.openMs < 0 || nowMs < this.openMs + this.lengthMs) return null;
    return this.close(nowMs, nowMs - (nowMs % this.lengthMs));
  }

  private close(nowMs: number, nextStart: number): string {
    const text = this.frame(nowMs, true);
    this.open(nextStart, this.c);
    return text;
  }

  private open(start: number, price: bigint): void {
    this.openMs = start;
    this.o = this.h = this.l = this.c = price;
    this.v = this.q = this.tv = this.tq = 0n;
    this.n = 0;
    this.first = this.last = -1;
    this.dirty = true;
  }

  get started(): boolean {
    return this.openMs >= 0;
  }

  /** The stream frame `{"e":"kline",...}`. */
  frame(nowMs: number, closed: boolean): string {
    this.dirty = false;
    const s = this.symbol;
    return `{"e":"kline","E":${nowMs},"s":"${s}","k":{"t":${this.openMs},"T":${this.openMs + this.lengthMs - 1},"s":"${s}","i":"${this.interval}","f":${this.first},"L":${this.last},"o":"${print8(this.o)}","c":"${print8(this.c)}","h":"${print8(this.h)}","l":"${print8(this.l)}","v":"${print8(this.v)}","n":${this.n},"x":${closed},"q":"${print8(this.q)}","V":"${print8(this.tv)}","Q":"${print8(this.tq)}","B":"0"}}`;
  }

  /** The REST /klines row of the running kline. */
  restRow(): string {
    return `[${this.openMs},"${print8(this.o)}","${print8(this.h)}","${print8(this.l)}","${print8(this.c)}","${print8(this.v)}",${this.openMs + this.lengthMs - 1},"${print8(this.q)}",${this.n},"${print8(this.tv)}","${print8(this.tq)}","0"]`;
  }
}
