/**
 * Bybit v5 public REST: GET /bybit/v5/market/recent-trade?category=&symbol=&limit= serves the
 * newest trades the venue generated (whether or not a fault kept them off the socket), newest
 * first, from a bounded history per symbol. Like the venue: spot caps limit at 60 (default 60),
 * linear/inverse at 1000 (default 500); a bad parameter is retCode 10001 with HTTP 200. Honours
 * the rest-error fault (venue 'bybit').
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultController } from '../faults.js';
import { sendJson } from '../server.js';

export interface RecentTradeRow {
  readonly execId: string;
  readonly symbol: string;
  readonly price: string;
  readonly size: string;
  readonly side: 'Buy' | 'Sell';
  readonly time: string;
  readonly isBlockTrade: false;
  readonly isRPITrade: false;
}

/** Most recent trades per symbol, oldest first, at most `maxPerSymbol` each. */
export class BybitTradeHistory {
  private readonly rows = new Map<string, RecentTradeRow[]>();

  constructor(private readonly maxPerSymbol: number) {}

  record(row: RecentTradeRow): void {
    let list = this.rows.get(row.symbol);
    if (list === undefined) this.rows.set(row.symbol, (list = []));
    list.push(row);
    // Trim in chunks so recording stays O(1) amortised.
    if (list.length > this.maxPerSymbol * 2) list.splice(0, list.length - this.maxPerSymbol);
  }

  /** Newest first. */
  newest(symbol: string, limit: number): RecentTradeRow[] {
    const list = this.rows.get(symbol) ?? [];
    return list.slice(Math.max(0, list.length - Math.min(limit, this.maxPerSymbol))).reverse();
  }
}

const CAPS: Readonly<Record<string, { readonly max: number; readonly dflt: number }>> = {
  spot: { max: 60, dflt: 60 },
  linear: { max: 1000, dflt: 500 },
  inverse: { max: 1000, dflt: 500 },
};

export interface BybitRestStats {
  requests: number;
  faultErrors: number;
}

export class BybitRest {
  readonly counters: BybitRestStats = { requests: 0, faultErrors: 0 };

  constructor(
    private readonly history: BybitTradeHistory,
    private readonly symbols: () => ReadonlySet<string>,
    private readonly faults: FaultController,
    private readonly now: () => number,
    private readonly prefix = '/bybit',
  ) {}

  handle = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    this.counters.requests++;
    const path = url.pathname.slice(this.prefix.length);
    const fault = this.faults.match('rest-error', { venue: 'bybit', path });
    if (fault && fault.status !== undefined) {
      this.faults.consume(fault, `${req.method ?? 'GET'} ${path} -> ${fault.status}`);
      this.counters.faultErrors++;
      const retCode = fault.status === 429 || fault.status === 403 ? 10006 : 10016;
      const retMsg = retCode === 10006 ? 'Too many visits!' : 'Internal server error.';
      sendJson(res, fault.status, { retCode, retMsg, result: {}, retExtInfo: {}, time: this.now() }, { 'Retry-After': String(fault.retryAfterS ?? 1) });
      return;
    }
    if (req.method !== 'GET' || path !== '/v5/market/recent-trade') {
      sendJson(res, 404, { retCode: 10404, retMsg: `path not found: ${path.slice(0, 60)}`, result: {}, retExtInfo: {}, time: this.now() });
      return;
    }
    const category = url.searchParams.get('category') ?? '';
    const symbol = url.searchParams.get('symbol') ?? '';
    const cap = CAPS[category];
    const rawLimit = url.searchParams.get('limit');
    const limit = rawLimit === null ? cap?.dflt ?? 0 : Number(rawLimit);
    const bad = cap === undefined ? 'category' : !this.symbols().has(symbol) ? 'symbol' : !Number.isInteger(limit) || limit < 1 ? 'limit' : null;
    if (bad !== null) {
      sendJson(res, 200, { retCode: 10001, retMsg: `params error: ${bad} invalid`, result: {}, retExtInfo: {}, time: this.now() });
      return;
    }
    const list = this.history.newest(symbol, Math.min(limit, cap!.max));
    sendJson(res, 200, { retCode: 0, retMsg: 'OK', result: { category, list }, retExtInfo: {}, time: this.now() }, {
      'X-Bapi-Limit': '600', 'X-Bapi-Limit-Status': '599', 'X-Bapi-Limit-Reset-Timestamp': String(this.now() + 5_000),
    });
  };
}
