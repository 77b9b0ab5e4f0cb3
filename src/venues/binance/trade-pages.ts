/**
 * Streamed, paged trade-id range (Binance aggTrades / historicalTrades): an async iterable of
 * contiguous pages in id order with a bounded number of requests in flight, so a backfill of any
 * length holds at most `prefetchPages` pages at a time. Ids are contiguous per symbol on Binance,
 * so page k starts at fromId + k x limit and pages can be requested ahead. When the venue's first
 * row is newer than the id asked for, the ids in between are gone (outside the venue's history
 * window): the page says so in `missing` and the prefetch realigns on the venue's answer.
 */
import type { Trade } from '../../model/events.js';

/** One page of a range: contiguous trades; `missing` = ids just before them the venue no longer has. */
export interface TradeRangePage {
  readonly trades: readonly Trade[];
  readonly missing: { readonly fromId: number; readonly toId: number } | null;
}

/** Fetches one page: at most `limit` rows with ids from `fromId`, oldest first. */
export type PageFetcher = (fromId: number, limit: number, signal: AbortSignal) => Promise<readonly Trade[]>;

export interface TradeRangeOptions {
  readonly fromId: number;
  /** Last id wanted; null = up to the newest the venue has (a page shorter than asked ends it). */
  readonly toId: number | null;
  readonly pageLimit: number;
  /** Requests in flight at most (>= 1). */
  readonly prefetchPages: number;
  readonly fetchPage: PageFetcher;
  /** In-flight accounting for stats (called +1 when a request starts, -1 when it settles or is dropped). */
  readonly onInFlight?: (delta: number) => void;
}

interface InFlight {
  readonly from: number;
  readonly limit: number;
  readonly rows: Promise<readonly Trade[]>;
}

/** Pages answered without anything new before the range gives up (a venue ignoring fromId). */
const MAX_STALLED_PAGES = 2;

export async function* tradeRangePages(o: TradeRangeOptions): AsyncGenerator<TradeRangePage, void, undefined> {
  const { toId, pageLimit } = o;
  const prefetch = Math.max(1, Math.floor(o.prefetchPages));
  const ac = new AbortController();
  const inflight: InFlight[] = [];
  let next = o.fromId; // next id the consumer needs
  let ahead = o.fromId; // next id to request
  // Open-ended: one request until a full page proves there is more (a short reconnect gap costs one request).
  let window = toId === null ? 1 : prefetch;
  let stalled = 0;
  const drop = (): void => {
    for (const f of inflight.splice(0)) void f.rows.catch(() => undefined);
  };
  try {
    for (;;) {
      while (inflight.length < window && (toId === null || ahead <= toId)) {
        const limit = toId === null ? pageLimit : Math.min(pageLimit, toId - ahead + 1);
        o.onInFlight?.(1);
        const rows = o.fetchPage(ahead, limit, ac.signal).finally(() => o.onInFlight?.(-1));
        rows.catch(() => undefined); // a dropped page's failure is nobody's business
        inflight.push({ from: ahead, limit, rows });
        ahead += limit;
      }
      const head = inflight.shift();
      if (head === undefined) return;
      const rows = await head.rows;
      const out: Trade[] = [];
      let missing: TradeRangePage['missing'] = null;
      let beyond = false;
      let jumped = false;
      for (const t of rows) {
        const id = t.seq;
        if (id === null || id < next) continue;
        if (toId !== null && id > toId) {
          beyond = true;
          break;
        }
        if (id !== next) {
          // A jump in front of the page: those ids are gone. Inside it: stop here and ask again
          // from the missing id, whose answer then shows the jump in front.
          if (out.length > 0 || missing !== null) {
            jumped = true;
            break;
          }
          missing = { fromId: next, toId: id - 1 };
        }
        out.push(t);
        next = id + 1;
      }
      // The venue's oldest row is past the whole rest of the range: all of it is gone.
      if (out.length === 0 && missing === null && beyond && toId !== null && next <= toId) {
        missing = { fromId: next, toId };
        next = toId + 1;
      }
      const progressed = out.length > 0 || missing !== null;
      if (progressed) yield { trades: out, missing };
      if (toId !== null && next > toId) return;
      // Fewer rows than asked: the venue has nothing newer (yet).
      if (rows.length < head.limit && !jumped) return;
      stalled = progressed ? 0 : stalled + 1;
      if (stalled >= MAX_STALLED_PAGES) return;
      if (next !== head.from + head.limit) {
        // The answer did not end where the next request starts: requests ahead are misaligned.
        drop();
        ahead = next;
      } else if (rows.length === head.limit) {
        window = prefetch;
      }
    }
  } finally {
    ac.abort();
    drop();
  }
}
