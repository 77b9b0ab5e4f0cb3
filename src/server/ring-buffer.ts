/**
 * Bounded history of one channel: the last `capacity` frames with their seqs (contiguous,
 * ascending). Used to replay what a reconnecting client missed.
 *
 * Storage grows with use up to `capacity` (a channel that saw 3 messages holds 3 slots, not
 * `capacity`), so idle and little-used channels cost almost nothing.
 */
export class RingBuffer<T> {
  private readonly seqs: number[] = [];
  private readonly items: (T | undefined)[] = [];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number { return this.count; }

  /** Oldest seq held, or null when empty. */
  get oldestSeq(): number | null { return this.count === 0 ? null : this.seqs[this.start]!; }

  /** Appends; seq must be the previous seq + 1 (the hub guarantees it). Overwrites the oldest when full. */
  push(seq: number, item: T): void {
    if (this.count < this.capacity) {
      // Still growing: start is 0 until the first wrap, so the next slot is the array's end.
      this.seqs.push(seq);
      this.items.push(item);
      this.count++;
      return;
    }
    const idx = this.start;
    this.seqs[idx] = seq;
    this.items[idx] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  clear(): void {
    this.seqs.length = 0;
    this.items.length = 0;
    this.start = 0;
    this.count = 0;
  }

  /**
   * Items with seq > afterSeq, in order; null when the ring no longer holds seq afterSeq + 1
   * (the caller is too far behind). An empty array means "nothing missed".
   */
  after(afterSeq: number, lastSeq: number): T[] | null {
    if (afterSeq >= lastSeq) return [];
    const oldest = this.oldestSeq;
    if (oldest === null || afterSeq + 1 < oldest) return null;
    const out: T[] = [];
    for (let i = afterSeq + 1 - oldest; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }

  /** The newest item, if any. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.capacity];
  }
}
