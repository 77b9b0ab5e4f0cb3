/**
 * The gateway's status object, published about once a second on the downstream `status` channel
 * and served at /api/status. It is the dashboard's whole view of the gateway: keep it small,
 * bounded (no per-event arrays) and free of secrets.
 */

export interface ConnectionStatus {
  /** Connection key, e.g. "binance#0" or "binance-user:acct1" (never a secret). */
  readonly key: string;
  readonly venue: string;
  /** disconnected | connecting | handshaking | subscribing | connected | disconnecting | reconnecting | error | closed */
  readonly state: string;
  /** How long it has been in this state, ms. */
  readonly stateAgeMs: number;
  readonly healthy: boolean;
  /** Why it is unhealthy ("stale: no frame for 12.3 s", "state reconnecting", ...); null when healthy. */
  readonly unhealthyReason: string | null;
  /** Age of the last data frame, ms; null before the first. */
  readonly lastFrameAgeMs: number | null;
  readonly pingRttMs: number | null;
  readonly reconnects: number;
  /** Delay of the reconnect being waited for, ms; null when not waiting. */
  readonly backoffMs: number | null;
  /** Breaker of the connection's host. */
  readonly breaker: { readonly host: string; readonly state: 'closed' | 'open' | 'half-open'; readonly failures: number } | null;
  readonly streams: readonly string[];
  readonly staleStreams: readonly string[];
}

export interface VenueFlow {
  readonly venue: string;
  readonly framesPerSec: number;
  readonly eventsPerSec: number;
  readonly framesTotal: number;
  readonly eventsTotal: number;
  readonly malformedFrames: number;
  readonly gapsDetected: number;
  readonly gapsFilled: number;
  readonly tradesBackfilled: number;
  readonly bookResyncs: number;
  readonly duplicatesDropped: number;
  /** Numbered trade streams with a REST backfill running, the ids they still have to deliver (where known) and their fetch rate. */
  readonly backfillsInProgress: number;
  readonly backfillIdsRemaining: number;
  readonly backfillTradesPerSec: number;
  /** Unrecoverable holes declared (TradeGap events) and trade streams currently behind. */
  readonly tradeGapsDeclared: number;
  readonly streamsBehind: number;
}

export interface ConsumerFlow {
  readonly consumer: string;
  readonly queueDepth: number;
  readonly capacity: number;
  /** Events lost to this consumer's full queue (drop-oldest, failed spill). */
  readonly dropped: number;
  /** Events superseded by a newer one for the same key (conflate-by-key): by design, not a loss. */
  readonly conflated: number;
  readonly timeouts: number;
}

export interface SinkStatus {
  readonly name: string;
  /** ok | retrying | spooling | failed */
  readonly state: string;
  readonly spoolRows: number;
  readonly spoolBytes: number;
  readonly written: number;
  readonly lastError: string | null;
}

export interface ClientsStatus {
  readonly clients: number;
  readonly backlogged: number;
  readonly drops: number;
  readonly conflations: number;
  readonly gapNotices: number;
  readonly slowConsumerCloses: number;
  /** Admission rejections (close 1013/1011) by reason. */
  readonly admissionRejections: Readonly<Record<string, number>>;
}

/** One Binance-compatible endpoint (src/compat): what the dashboard's compat panel shows. */
export interface CompatStatus {
  readonly venue: string;
  /** Path prefix it is served under ("/binance"). */
  readonly prefix: string;
  readonly clients: number;
  /** Client subscriptions (stream x client): what the clients asked. */
  readonly subscriptions: number;
  /** Distinct streams the clients asked. */
  readonly streamsDownstream: number;
  /** Distinct upstream streams those need (configured or on demand): what tickgate holds for them. */
  readonly upstreamStreams: number;
  readonly upstreamOnDemand: number;
  readonly deliveries: number;
  readonly clientsDropped: number;
  readonly restRequests: number;
  readonly restFromState: number;
  /** Forwarded requests answered by the cache (or a shared in-flight call), and the calls made upstream. */
  readonly restCacheHits: number;
  readonly restUpstreamCalls: number;
  readonly restRefused: number;
  readonly forwardedWeight: number;
  /** Forwarding budget used this minute, of its limit. */
  readonly usedWeight: number;
  readonly weightLimit: number;
}

export interface GatewayStatus {
  readonly time: number;
  readonly startedAt: number;
  readonly ready: boolean;
  readonly notReadyReasons: readonly string[];
  readonly connections: readonly ConnectionStatus[];
  readonly venues: readonly VenueFlow[];
  readonly consumers: readonly ConsumerFlow[];
  readonly handlerTimeouts: number;
  readonly eventLoopLagP99Ms: number;
  readonly sinks: readonly SinkStatus[];
  readonly clients: ClientsStatus;
  /** What the market channels carry: snapshots.1s.<venue>.<symbol>, candles.t100.<venue>.<symbol>. */
  readonly symbols: readonly { readonly venue: string; readonly symbol: string }[];
  readonly aggregates: { readonly snapshots: number; readonly candles: number };
  /** The Binance-compatible endpoints served (absent or empty when none). */
  readonly compat?: readonly CompatStatus[];
  /** This instance's part of the cluster (absent without a cluster section). */
  readonly cluster?: import('./cluster-status.js').ClusterStatus;
}
