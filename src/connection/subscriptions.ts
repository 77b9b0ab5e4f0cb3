/**
 * Subscriptions of one connection: reference-counted streams, each pending (requested, no ack
 * yet, or waiting for a reconnect) or confirmed (acked on the current socket). After a reconnect
 * every stream goes back to pending and is replayed.
 */

export type SubscriptionStatus = 'pending' | 'confirmed';

interface Entry {
  refs: number;
  status: SubscriptionStatus;
  /** Epoch ms of the last confirmation (per-stream staleness counts from here). */
  confirmedAt: number | null;
}

export interface SubscriptionSnapshot {
  readonly stream: string;
  readonly refs: number;
  readonly status: SubscriptionStatus;
  readonly confirmedAt: number | null;
}

export class SubscriptionRegistry {
  private readonly entries = new Map<string, Entry>();

  /** Adds a reference to each stream; returns the streams that are new (need a subscribe). */
  add(streams: readonly string[]): string[] {
    const added: string[] = [];
    for (const s of streams) {
      const e = this.entries.get(s);
      if (e) e.refs++;
      else {
        this.entries.set(s, { refs: 1, status: 'pending', confirmedAt: null });
        added.push(s);
      }
    }
    return added;
  }

  /** Drops a reference from each stream; returns the streams no one holds any more (need an unsubscribe). */
  remove(streams: readonly string[]): string[] {
    const gone: string[] = [];
    for (const s of streams) {
      const e = this.entries.get(s);
      if (!e) continue;
      if (--e.refs <= 0) {
        this.entries.delete(s);
        gone.push(s);
      }
    }
    return gone;
  }

  /** Removes streams regardless of their references (the venue refused them). */
  drop(streams: readonly string[]): void {
    for (const s of streams) this.entries.delete(s);
  }

  confirm(streams: readonly string[], now: number): void {
    for (const s of streams) {
      const e = this.entries.get(s);
      if (e) {
        e.status = 'confirmed';
        e.confirmedAt = now;
      }
    }
  }

  /** The socket is gone: every stream must be acked again on the next one. */
  markAllPending(): void {
    for (const e of this.entries.values()) {
      e.status = 'pending';
      e.confirmedAt = null;
    }
  }

  has(stream: string): boolean {
    return this.entries.has(stream);
  }

  status(stream: string): SubscriptionStatus | undefined {
    return this.entries.get(stream)?.status;
  }

  all(): string[] {
    return [...this.entries.keys()];
  }

  pending(): string[] {
    return this.filter('pending');
  }

  confirmed(): string[] {
    return this.filter('confirmed');
  }

  confirmedSince(stream: string): number | null {
    return this.entries.get(stream)?.confirmedAt ?? null;
  }

  get size(): number {
    return this.entries.size;
  }

  snapshot(): SubscriptionSnapshot[] {
    return [...this.entries].map(([stream, e]) => ({ stream, refs: e.refs, status: e.status, confirmedAt: e.confirmedAt }));
  }

  private filter(status: SubscriptionStatus): string[] {
    const out: string[] = [];
    for (const [s, e] of this.entries) if (e.status === status) out.push(s);
    return out;
  }
}
