/**
 * The 24 h rolling windows of every symbol the endpoint tracks (rolling24h.ts), beside
 * MarketState: one per symbol MarketState admitted, so the count is bounded by its maxSymbols.
 */
import { Rolling24h } from './rolling24h.js';

export class TickerState {
  private readonly windows = new Map<string, Rolling24h>();

  get(symbol: string): Rolling24h | undefined {
    return this.windows.get(symbol);
  }

  /** The symbol's window, created on its first trade (callers pass only admitted symbols). */
  of(symbol: string): Rolling24h {
    let r = this.windows.get(symbol);
    if (r === undefined) this.windows.set(symbol, (r = new Rolling24h()));
    return r;
  }

  entries(): IterableIterator<[string, Rolling24h]> {
    return this.windows.entries();
  }

  get size(): number {
    return this.windows.size;
  }
}
