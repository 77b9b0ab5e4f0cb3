/** Bounded columnar history of one symbol's depth events (ground truth), like trade-ring.ts. */
import { ColumnRing } from './trade-ring.js';

export const C_FIRST = 0;
export const C_LAST = 1;
/** NaN = none. */
export const C_PREV = 2;
export const C_TIME = 3;
export const C_PUB = 4;

export class DepthRing {
  private readonly ring: ColumnRing;

  constructor(cap: number) {
    this.ring = new ColumnRing(5, cap);
  }

  get size(): number {
    return this.ring.size;
  }

  record(u: { firstId: number; lastId: number; prevLastId: number | null; timeMs: number; published: number }): void {
    const p = this.ring.next();
    const c = this.ring.cols;
    (c[C_FIRST] as Float64Array)[p] = u.firstId;
    (c[C_LAST] as Float64Array)[p] = u.lastId;
    (c[C_PREV] as Float64Array)[p] = u.prevLastId ?? Number.NaN;
    (c[C_TIME] as Float64Array)[p] = u.timeMs;
    (c[C_PUB] as Float64Array)[p] = u.published;
  }

  col(col: number, i: number): number {
    return this.ring.get(col, i);
  }

  bytes(): number {
    return this.ring.bytes();
  }
}
