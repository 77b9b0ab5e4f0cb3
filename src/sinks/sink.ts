/**
 * The one interface every storage backend implements, and what is stored.
 *
 * A Sink is a plain writer: `write(batch)` either stores the whole batch or throws a SinkError
 * (retryable or fatal). It does not retry, queue or spool; SupervisedSink does that around it.
 * Every write is an idempotent upsert by natural key (see record-key.ts): writing the same batch
 * twice leaves one row, and a record with a higher `revision` replaces a lower one.
 */
import type { Aggregate } from '../model/aggregates.js';
import type { Trade, TradeGap } from '../model/events.js';

/**
 * What sinks store: aggregates and declared trade gaps always, raw trades only when a sink is
 * opted in. A gap is tiny and rare, and the only durable trace of a hole, so no sink skips it.
 */
export type SinkRecord = Aggregate | Trade | TradeGap;

export type SinkKind = 'sqlite' | 'postgres' | 'nats' | 'jsonl' | 'custom';

export interface Sink {
  /** Stable, bounded label for logs and metrics, e.g. "sqlite", "postgres". */
  readonly name: string;
  readonly kind: SinkKind;
  /** Connects / creates schema. May be called again after a failure; must be idempotent. */
  open(): Promise<void>;
  /** Stores the whole batch (upserts), or throws. Records arrive in the order they were pushed. */
  write(batch: readonly SinkRecord[]): Promise<void>;
  /** Flushes what the sink buffers itself (files) and releases connections. */
  close(): Promise<void>;
}

export function isTrade(r: SinkRecord): r is Trade {
  return (r as Trade).type === 'trade';
}

export function isGap(r: SinkRecord): r is TradeGap {
  return (r as TradeGap).type === 'trade_gap';
}
