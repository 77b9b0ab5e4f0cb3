/**
 * Recent events per (venue, symbol), bounded by count and age: what a collector re-publishes
 * when it takes a shard over, so the handover leaves no gap. Order within a symbol is kept.
 */
import type { MarketEvent } from '../model/events.js';

export class StandbyRing {
  private readonly rings = new Map<string, MarketEvent[]>();
  /** Events dropped for the count bound (the age bound drops silently: they are deduped history). */
  evicted = 0;

  constructor(private readonly maxPerSymbol: number, private readonly maxAgeMs: number, private readonly now: () => number = Date.now) {}

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
