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
