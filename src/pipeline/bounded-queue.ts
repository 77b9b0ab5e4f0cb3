/**
 * A bounded FIFO with a declared full-queue policy. push() is O(1) and never blocks:
 * - 'drop-oldest': the oldest item is dropped (counted) to make room;
 * - 'conflate-by-key': an item replaces the queued item with the same key in place (counted as
 *   conflated); a new key on a full queue drops the oldest (counted);
 * - 'spill': the OLDEST queued item is handed to the injected spill function and the new item
 *   is queued (lossless; counted as spilled). Spilling the head, never the newcomer, keeps
 *   arrival order across both paths: everything spilled precedes everything still queued, and
 *   everything already shifted precedes everything spilled. A spill function that throws is the
 *   only way to lose an item, counted as spillFailed.
 */
export type FullQueuePolicy = 'drop-oldest' | 'conflate-by-key' | 'spill';

export interface QueueDrops {
  /** Oldest item evicted by a full queue. */
  dropOldest: number;
  /** Queued item replaced by a newer one with the same key. */
  conflated: number;
  /** Spill function threw: the item is lost. */
  spillFailed: number;
}

export interface BoundedQueueOptions<T> {
  readonly capacity: number;
  readonly policy: FullQueuePolicy;
  readonly key?: (item: T) => string;
  readonly spill?: (item: T) => void;
  readonly onSpillError?: (err: unknown, item: T) => void;
}

/**
 * A ring of items (and, for conflate-by-key, a parallel ring of keys): no object per queued
 * entry. An item never moves while queued, so a key maps to its ring index.
 */
export class BoundedQueue<T> {
  private readonly items: (T | undefined)[];
  private readonly keys: (string | undefined)[] | null;
  private head = 0;
  private count = 0;
  private readonly byKey: Map<string, number> | null;
  readonly drops: QueueDrops = { dropOldest: 0, conflated: 0, spillFailed: 0 };
  spilled = 0;
  maxDepth = 0;
  pushed = 0;

  constructor(private readonly opts: BoundedQueueOptions<T>) {
    if (!Number.isInteger(opts.capacity) || opts.capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${opts.capacity}`);
    if (opts.policy === 'conflate-by-key' && !opts.key) throw new RangeError("policy 'conflate-by-key' needs a key function");
    if (opts.policy === 'spill' && !opts.spill) throw new RangeError("policy 'spill' needs a spill function");
    this.items = new Array<T | undefined>(opts.capacity).fill(undefined);
    const conflate = opts.policy === 'conflate-by-key';
    this.keys = conflate ? new Array<string | undefined>(opts.capacity).fill(undefined) : null;
    this.byKey = conflate ? new Map() : null;
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.opts.capacity;
  }

  push(item: T): void {
    this.pushed++;
    let key: string | undefined;
    if (this.byKey !== null) {
      key = (this.opts.key as (i: T) => string)(item);
      const queued = this.byKey.get(key);
      if (queued !== undefined) {
        this.items[queued] = item;
        this.drops.conflated++;
        return;
      }
    }
    const cap = this.opts.capacity;
    if (this.count === cap) {
      const oldest = this.shift() as T;
      if (this.opts.policy === 'spill') this.spill(oldest);
      else this.drops.dropOldest++;
    }
    let at = this.head + this.count;
    if (at >= cap) at -= cap;
    this.items[at] = item;
    this.count++;
    if (key !== undefined) {
      (this.keys as (string | undefined)[])[at] = key;
      (this.byKey as Map<string, number>).set(key, at);
    }
    if (this.count > this.maxDepth) this.maxDepth = this.count;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const at = this.head;
    const item = this.items[at] as T;
    this.items[at] = undefined;
    this.head = at + 1 === this.opts.capacity ? 0 : at + 1;
    this.count--;
    if (this.keys !== null) {
      const key = this.keys[at];
      this.keys[at] = undefined;
      if (key !== undefined) (this.byKey as Map<string, number>).delete(key);
    }
    return item;
  }

  /** The oldest queued item, left in place (undefined when empty). */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** Remove everything (close); returns what was queued, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let x = this.shift(); x !== undefined; x = this.shift()) out.push(x);
    return out;
  }

  private spill(item: T): void {
    try {
      (this.opts.spill as (i: T) => void)(item);
      this.spilled++;
    } catch (err) {
      this.drops.spillFailed++;
      this.opts.onSpillError?.(err, item);
    }
  }
}
