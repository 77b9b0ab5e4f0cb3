/** Bounded columnar history of one symbol's depth events (ground truth), like trade-ring.ts. */
import { ColumnRing } from './trade-ring.js';

export const C_FIRST = 0;
export const C_LAST = 1;
/** NaN = none. */
export const C_PREV = 2;
export const C_TIME = 3;
export const C_PUB = 4;
const COLUMNS = 5;

export class DepthRing {
  private readonly ring: ColumnRing;

  constructor(cap: number) {
    this.ring = new ColumnRing(COLUMNS, cap);
  }

  get size(): number {
    return this.ring.size;
  }

  record(u: { firstId: number; lastId: number; prevLastId: number | null; timeMs: number; published: number }): void {
    const b = this.ring.next() * COLUMNS;
    const d = this.ring.data;
    d[b + C_FIRST] = u.firstId;
    d[b + C_LAST] = u.lastId;
    d[b + C_PREV] = u.prevLastId ?? Number.NaN;
    d[b + C_TIME] = u.timeMs;
    d[b + C_PUB] = u.published;
  }

  col(col: number, i: number): number {
    return this.ring.get(col, i);
  }

  bytes(): number {
    return this.ring.bytes();
  }
}
