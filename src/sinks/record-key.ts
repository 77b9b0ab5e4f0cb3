/**
 * Natural keys: what makes two records "the same row".
 *   snapshot                  (venue, symbol, startTime)
 *   time candle               (venue, symbol, interval, startTime)
 *   tick / volume candle      (venue, symbol, interval, firstTradeId)
 *   trade                     (venue, symbol, tradeId)
 *   declared trade gap        (venue, symbol, source, fromId)
 * Tick and volume candles key on the first trade id because their start time is not unique
 * (two bars can open in the same millisecond).
 */
import type { Candle } from '../model/aggregates.js';
import { isGap, isTrade, type SinkRecord } from './sink.js';

export type RecordKind = 'snapshot' | 'time_candle' | 'tick_candle' | 'trade' | 'gap';

export function recordKind(r: SinkRecord): RecordKind {
  if (isTrade(r)) return 'trade';
  if (isGap(r)) return 'gap';
  if (r.kind === 'snapshot') return 'snapshot';
  return r.candleType === 'time' ? 'time_candle' : 'tick_candle';
}

/** Key of a tick/volume candle; a candle without trades (should not happen) falls back to its start. */
export function candleTradeKey(c: Candle): string {
  return c.firstTradeId ?? `@${c.startTime}`;
}

/** Natural key as one string, fields joined by '|'. */
export function naturalKey(r: SinkRecord): string {
  if (isTrade(r)) return `trade|${r.venue}|${r.symbol}|${r.tradeId}`;
  if (isGap(r)) return `gap|${r.venue}|${r.symbol}|${r.source}|${r.fromId}`;
  if (r.kind === 'snapshot') return `snapshot|${r.venue}|${r.symbol}|${r.startTime}`;
  if (r.candleType === 'time') return `candle|${r.venue}|${r.symbol}|${r.interval}|${r.startTime}`;
  return `candle|${r.venue}|${r.symbol}|${r.interval}|#${candleTradeKey(r)}`;
}

/** Revision of a record; trades and gaps never change, so 0. */
export function revisionOf(r: SinkRecord): number {
  return isTrade(r) || isGap(r) ? 0 : r.revision;
}

/**
 * One record per natural key, as the table would end up after upserting the batch in order: for
 * a revisioned record the highest revision (a later one of equal revision wins, like
 * `excluded.revision >= revision`), for a trade or a gap the first (repeats are ignored). Kept in
 * first-appearance order. Used before one transaction: a lagging aggregator amends the same
 * 1 s / 1 m rows many times a batch, and each repeat would cost a clone to the worker and an upsert.
 */
export function coalesceByKey(batch: readonly SinkRecord[]): SinkRecord[] {
  const at = new Map<string, number>();
  const out: SinkRecord[] = [];
  for (const r of batch) {
    const k = naturalKey(r);
    const i = at.get(k);
    if (i === undefined) { at.set(k, out.length); out.push(r); continue; }
    if (revisionOf(r) >= revisionOf(out[i]!) && !isTrade(r) && !isGap(r)) out[i] = r;
  }
  return out;
}
