/**
 * Recent events per (venue, symbol), bounded by count and age: what a collector re-publishes
 * when it takes a shard over, so the handover leaves no gap. Order within a symbol is kept.
 * With `tradesPastAge`, trades with a numeric id are bounded by count only: the taker skips those
 * the stream holds by id (TradeFloors), so their age does not matter, and a longer ring covers a
 * longer handover; other events are re-sent only within the age (the duplicate window drops them).
 */
import type { MarketEvent } from '../model/events.js';

export class StandbyRing {
  private readonly rings = new Map<string, MarketEvent[]>();
  /** Events dropped for the count bound (the age bound drops silently: they are deduped history). */
  evicted = 0;

  constructor(
    private readonly maxPerSymbol: number, private readonly maxAgeMs: number, private readonly now: () => number = Date.now,
    private readonly tradesPastAge = false,
  ) {}

  add(e: MarketEvent): void {
    const k = `${e.venue}|${e.symbol}`;
    let r = this.rings.get(k);
    if (!r) this.rings.set(k, (r = []));
    r.push(e);
    if (r.length > this.maxPerSymbol) {
      // Amortized: trim a tenth at once instead of shifting on every add.
      const cut = Math.max(1, this.maxPerSymbol >> 3);
      r.splice(0, cut);
      this.evicted += cut;
    }
  }

  /** The recent events of every symbol accepted by `pick`, each symbol in arrival order. */
  take(pick: (venue: string, symbol: string) => boolean): MarketEvent[] {
    const out: MarketEvent[] = [];
    const oldest = this.now() - this.maxAgeMs;
    for (const r of this.rings.values()) {
      if (r.length === 0 || !pick(r[0]!.venue, r[0]!.symbol)) continue;
      if (this.tradesPastAge) {
        const kept = r.filter((e) => e.receiveTime >= oldest || (e.type === 'trade' && e.seq !== null));
        if (kept.length !== r.length) r.splice(0, r.length, ...kept);
        out.push(...kept);
        continue;
      }
      let i = 0;
      while (i < r.length && r[i]!.receiveTime < oldest) i++;
      if (i > 0) r.splice(0, i);
      out.push(...r);
    }
    return out;
  }

  size(): number {
    let n = 0;
    for (const r of this.rings.values()) n += r.length;
    return n;
  }
}
