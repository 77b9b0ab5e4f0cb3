/** Fixed-capacity ring: push overwrites the oldest; iteration is oldest to newest. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0; // next write position
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.head] = item;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** i = 0 is the oldest. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const idx = (this.head - this.count + i + this.capacity) % this.capacity;
    return this.items[idx];
  }

  /** Replace item i (0 = oldest). */
  set(i: number, item: T): void {
    if (i < 0 || i >= this.count) throw new RangeError(`ring index ${i} out of range`);
    this.items[(this.head - this.count + i + this.capacity) % this.capacity] = item;
  }

  last(): T | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i) as T);
    return out;
  }

  /** Newest items while `keep` holds, returned oldest first. */
  takeNewestWhile(keep: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (let i = this.count - 1; i >= 0; i--) {
      const item = this.at(i) as T;
      if (!keep(item)) break;
      out.push(item);
    }
    return out.reverse();
  }
}
