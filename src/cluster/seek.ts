/**
 * Where a processor restarts reading so that storage, not the consumer's ack floor, decides what
 * is re-read: the stream sequence of the first trade of one (venue, symbol, kind) subject with an
 * id above a given one. A binary search over stream sequences with direct gets ("next message on
 * this subject at or after seq"): O(log messages) requests per symbol, never a scan. Trade ids
 * grow with the stream sequence on one subject (collectors publish each symbol in id order).
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { MarketEvent } from '../model/events.js';
import { ClusterError, errorText } from './errors.js';
import { eventStreamName, eventSubject } from './names.js';

interface Hit { readonly seq: number; readonly id: number | null }

/** First stream seq >= `from` holding a message of `subject` (with its trade id), or null. */
async function nextOn(jsm: JetStreamManager, stream: string, subject: string, from: number): Promise<Hit | null> {
  try {
    const m = await jsm.direct.getMessage(stream, { seq: from, next_by_subj: subject });
    if (!m) return null;
    const e = m.json<MarketEvent>();
    return { seq: m.seq, id: e.type === 'trade' ? e.seq : null };
  } catch (err) {
    if (/no message found|not found/i.test(errorText(err))) return null;
    throw new ClusterError('E_CLUSTER_UNAVAILABLE', `seek on ${subject}: ${errorText(err)}`, { retryable: true, cause: err, context: { stream, subject } });
  }
}

/**
 * Stream sequence of the first trade of the subject with id > afterId (afterId null: its first
 * trade); null when the stream holds none (everything there is at or below afterId).
 */
export async function seekTradeAfter(
  jsm: JetStreamManager, ns: string, venue: string, symbol: string, kind: string, afterId: number | null,
): Promise<number | null> {
  const stream = eventStreamName(ns);
  const subject = eventSubject(ns, venue, symbol, kind);
  const first = await nextOn(jsm, stream, subject, 1);
  if (first === null) return null;
  if (afterId === null || first.id === null || first.id > afterId) return first.seq;
  const info = await jsm.streams.info(stream);
  let lo = first.seq + 1; // invariant: the answer is >= lo
  let hi = info.state.last_seq + 1; // and <= hi (hi = none found)
  let found: number | null = null;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const h = await nextOn(jsm, stream, subject, mid);
    if (h === null) { hi = mid; continue; }
    if (h.id !== null && h.id > afterId) { found = h.seq; hi = Math.min(mid, h.seq); }
    else lo = h.seq + 1;
  }
  return found;
}
