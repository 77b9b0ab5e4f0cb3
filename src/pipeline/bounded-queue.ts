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

interface Slot<T> { item: T; key: string | undefined }

export class BoundedQueue<T> {
  private readonly slots: (Slot<T> | undefined)[];
  private head = 0;
  private count = 0;
  private readonly byKey: Map<string, Slot<T>> | null;
  readonly drops: QueueDrops = { dropOldest: 0, conflated: 0, spillFailed: 0 };
  spilled = 0;
  maxDepth = 0;
  pushed = 0;

  constructor(private readonly opts: BoundedQueueOptions<T>) {
    if (!Number.isInteger(opts.capacity) || opts.capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${opts.capacity}`);
    if (opts.policy === 'conflate-by-key' && !opts.key) throw new RangeError("policy 'conflate-by-key' needs a key function");
    if (opts.policy === 'spill' && !opts.spill) throw new RangeError("policy 'spill' needs a spill function");
    this.slots = new Array<Slot<T> | undefined>(opts.capacity);
    this.byKey = opts.policy === 'conflate-by-key' ? new Map() : null;
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
    if (this.byKey) {
      key = (this.opts.key as (i: T) => string)(item);
      const queued = this.byKey.get(key);
      if (queued) {
        queued.item = item;
        this.drops.conflated++;
        return;
      }
    }
    if (this.count === this.opts.capacity) {
      const oldest = this.shift() as T;
      if (this.opts.policy === 'spill') this.spill(oldest);
      else this.drops.dropOldest++;
    }
    const slot: Slot<T> = { item, key };
    this.slots[(this.head + this.count) % this.opts.capacity] = slot;
    this.count++;
    if (key !== undefined) this.byKey?.set(key, slot);
    if (this.count > this.maxDepth) this.maxDepth = this.count;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const slot = this.slots[this.head] as Slot<T>;
    this.slots[this.head] = undefined;
    this.head = this.head + 1 === this.opts.capacity ? 0 : this.head + 1;
    this.count--;
    if (slot.key !== undefined) this.byKey?.delete(slot.key);
    return slot.item;
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
