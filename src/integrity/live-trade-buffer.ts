/**
 * Live trades held while a backfill runs, by id, until the backfill reaches them (the live copy
 * wins over the fetched one). Bounded: a full buffer refuses newer trades, which the backfill
 * then refetches (it runs up to the newest live id seen). Tracks its peak size.
 */
import type { Trade } from '../model/events.js';

export class LiveTradeBuffer {
  private readonly byId = new Map<number, Trade>();
  /** Largest size reached. */
  peak = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  get(id: number): Trade | undefined {
    return this.byId.get(id);
  }

  /** Holds `t` under `id`, unless the buffer is full (then false: the trade is refetched later). */
  hold(id: number, t: Trade): boolean {
    if (this.byId.size >= this.max) return false;
    this.put(id, t);
    return true;
  }

  /** Holds `t` whatever the bound (the one trade that revealed a gap). */
  put(id: number, t: Trade): void {
    this.byId.set(id, t);
    if (this.byId.size > this.peak) this.peak = this.byId.size;
  }

  /** Removes and returns the trade held under `id`. */
  take(id: number): Trade | undefined {
    const t = this.byId.get(id);
    if (t !== undefined) this.byId.delete(id);
    return t;
  }

  /** Smallest id held, or undefined when empty. */
  min(): number | undefined {
    let min: number | undefined;
    for (const id of this.byId.keys()) if (min === undefined || id < min) min = id;
    return min;
  }

  clear(): void {
    this.byId.clear();
  }
}
