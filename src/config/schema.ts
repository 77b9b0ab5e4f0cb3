/**
 * The one schema of tickgate's service config. Defaults come from config/defaults/*.ts (named
 * constants with units); this file says what each value may be. Unknown keys are rejected.
 */
import { z } from 'zod';
import { connectionDefaults as C } from './defaults/connection.js';
import { pipelineDefaults as P } from './defaults/pipeline.js';
import { aggregateDefaults as A } from './defaults/aggregate.js';
import { integrityDefaults as I } from './defaults/integrity.js';
import { sinksDefaults as S } from './defaults/sinks.js';
import { serverDefaults as SV } from './defaults/server.js';
import { venuesDefaults as V } from './defaults/venues.js';
import { compatDefaults as CP } from './defaults/compat.js';
import { clusterDefaults as CL } from './defaults/cluster.js';

const ms = (d: number) => z.number().int().nonnegative().default(d);
const posInt = (d: number) => z.number().int().positive().default(d);
const ratio = (d: number) => z.number().min(0).max(1).default(d);
const url = (d: string) => z.string().url().default(d);
const symbols = z.array(z.string().regex(/^[A-Za-z0-9._-]+$/, 'a symbol like BTCUSDT')).default([]);
const section = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict().prefault({} as never);

export const connectionSchema = section({
  connectTimeoutMs: posInt(C.connectTimeoutMs),
  handshakeTimeoutMs: posInt(C.handshakeTimeoutMs),
  pingTimeoutMs: posInt(C.pingTimeoutMs),
  closeTimeoutMs: posInt(C.closeTimeoutMs),
  heartbeatIntervalMs: posInt(C.heartbeatIntervalMs),
  heartbeatTimeoutMs: posInt(C.heartbeatTimeoutMs),
  staleAfterMs: posInt(C.staleAfterMs),
  streamStaleAfterMs: posInt(C.streamStaleAfterMs),
  reconnectBaseDelayMs: posInt(C.reconnectBaseDelayMs),
  reconnectMaxDelayMs: posInt(C.reconnectMaxDelayMs),
  backoffResetAfterMs: ms(C.backoffResetAfterMs),
  breakerFailureThreshold: posInt(C.breakerFailureThreshold),
  breakerRecoveryMs: posInt(C.breakerRecoveryMs),
  breakerRecoveryMultiplier: z.number().min(1).max(10).default(C.breakerRecoveryMultiplier),
  breakerMaxRecoveryMs: posInt(C.breakerMaxRecoveryMs),
  breakerResetAfterMs: ms(C.breakerResetAfterMs),
  connectAttemptsPerWindow: posInt(C.connectAttemptsPerWindow),
  connectAttemptWindowMs: posInt(C.connectAttemptWindowMs),
  maxMessagesPerSecond: posInt(C.maxMessagesPerSecond),
  connectTimeoutScheduleMs: z.array(z.number().int().positive()).nonempty().nullable().default(null),
  metadataRingSize: posInt(C.metadataRingSize),
  metadataMaxAgeMs: posInt(C.metadataMaxAgeMs),
  cleanupIntervalMs: posInt(C.cleanupIntervalMs),
  networkCheck: z.enum(['auto', 'on', 'off']).default(C.networkCheck),
  networkCheckAttempts: posInt(C.networkCheckAttempts),
  networkCheckRetryDelaysMs: z.array(z.number().int().nonnegative()).default([...C.networkCheckRetryDelaysMs]),
  networkCheckTotalMs: posInt(C.networkCheckTotalMs),
  networkCheckConnectTimeoutMs: posInt(C.networkCheckConnectTimeoutMs),
  rotationMarginMs: ms(C.rotationMarginMs),
  rotationOverlapMs: ms(C.rotationOverlapMs),
  rotationRetryDelayMs: posInt(C.rotationRetryDelayMs),
  preLiveBufferFrames: posInt(C.preLiveBufferFrames),
  streamStaleAction: z.enum(['resubscribe', 'report']).default(C.streamStaleAction),
  maxPayloadBytes: posInt(C.maxPayloadBytes),
}).refine((c) => c.reconnectMaxDelayMs >= c.reconnectBaseDelayMs, {
  message: 'reconnectMaxDelayMs must be >= reconnectBaseDelayMs',
  path: ['reconnectMaxDelayMs'],
});

