/**
 * Failover resume point: the last event of one (venue, symbol, kind) present in the events
 * stream, read as the stream's last message on that subject. A new shard owner resumes after
 * it (REST backfill through integrity), so the stream gets neither a gap nor a double.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { MarketEvent } from '../model/events.js';
import { ClusterError, errorText } from './errors.js';
import { eventStreamName, eventSubject } from './names.js';

export interface LastEvent {
  readonly event: MarketEvent;
  readonly streamSeq: number;
}

export async function lastEventOf(jsm: JetStreamManager, ns: string, venue: string, symbol: string, kind: string): Promise<LastEvent | null> {
  const stream = eventStreamName(ns);
  try {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: eventSubject(ns, venue, symbol, kind) });
    if (!m) return null;
    return { event: m.json<MarketEvent>(), streamSeq: m.seq };
  } catch (err) {
    if (/no message found|not found/i.test(errorText(err))) return null;
    throw new ClusterError('E_CLUSTER_UNAVAILABLE', `last event of ${venue} ${symbol} ${kind}: ${errorText(err)}`, { retryable: true, cause: err, context: { stream, venue, symbol, kind } });
  }
}

/** The last trade id per symbol (trade kind), for seeding integrity's resume after a takeover. */
export async function lastTradeIds(jsm: JetStreamManager, ns: string, venue: string, symbols: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of symbols) {
    const last = await lastEventOf(jsm, ns, venue, s, 'trade');
    if (last && last.event.type === 'trade') out.set(s, last.event.tradeId);
  }
  return out;
}
