/** What ShardLeases reports: a discriminated union, as typed events and as an async iterator. */
import type { ClusterError } from './errors.js';

/** Why a held lease was lost: another instance wrote the key, it expired, or NATS was away past the TTL. */
export type LeaseLossReason = 'taken' | 'expired' | 'unreachable';

export type LeaseEvent =
  | { readonly type: 'acquired'; readonly shard: number; readonly slot: number; readonly revision: number; readonly at: number }
  | { readonly type: 'lost'; readonly shard: number; readonly slot: number; readonly reason: LeaseLossReason; readonly holder: string | null; readonly at: number }
  | { readonly type: 'released'; readonly shard: number; readonly slot: number; readonly at: number }
  | { readonly type: 'error'; readonly error: ClusterError; readonly at: number };

/** The value stored under a lease key. `expiresAt` is informative; the bucket's max age enforces it. */
export interface LeaseValue {
  readonly instance: string;
  readonly acquiredAt: number;
  readonly renewedAt: number;
  readonly expiresAt: number;
}

export interface LeaseStats {
  acquired: number;
  renewed: number;
  released: number;
  lost: number;
  renewFailures: number;
  acquireAttempts: number;
  droppedEvents: number;
}