export const pipelineSchema = section({
  maxQueueItems: posInt(P.maxQueueItems),
  handlerTimeoutMs: posInt(P.handlerTimeoutMs),
  timeoutWarnIntervalMs: ms(P.timeoutWarnIntervalMs),
  errorLogIntervalMs: ms(P.errorLogIntervalMs),
  workerThreads: z.number().int().min(1).max(64).default(P.workerThreads),
  workerMaxQueueTasks: posInt(P.workerMaxQueueTasks),
  workerIdleTimeoutMs: ms(P.workerIdleTimeoutMs),
  enrichOn: z.enum(['inline', 'pool']).default(P.enrichOn),
  lagResolutionMs: posInt(P.lagResolutionMs),
  lagCheckIntervalMs: posInt(P.lagCheckIntervalMs),
  lagThresholdMs: posInt(P.lagThresholdMs),
  lagRecentWindowMs: posInt(P.lagRecentWindowMs),
});

const decimalText = z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal string like "10" or "0.5"');

export const aggregateSchema = section({
  allowedLatenessMs: ms(A.allowedLatenessMs),
  latePolicy: z.enum(['amend', 'drop']).default(A.latePolicy),
  amendHistoryMs: ms(A.amendHistoryMs),
  tickCandleTicks: posInt(A.tickCandleTicks),
  candleHistoryItems: posInt(A.candleHistoryItems),
  timeCandleIntervalsMs: z.array(z.number().int().positive()).default([...A.timeCandleIntervalsMs]),
  volumeBarSize: decimalText.nullable().default(A.volumeBarSize),
  recentTradesItems: posInt(A.recentTradesItems),
  storeRawTrades: z.boolean().default(A.storeRawTrades),
  streamHoldMaxMs: posInt(A.streamHoldMaxMs),
  restartHoldMaxMs: posInt(A.restartHoldMaxMs),
  resumeSpoolWaitMs: ms(A.resumeSpoolWaitMs),
  resumeMaxRebuildTrades: ms(A.resumeMaxRebuildTrades),
  enrichWindowMs: posInt(A.enrichWindowMs),
  enrichIntervalMs: posInt(A.enrichIntervalMs),
  enrichFreshnessMs: posInt(A.enrichFreshnessMs),
  enrichTimeoutMs: posInt(A.enrichTimeoutMs),
  enrichResultsKept: posInt(A.enrichResultsKept),
});

export const integritySchema = section({
  maxBufferedTrades: posInt(I.maxBufferedTrades),
  maxBufferedDeltas: posInt(I.maxBufferedDeltas),
  dedupWindowItems: posInt(I.dedupWindowItems),
  retryDelayMs: ms(I.retryDelayMs),
  maxFetchAttempts: posInt(I.maxFetchAttempts),
  maxSnapshotAttempts: posInt(I.maxSnapshotAttempts),
  maxResumeTrades: ms(I.maxResumeTrades),
  /** Venues without trade sequence (Bybit): compare with the recent-trades page this often; 0 = only on reconnect. */
  recentTradesReconcileMs: ms(I.recentTradesReconcileMs),
  /** Trade backfill: REST pages in flight per stream, share of the weight budget, progress log period. */
  backfillPrefetchPages: posInt(I.backfillPrefetchPages),
  backfillWeightShare: ratio(I.backfillWeightShare),
  backfillProgressLogIntervalMs: posInt(I.backfillProgressLogIntervalMs),
});

export const storageSchema = section({
  retryDelaysMs: z.array(z.number().int().nonnegative()).default([...S.retryDelaysMs]),
  retryJitterRatio: ratio(S.retryJitterRatio),
  maxBatchRecords: posInt(S.maxBatchRecords),
  maxQueueRecords: posInt(S.maxQueueRecords),
  writeTimeoutMs: posInt(S.writeTimeoutMs),
  closeTimeoutMs: posInt(S.closeTimeoutMs),
  spoolDir: z.string().min(1).default('./data/spool'),
  spoolMaxBytes: posInt(S.spoolMaxBytes),
  spoolSegmentMaxBytes: posInt(S.spoolSegmentMaxBytes),
  /** 'always' fsyncs every batch; a number fsyncs at most that often (ms); 'never' leaves it to the OS. */
  spoolFsync: z.union([z.enum(['always', 'never']), z.number().int().positive()]).default(S.spoolFsyncIntervalMs),
});

