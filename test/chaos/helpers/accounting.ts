/**
 * Accounting of a chaos run against the simulator's ground truth: every trade the simulator
 * generated must be delivered exactly once, in id order, per symbol; books must equal the
 * simulator's exact book.
 *
 * Order is checked where the venue guarantees it: live trades, and backfilled ones on a venue with
 * a trade sequence (the gap filler holds live trades until the hole is filled). A trade the
 * socket never delivered on a venue without a sequence (Bybit) is only noticed afterwards, by the
 * periodic recent-trades check, and arrives late, tagged source 'backfill': it is counted as
 * `late`, not as out of order (the caller decides whether late is allowed).
 */
import type { TruthBook, TruthTrade } from '../../../simulator/ground-truth.js';
import type { OrderBook } from '../../../src/integrity/order-book.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import { priceKey } from '../../../src/integrity/order-book.js';

export interface DeliveredTrade {
  readonly id: number;
  readonly price: string;
  readonly size: string;
  /** Venue trade time (matches the truth's timeMs). */
  readonly timeMs: number;
  /** Came from a REST backfill (source 'backfill'), not the live stream. */
  readonly backfill?: boolean;
}

export interface TradeAccount {
  readonly symbol: string;
  /** Trades the simulator generated (whether or not a fault kept them off the stream). */
  readonly generated: number;
  /** Trade frames that went out on the stream (repeats count twice, skipped ones zero). */
  readonly published: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  /** Backfilled trades delivered after a newer trade (not counted in outOfOrder). */
  readonly late: number;
  /** Delivered trades whose price or size differs from the truth. */
  readonly mismatched: number;
  /** Delivered ids the simulator never generated. */
  readonly unknown: number;
  /** First few lost ids, for the failure message. */
  readonly lostSample: readonly number[];
}

export function accountTrades(symbol: string, truth: readonly TruthTrade[], delivered: readonly DeliveredTrade[]): TradeAccount {
  const byId = new Map<number, TruthTrade>();
  let published = 0;
  for (const t of truth) {
    byId.set(t.id, t);
    published += t.published;
  }
  const seen = new Map<number, number>();
  let duplicated = 0;
  let outOfOrder = 0;
  let late = 0;
  let mismatched = 0;
  let unknown = 0;
  let prev = -Infinity;
  for (const d of delivered) {
    const n = (seen.get(d.id) ?? 0) + 1;
    seen.set(d.id, n);
    if (n > 1) duplicated++;
    if (d.id <= prev && n === 1) {
      if (d.backfill === true) late++;
      else outOfOrder++;
    }
    prev = Math.max(prev, d.id);
    const t = byId.get(d.id);
    if (t === undefined) unknown++;
    else if (normalizeDecimal(t.price) !== normalizeDecimal(d.price) || normalizeDecimal(t.qty) !== normalizeDecimal(d.size)) mismatched++;
  }
  const lostIds: number[] = [];
  for (const t of truth) if (!seen.has(t.id)) lostIds.push(t.id);
  return {
    symbol, generated: truth.length, published, delivered: delivered.length, lost: lostIds.length, duplicated, outOfOrder, late, mismatched, unknown,
    lostSample: lostIds.slice(0, 8),
  };
}

export interface BookComparison {
  readonly symbol: string;
  readonly equal: boolean;
  readonly levels: number;
  readonly truthUpdateId: number;
  readonly bookUpdateId: number;
  /** First differing level, for the failure message. */
  readonly firstDiff: string | null;
}

const canon = (levels: ReadonlyArray<readonly [string, string]>, n: number): string[] =>
  levels.slice(0, n).map(([p, s]) => `${priceKey(p)}@${normalizeDecimal(s)}`);

/** Compares the top `levels` of each side (the simulator holds a bounded book). */
export function compareBook(symbol: string, truth: TruthBook, book: OrderBook | undefined, levels = Math.max(truth.bids.length, truth.asks.length)): BookComparison {
  const want = { bids: canon(truth.bids, levels), asks: canon(truth.asks, levels) };
  const got = { bids: canon(book?.bids(levels) ?? [], levels), asks: canon(book?.asks(levels) ?? [], levels) };
  let firstDiff: string | null = null;
  for (const side of ['bids', 'asks'] as const) {
    const len = Math.max(want[side].length, got[side].length);
    for (let i = 0; i < len && firstDiff === null; i++) {
      if (want[side][i] !== got[side][i]) firstDiff = `${side}[${i}]: want ${want[side][i] ?? '-'} got ${got[side][i] ?? '-'}`;
    }
  }
  return { symbol, equal: firstDiff === null, levels, truthUpdateId: truth.lastUpdateId, bookUpdateId: book?.lastUpdateId ?? -1, firstDiff };
}
