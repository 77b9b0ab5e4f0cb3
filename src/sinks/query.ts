import { DEFAULT_QUERY_LIMIT_ROWS } from '../config/defaults/sinks.js';

/** The query shape the CLI `query` command and the HTTP API use against either SQL sink. */
export interface AggregateQuery {
  readonly venue?: string;
  readonly symbol: string;
  /** Candle interval name ("1m", "t100", "v10"); ignored for snapshots. */
  readonly interval?: string;
  /** Start time lower bound, inclusive, epoch ms. */
  readonly from?: number;
  /** Start time upper bound, exclusive, epoch ms. */
  readonly to?: number;
  /** Max rows, oldest first; defaults to DEFAULT_QUERY_LIMIT_ROWS. */
  readonly limit?: number;
}

export function queryLimit(q: AggregateQuery): number {
  const n = q.limit ?? DEFAULT_QUERY_LIMIT_ROWS;
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_QUERY_LIMIT_ROWS;
}