export const serverSchema = section({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default(SV.host),
  port: z.number().int().min(0).max(65535).default(SV.port),
  token: z.string().min(8, 'a token of at least 8 characters').nullable().default(null),
  maxConnections: posInt(SV.maxConnections),
  maxEventLoopLagMs: posInt(SV.maxEventLoopLagMs),
  maxMemoryBytes: posInt(SV.maxMemoryBytes),
  maxChannelsPerClient: posInt(SV.maxChannelsPerClient),
  maxIncomingMessagesPerSec: posInt(SV.maxIncomingMessagesPerSec),
  maxIncomingPayloadBytes: posInt(SV.maxIncomingPayloadBytes),
  maxSocketBufferedBytes: posInt(SV.maxSocketBufferedBytes),
  maxQueueMessages: posInt(SV.maxQueueMessages),
  maxQueueBytes: posInt(SV.maxQueueBytes),
  slowConsumerCloseMs: posInt(SV.slowConsumerCloseMs),
  heartbeatIntervalMs: posInt(SV.heartbeatIntervalMs),
  cleanupIntervalMs: posInt(SV.cleanupIntervalMs),
  idleTimeoutMs: posInt(SV.idleTimeoutMs),
  ringCapacityMessages: posInt(SV.ringCapacityMessages),
  maxChannels: posInt(SV.maxChannels),
  channelIdleMs: posInt(SV.channelIdleMs),
  /** Downstream batching (?batch=1): a batch frame is sent at this many bytes or messages. */
  batchMaxBytes: posInt(SV.batchMaxBytes),
  batchMaxMessages: posInt(SV.batchMaxMessages),
});

/** Binance kline streams of any interval the venue serves (1s on spot only). */
const binanceKline = z.string().regex(/^kline_(1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M)$/, 'kline_<interval> with a Binance interval (1m, 5m, 1h, 1d, ...)');
const binanceStreams = z.array(z.union([z.enum(['trade', 'aggTrade', 'bookTicker', 'depth', 'forceOrder']), binanceKline])).nonempty();
const futuresKline = binanceKline.refine((k) => k !== 'kline_1s', 'USD-M has no 1s klines');
/** USD-M streams: forceOrder is per symbol, forceOrderAll the market-wide !forceOrder@arr. */
const binanceFuturesStreams = z.array(z.union([z.enum(['trade', 'aggTrade', 'bookTicker', 'depth', 'markPrice', 'forceOrder', 'forceOrderAll']), futuresKline])).nonempty();
const VF = V.binanceFutures;

export const venuesSchema = section({
  binance: section({
    enabled: z.boolean().default(false),
    wsBaseUrl: url(V.binance.wsBaseUrl),
    restBaseUrl: url(V.binance.restBaseUrl),
    symbols,
    streams: binanceStreams.default(['trade', 'bookTicker', 'depth']),
    /** The account's REST weight budget per minute (Binance spot: 6000); backfill is paced by it. */
    restWeightPerMinute: posInt(V.binance.restWeightPerMinute),
    /** Scan known market frame shapes without JSON.parse (validated; anything else falls back). */
    fastPath: z.boolean().default(V.decode.fastPath),
    accounts: z.array(z.object({
      id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'an account id of letters, digits, _ or -'),
      apiKey: z.string().min(1),
    }).strict()).default([]),
  }),
  binanceFutures: section({
    enabled: z.boolean().default(false),
    wsBaseUrl: url(VF.wsBaseUrl),
    restBaseUrl: url(VF.restBaseUrl),
    symbols,
    streams: binanceFuturesStreams.default(['aggTrade', 'bookTicker', 'depth']),
    fastPath: z.boolean().default(V.decode.fastPath),
    restWeightPerMinute: posInt(VF.restWeightPerMinute),
    /** Sent as X-MBX-APIKEY on /fapi/v1/historicalTrades only (USD-M requires a key there: backfill of the `trade` stream). Never logged. */
    apiKey: z.string().min(1).nullable().default(null),
    maxStreamsPerConnection: z.number().int().min(1).max(1024).default(VF.maxStreamsPerConnection),
    maxMessagesPerSecond: posInt(VF.maxMessagesPerSecond),
    connectionLifetimeMs: posInt(VF.connectionLifetimeMs),
    /** Trade kinds (`X`) that count in candles and snapshots; others are delivered and stored raw only. */
    candleTradeKinds: z.array(z.enum(['MARKET', 'INSURANCE_FUND', 'ADL', 'NA'])).default([...VF.candleTradeKinds] as ('MARKET' | 'INSURANCE_FUND' | 'ADL' | 'NA')[]),
  }),
  bybit: section({
    enabled: z.boolean().default(false),
    wsBaseUrl: url(V.bybit.wsBaseUrl),
    categoryPath: z.string().startsWith('/').default(V.bybit.categoryPath),
    restBaseUrl: url(V.bybit.restBaseUrl),
    /** Page of the recent-trades endpoint used to backfill (the venue allows 60 on spot, 1000 on derivatives). */
    recentTradesLimit: z.number().int().min(1).max(1000).default(V.bybit.recentTradesLimit),
    /** Scan publicTrade and orderbook frames without JSON.parse (validated; anything else falls back). */
    fastPath: z.boolean().default(V.decode.fastPath),
    symbols,
    streams: z.array(z.union([
      z.enum(['publicTrade', 'orderbook.50', 'tickers', 'allLiquidation']),
      z.string().regex(/^kline\.(1|3|5|15|30|60|120|240|360|720|D|W|M)$/, 'kline.<interval> with a Bybit interval (1, 5, 60, D, ...)'),
    ])).nonempty()
      .default(['publicTrade', 'orderbook.50']),
  }),
  equities: section({
    enabled: z.boolean().default(false),
    wsBaseUrl: url(V.equities.wsBaseUrl),
    path: z.string().startsWith('/').default(V.equities.path),
    apiToken: z.string().min(1).nullable().default(null),
    symbols,
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-12-25')).default([]),
  }),
});

