/**
 * Normalized market events: what every venue decoder produces and every later stage consumes.
 *
 * Prices and sizes are exact decimal strings as the venue sent them (e.g. "61234.01000000");
 * they are never parsed to floats here. Aggregators turn them into scaled integers
 * (see decimal.ts). Times are epoch milliseconds: `eventTime` is the venue's own clock,
 * `receiveTime` is ours, taken when the frame arrived on the socket.
 */

/** A decimal number kept exactly as text: optional '-', digits, optional '.' and digits. */
export type DecimalString = string;

/** One price level: [price, size]. A size of "0" in a delta removes the level. */
export type Level = readonly [price: DecimalString, size: DecimalString];

/** Side of the aggressor (the taker) of a trade; 'unknown' when the venue does not say. */
export type AggressorSide = 'buy' | 'sell' | 'unknown';

interface EventBase {
  /** Venue id as configured, e.g. "binance", "bybit", "equities". */
  readonly venue: string;
  /** Venue symbol in upper case as the venue spells it, e.g. "BTCUSDT", "AAPL". */
  readonly symbol: string;
  /** Venue's time of the event (trade time for trades), epoch ms. */
  readonly eventTime: number;
  /** Local receive time of the frame that carried the event, epoch ms. */
  readonly receiveTime: number;
}

export interface Trade extends EventBase {
  readonly type: 'trade';
  /** Venue trade id as text (numeric ids are stringified; Bybit ids are UUIDs). */
  readonly tradeId: string;
  /**
   * Contiguous numeric sequence of this trade stream when the venue has one
   * (Binance trade id / aggTrade id), else null. Integrity uses it for gap detection.
   */
  readonly seq: number | null;
  readonly price: DecimalString;
  readonly size: DecimalString;
  /** Aggressor side: 'buy' means the buyer took liquidity (Binance m=false). */
  readonly side: AggressorSide;
  /** Which venue stream produced it ("trade", "aggTrade", "publicTrade", "backfill"). */
  readonly source: string;
  /**
   * Binance USD-M trade kind (`X`): "MARKET", "INSURANCE_FUND", "ADL" or "NA"; absent where the
   * venue does not say. Only MARKET trades (and trades without a kind) count in candles.
   */
  readonly execType?: string;
  /** Binance aggTrade `f` / `l`: first and last trade id of the aggregate; absent elsewhere. */
  readonly firstTradeId?: number;
  readonly lastTradeId?: number;
  /** The venue's time of the frame that carried the trade (Binance `E`), when it sends one; absent otherwise. */
  readonly frameTime?: number;
}

export interface BookTicker extends EventBase {
  readonly type: 'book_ticker';
  readonly bidPrice: DecimalString;
  readonly bidSize: DecimalString;
  readonly askPrice: DecimalString;
  readonly askSize: DecimalString;
  /** Book update id the ticker reflects, when the venue gives one. */
  readonly updateId: number | null;
}

export interface Kline extends EventBase {
  readonly type: 'kline';
  /** Venue interval name, e.g. "1m". */
  readonly interval: string;
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: DecimalString;
  readonly high: DecimalString;
  readonly low: DecimalString;
  readonly close: DecimalString;
  readonly volume: DecimalString;
  readonly quoteVolume: DecimalString;
  readonly trades: number;
  /** True when this is the final update of the kline. */
  readonly closed: boolean;
}

export interface BookSnapshot extends EventBase {
  readonly type: 'book_snapshot';
  /** Update id the snapshot is consistent with (Binance lastUpdateId, Bybit u). */
  readonly lastUpdateId: number;
  /** Venue cross-stream sequence when present (Bybit seq), else null. */
  readonly seq: number | null;
  /** Best first. */
  readonly bids: readonly Level[];
  /** Best first. */
  readonly asks: readonly Level[];
}

export interface BookDelta extends EventBase {
  readonly type: 'book_delta';
  /** First update id in this delta (Binance U); equals lastUpdateId where the venue has one id. */
  readonly firstUpdateId: number;
  /** Last update id in this delta (Binance u, Bybit u). */
  readonly lastUpdateId: number;
  /** Previous delta's last id when the venue chains them (Binance futures pu), else null. */
  readonly prevUpdateId: number | null;
  readonly seq: number | null;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Emitted by integrity when a book was rebuilt: consumers must drop their copy of that book. */
export interface BookResync extends EventBase {
  readonly type: 'book_resync';
  readonly reason: string;
}

/** Futures mark price (Binance USD-M @markPrice): mark, index and the current funding rate. */
export interface MarkPrice extends EventBase {
  readonly type: 'mark_price';
  readonly markPrice: DecimalString;
  readonly indexPrice: DecimalString;
  /** Funding rate of the current interval; null when the venue sends none (delivery contracts). */
  readonly fundingRate: DecimalString | null;
  /** Epoch ms of the next funding; 0 when none. */
  readonly nextFundingTime: number;
}

export interface Liquidation extends EventBase {
  readonly type: 'liquidation';
  /** Side of the liquidation order (a 'sell' liquidates a long). */
  readonly side: 'buy' | 'sell';
  readonly price: DecimalString;
  readonly size: DecimalString;
}

export interface OrderUpdate extends EventBase {
  readonly type: 'order_update';
  /** Account id as configured (never a key or secret). */
  readonly account: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly side: 'buy' | 'sell';
  readonly orderType: string;
  readonly status: string;
  readonly price: DecimalString;
  readonly size: DecimalString;
  readonly filledSize: DecimalString;
}

export interface BalanceUpdate extends EventBase {
  readonly type: 'balance_update';
  readonly account: string;
  readonly asset: string;
  readonly delta: DecimalString;
}

/**
 * In-band marker from integrity, ordered with the stream's trades: 'behind' when a trade stream
 * stops being known whole (connection lost, backfill started), 'whole' when it has caught up
 * again (every id up to the live one delivered, or the hole declared by a TradeGap). Lossless
 * consumers (the aggregator) hold clock-driven window closing while a stream is behind, so a
 * backfill lands in its windows on time instead of as late amendments.
 */
export interface StreamState extends EventBase {
  readonly type: 'stream_state';
  /** Trade stream ("trade", "aggTrade", ...). */
  readonly source: string;
  readonly state: 'behind' | 'whole';
  /** Why: "disconnected", "gap", "reconnect", "resume", "caught_up", "declared_gap". */
  readonly reason: string;
}

/**
 * A declared, unrecoverable hole in a trade stream (ids fromId..toId will never be delivered):
 * beyond maxResumeTrades, outside the venue's history window, or backfill attempts exhausted.
 * Emitted in order with the trades; stored as a gap record and announced downstream.
 */
export interface TradeGap extends EventBase {
  readonly type: 'trade_gap';
  readonly source: string;
  /** First missing id. */
  readonly fromId: number;
  /** Last missing id; null when unknown (up to whatever came next). */
  readonly toId: number | null;
  /** Stable code: "max_resume_exceeded", "history_window_exceeded", "backfill_failed", "no_fetcher". */
  readonly reason: string;
  /** Human-readable detail (error message), never a secret. */
  readonly detail: string;
}

export type MarketEvent =
  | Trade
  | StreamState
  | TradeGap
  | BookTicker
  | Kline
  | BookSnapshot
  | BookDelta
  | BookResync
  | Liquidation
  | MarkPrice
  | OrderUpdate
  | BalanceUpdate;

export type MarketEventType = MarketEvent['type'];
