/**
 * Last ticker state per symbol for Bybit linear/inverse `tickers`, which send a snapshot and then
 * deltas carrying only the fields that changed. Deltas are merged into the state so every emitted
 * quote is complete. A delta for a symbol without a snapshot is counted and dropped (the next
 * resubscribe/reconnect sends a snapshot: one decoder lives per connection). Bounded: beyond
 * `maxSymbols` new symbols are refused and counted.
 */
import type { Json } from '../fields.js';
import { venuesDefaults } from '../../config/defaults/venues.js';

export class TickerState {
  private readonly bySymbol = new Map<string, Json>();
  /** Deltas that arrived before any snapshot of their symbol. */
  deltasWithoutSnapshot = 0;
  /** Symbols refused because the map was full. */
  refusedSymbols = 0;

  constructor(private readonly maxSymbols: number = venuesDefaults.bybit.maxTickerSymbols) {}

  /** Applies a snapshot or delta; returns the merged full state, or null when there is none yet. */
  apply(symbol: string, type: string, data: Json): Json | null {
    if (type === 'snapshot') {
      if (!this.bySymbol.has(symbol) && this.bySymbol.size >= this.maxSymbols) {
        this.refusedSymbols++;
        return null;
      }
      const s = { ...data };
      this.bySymbol.set(symbol, s);
      return s;
    }
    const prev = this.bySymbol.get(symbol);
    if (prev === undefined) {
      this.deltasWithoutSnapshot++;
      return null;
    }
    for (const [k, v] of Object.entries(data)) if (v !== undefined && v !== null) prev[k] = v;
    return prev;
  }

  get size(): number {
    return this.bySymbol.size;
  }
}