const CB = CP.binance;
/** Venue-compatible endpoints on the server's port (src/compat/). */
export const compatSchema = section({
  binance: section({
    enabled: z.boolean().default(CB.enabled),
    pathPrefix: z.string().regex(/^\/[A-Za-z0-9_-]+$/, 'a path like /binance').default(CB.pathPrefix),
    maxStreamsPerConnection: posInt(CB.maxStreamsPerConnection),
    maxIncomingMessagesPerSec: posInt(CB.maxIncomingMessagesPerSec),
    maxConnections: posInt(CB.maxConnections),
    maxStreamsTotal: posInt(CB.maxStreamsTotal),
    maxOnDemandStreams: ms(CB.maxOnDemandStreams),
    upstreamReleaseGraceMs: ms(CB.upstreamReleaseGraceMs),
    connectionLifetimeMs: posInt(CB.connectionLifetimeMs),
    pingIntervalMs: posInt(CB.pingIntervalMs),
    pongTimeoutMs: posInt(CB.pongTimeoutMs),
    maxIncomingPayloadBytes: posInt(CB.maxIncomingPayloadBytes),
    maxSocketBufferedBytes: posInt(CB.maxSocketBufferedBytes),
    recentTradesPerSymbol: posInt(CB.recentTradesPerSymbol),
    restCacheTtlMs: ms(CB.restCacheTtlMs),
    exchangeInfoTtlMs: ms(CB.exchangeInfoTtlMs),
    restCacheMaxEntries: posInt(CB.restCacheMaxEntries),
    restMaxBodyBytes: posInt(CB.restMaxBodyBytes),
    forwardWeightPerMinute: ms(CB.forwardWeightPerMinute),
    forwardTimeoutMs: posInt(CB.forwardTimeoutMs),
  }),
});

/** Scale-out over NATS JetStream (src/cluster/). Absent = one process, exactly as without it. */
export const clusterSchema = z.object({
  nats: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default(CL.nats),
  role: z.enum(['collector', 'processor', 'all']).default(CL.role),
  /** Unique per process; null = "<hostname>-<pid>" at start. */
  instance: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id of A-Z a-z 0-9 _ -').nullable().default(null),
  namespace: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a prefix of A-Z a-z 0-9 _ - (no dots)').default(CL.namespace),
  shards: z.number().int().min(1).max(4096).default(CL.shards),
  leaseTtlMs: z.number().int().min(1_000).default(CL.leaseTtlMs),
  leaseRenewIntervalMs: posInt(CL.leaseRenewIntervalMs),
  redundancy: z.union([z.literal(1), z.literal(2)]).default(CL.redundancy),
  maxShardsPerInstance: ms(CL.maxShardsPerInstance),
  maxInFlightPublishes: z.number().int().min(1).max(65_536).default(CL.maxInFlightPublishes),
  publishTimeoutMs: posInt(CL.publishTimeoutMs),
  duplicateWindowMs: posInt(CL.duplicateWindowMs),
  streamMaxAgeMs: ms(CL.streamMaxAgeMs),
  streamMaxBytes: posInt(CL.streamMaxBytes),
  maxAckPending: posInt(CL.maxAckPending),
  ackWaitMs: posInt(CL.ackWaitMs),
  /** Collectors subscribe on the venue only to the symbols of the shards they lease. */
  subscribeOwnedOnly: z.boolean().default(CL.subscribeOwnedOnly),
  balanceShards: z.boolean().default(CL.balanceShards),
  /** Trades a takeover backfills by REST from the stream's last trade at most (more: declared hole). */
  takeoverMaxBackfillTrades: posInt(CL.takeoverMaxBackfillTrades),
  /** Recent events kept per symbol for re-publishing on a takeover (the standby ring). */
  standbyEventsPerSymbol: posInt(CL.standbyEventsPerSymbol),
  /** Collector: feed events queued in memory for the bus; past it they go to the disk spool. */
  maxQueuedPublishes: posInt(CL.maxQueuedPublishes),
  /** Collector: disk spool for publish overflow (a subdirectory per instance); null = none (dropped, counted). */
  spoolDir: z.string().min(1).nullable().default(CL.spoolDir),
  spoolMaxBytes: posInt(CL.spoolMaxBytes),
  connectTimeoutMs: posInt(CL.connectTimeoutMs),
  reconnectWaitMs: posInt(CL.reconnectWaitMs),
}).strict().refine((c) => c.leaseRenewIntervalMs * 2 <= c.leaseTtlMs, {
  path: ['leaseRenewIntervalMs'], message: 'must be at most half of leaseTtlMs (a lease is renewed well within its TTL)',
}).refine((c) => c.duplicateWindowMs >= 2 * (c.leaseTtlMs + c.publishTimeoutMs), {
  // A new owner re-sends what the old one published up to a TTL before it died, and a publish is
  // re-sent after its timeout: both must land inside the window to be dropped as duplicates.
  path: ['duplicateWindowMs'], message: 'must be at least 2 x (leaseTtlMs + publishTimeoutMs): takeover and publish re-sends must fall inside the duplicate window',
}).refine((c) => !c.balanceShards || c.redundancy === 1, {
  // Two collectors of an A/B pair each hold every shard anyway; balancing two slots per shard over
  // more collectors is not built (releases could free both slots of one shard to one taker).
  path: ['balanceShards'], message: 'needs redundancy 1 (with redundancy 2 each collector of the pair holds every shard)',
});

export const configSchema = z.object({
  profile: z.enum(['development', 'staging', 'production']).default('development'),
  log: section({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    file: z.string().min(1).nullable().default(null),
    healthLineIntervalMs: posInt(60_000),
  }),
  marketHours: section({ skip: z.boolean().default(false) }),
  venues: venuesSchema,
  connection: connectionSchema,
  integrity: integritySchema,
  pipeline: pipelineSchema,
  aggregate: aggregateSchema,
  /** Sink specs: sqlite:PATH, postgres://..., nats://...?stream=NAME, jsonl:DIR. */
  sinks: z.array(z.string().min(1)).default(['sqlite:./data/tickgate.db']),
  storage: storageSchema,
  server: serverSchema,
  compat: compatSchema,
  cluster: clusterSchema.optional(),
}).strict().superRefine((cfg, ctx) => {
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(cfg.server.host);
  if (!loopback && cfg.server.token === null) {
    ctx.addIssue({ code: 'custom', path: ['server', 'token'], message: `server.host "${cfg.server.host}" is not loopback: a token is required` });
  }
  for (const v of ['binance', 'binanceFutures', 'bybit', 'equities'] as const) {
    if (cfg.venues[v].enabled && cfg.venues[v].symbols.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['venues', v, 'symbols'], message: `venue ${v} is enabled but has no symbols` });
    }
  }
  if (cfg.venues.equities.enabled && cfg.venues.equities.apiToken === null) {
    ctx.addIssue({ code: 'custom', path: ['venues', 'equities', 'apiToken'], message: 'the equities feed needs an API token' });
  }
});

export type TickgateConfig = z.output<typeof configSchema>;
export type TickgateConfigInput = z.input<typeof configSchema>;
