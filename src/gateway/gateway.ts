/**
 * The composition root: builds the whole graph from one config, starts it, stops it.
 *
 *   feeds (connection -> decode -> integrity) --publish--> pipeline
 *     pipeline consumers: aggregate (inline fold), downstream (trades/book fan-out), user handlers
 *     aggregator outputs -> sinks (each with retry + spool) and downstream channels
 *   server: downstream WebSocket + HTTP (health, readiness, metrics, api, dashboard)
 *
 * Only this folder knows every part; the parts know nothing of each other beyond the model.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TickgateConfig } from '../config/schema.js';
import { ConnectionManager } from '../connection/manager.js';
import { Aggregator, type AggregatorOutput } from '../aggregate/aggregator.js';
import { startFlushTimer } from '../aggregate/flush-timer.js';
import { EnrichmentRunner } from '../aggregate/enrich/enrichment-runner.js';
import { SessionCalendar, type MarketCalendar } from '../aggregate/market-hours.js';
import { Pipeline } from '../pipeline/pipeline.js';
import type { ConsumerSpec } from '../pipeline/dispatcher.js';
import type { SinkSet } from '../sinks/sink-set.js';
import type { SinkRecord } from '../sinks/sink.js';
import type { DownstreamServer } from '../server/server.js';
import type { MarketEvent, TradeGap } from '../model/events.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { MetricsRegistry } from '../observability/metrics.js';
import { VenueFeed } from './venue-feed.js';
import { feedsFromConfig, type FeedDefinition } from './feeds-from-config.js';
import { binancePrivateFeeds, type PrivateFeed } from './private-feeds.js';
import { buildStatus, readiness, type Readiness } from './status-builder.js';
import { registerGatewayMetrics } from './metrics-wiring.js';
import { loadResume } from './resume.js';
import { numericId } from '../aggregate/resume-seed.js';
import type { GatewayStatus } from './status.js';
import { addCompatConsumer, createBinanceCompat, createBinanceFuturesCompat, registerCompatMetrics } from './compat-wiring.js';
import { ClusterWiring } from './cluster-wiring.js';
import { registerClusterMetrics } from './cluster-status.js';
import { addCoreConsumers } from './pipeline-consumers.js';
import { serverFromConfig } from './server-from-config.js';
import { sinksFromConfig } from './sinks-from-config.js';
import type { BinanceCompat } from '../compat/binance/index.js';

export interface GatewayOptions {
  readonly logger?: Logger;
  /** Directory of the dashboard page; default: the package's web/. */
  readonly webDir?: string;
  readonly now?: () => number;
}

const here = dirname(fileURLToPath(import.meta.url));
/** web/ beside src/ when run from sources, or two levels further up when run from dist/src/. */
export const DEFAULT_WEB_DIR = [resolve(here, '../../web'), resolve(here, '../../../web')].find((d) => existsSync(d)) ?? resolve(here, '../../web');

/** How often the status object is published on the `status` channel. */
const STATUS_INTERVAL_MS = 1_000;
/** Rates in the status object are measured over at least this interval. */
const STATUS_MIN_INTERVAL_MS = 1_000;
/** How often equities feeds check their market calendar. */
const MARKET_HOURS_CHECK_MS = 30_000;

export class Gateway {
  readonly manager: ConnectionManager;
  readonly pipeline: Pipeline<MarketEvent>;
  readonly aggregator: Aggregator;
  readonly enrichment: EnrichmentRunner;
  readonly sinks: SinkSet;
  readonly server: DownstreamServer | null;
  /** The Binance-compatible endpoint on the server's port (src/compat/binance), or null. */
  readonly compat: BinanceCompat | null;
  /** The USD-M one (`/binance-futures`) when venue binanceFutures is configured, or null. */
  readonly compatFutures: BinanceCompat | null;
  readonly metrics = new MetricsRegistry();
  readonly feeds = new Map<string, VenueFeed>();
  /** Roles over NATS JetStream (config `cluster`), or null: one process as always. */
  readonly cluster: ClusterWiring | null;
  readonly startedAt: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly definitions: FeedDefinition[];
  private readonly privateFeeds: PrivateFeed[];
  private readonly tradeStreamVenues = new Set<string>();
  /** "venue|SYMBOL" -> last stored trade id: where trade streams resume after a restart. */
  private readonly resume = new Map<string, number>();
  /** "venue|SYMBOL" -> highest trade id any stored row covers: a declared resume hole starts after it. */
  private readonly storedThrough = new Map<string, number>();
  private readonly calendars: Record<string, MarketCalendar> = {};
  private timers: NodeJS.Timeout[] = [];
  private stopFlush: (() => void) | null = null;
  private aggregates = { snapshots: 0, candles: 0 };
  private lastStatus: GatewayStatus | null = null;
  private rateBase: GatewayStatus | null = null;
  private stopping: Promise<void> | null = null;

  constructor(readonly config: TickgateConfig, opts: GatewayOptions = {}) {
    this.log = opts.logger ?? silentLogger();
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    const c = config;

    this.manager = new ConnectionManager({ options: c.connection, logger: this.log.child({ part: 'connection' }) });

    this.pipeline = new Pipeline<MarketEvent>({
      workers: { threads: c.pipeline.workerThreads, maxQueueTasks: c.pipeline.workerMaxQueueTasks, idleTimeoutMs: c.pipeline.workerIdleTimeoutMs },
      lag: { resolutionMs: c.pipeline.lagResolutionMs, checkIntervalMs: c.pipeline.lagCheckIntervalMs, thresholdMs: c.pipeline.lagThresholdMs, recentWindowMs: c.pipeline.lagRecentWindowMs },
      defaultTimeoutMs: c.pipeline.handlerTimeoutMs,
      defaultMaxQueueItems: c.pipeline.maxQueueItems,
      timeoutWarnIntervalMs: c.pipeline.timeoutWarnIntervalMs,
      logger: this.log.child({ part: 'pipeline' }),
    });

    if (!c.marketHours.skip) {
      this.calendars.equities = new SessionCalendar({ holidays: c.venues.equities.holidays });
    }
    this.enrichment = new EnrichmentRunner({
      freshnessMs: c.aggregate.enrichFreshnessMs, timeoutMs: c.aggregate.enrichTimeoutMs,
      resultsKept: c.aggregate.enrichResultsKept, logger: this.log.child({ part: 'enrich' }),
      pool: c.pipeline.enrichOn === 'pool' ? this.pipeline.pool : null,
    });
    this.aggregator = new Aggregator({
      onOutput: (out) => this.onAggregate(out),
      allowedLatenessMs: c.aggregate.allowedLatenessMs,
      latePolicy: c.aggregate.latePolicy,
      amendHistoryMs: c.aggregate.amendHistoryMs,
      tickCandleTicks: c.aggregate.tickCandleTicks,
      candleHistoryItems: c.aggregate.candleHistoryItems,
      timeCandleIntervalsMs: c.aggregate.timeCandleIntervalsMs,
      volumeBarSize: c.aggregate.volumeBarSize,
      recentTradesItems: c.aggregate.recentTradesItems,
      storeRawTrades: c.aggregate.storeRawTrades,
      streamHoldMaxMs: c.aggregate.streamHoldMaxMs,
      restartHoldMaxMs: c.aggregate.restartHoldMaxMs,
      calendars: this.calendars,
      skipMarketHours: c.marketHours.skip,
      enrichment: this.enrichment,
      logger: this.log.child({ part: 'aggregate' }),
    });

    this.sinks = sinksFromConfig(c, this.log.child({ part: 'sink' }));

    this.compat = createBinanceCompat(c, this.feeds, this.log.child({ part: 'compat' }));
    this.compatFutures = createBinanceFuturesCompat(c, this.feeds, this.log.child({ part: 'compat' }));
    this.server = serverFromConfig(c, {
      staticDir: opts.webDir ?? DEFAULT_WEB_DIR,
      mounts: [this.compat, this.compatFutures].filter((x) => x !== null),
      logger: this.log.child({ part: 'server' }),
      definitions: () => this.definitions,
      eventLoopLagMs: () => this.pipeline.lag?.recentP99Ms() ?? 0,
      breakerOpen: (venue) => this.breakerOpen(venue),
      http: {
        health: () => ({ ok: true, uptimeMs: this.now() - this.startedAt }),
        readiness: () => this.readiness(),
        metrics: () => this.metrics.text(),
        metricsContentType: this.metrics.contentType,
        connections: () => ({ stats: this.manager.stats(), connections: this.manager.details(), status: this.status() }),
      },
    });

    this.cluster = c.cluster ? new ClusterWiring(c.cluster, this.log.child({ part: 'cluster' }), (e) => this.pipeline.publish(e)) : null;
    const cluster = this.cluster;
    this.definitions = feedsFromConfig(c, this.log);
    const resume = this.resume; // filled in start(), after the resume sink replayed its spool
    const storedThrough = this.storedThrough;
    if (c.venues.binance.enabled && c.venues.binance.streams.includes('trade')) this.tradeStreamVenues.add('binance');
    if (c.venues.binanceFutures.enabled && c.venues.binanceFutures.streams.includes('trade')) this.tradeStreamVenues.add('binance-futures');
    for (const def of this.definitions) {
      const feed = new VenueFeed({
        venue: def.venue, key: def.venue, protocol: def.protocol, streams: def.streams, decoder: def.decoder,
        integrity: {
          ...def.integrity,
          // Stored snapshots hold the last aggregated id of the live trade stream.
          resumeAfter: (symbol, source) => (source === 'trade' ? resume.get(`${def.venue}|${symbol}`) ?? null : null),
          resumeStoredThrough: (symbol, source) => (source === 'trade' ? storedThrough.get(`${def.venue}|${symbol}`) ?? null : null),
          maxResumeTrades: c.integrity.maxResumeTrades,
        },
        manager: this.manager,
        onEvent: cluster ? (e) => cluster.onFeedEvent(e) : (e) => this.pipeline.publish(e),
        logger: this.log.child({ part: 'feed' }),
        retryBaseDelayMs: c.connection.reconnectBaseDelayMs, retryMaxDelayMs: c.connection.reconnectMaxDelayMs,
      });
      this.feeds.set(def.venue, feed);
      // A collector's venue subscriptions follow its shard leases; takeovers backfill through this feed's REST client.
      cluster?.attachFeed(feed);
    }

    this.privateFeeds = binancePrivateFeeds({
      accounts: c.venues.binance.enabled ? c.venues.binance.accounts : [],
      wsBaseUrl: c.venues.binance.wsBaseUrl, restBaseUrl: c.venues.binance.restBaseUrl,
      manager: this.manager, onEvent: (e) => this.pipeline.publish(e), logger: this.log.child({ part: 'private-feed' }),
    });
    for (const p of this.privateFeeds) this.feeds.set(`binance-user:${p.account}`, p.feed);

    addCoreConsumers({
      config: c, pipeline: this.pipeline, aggregator: this.aggregator, server: this.server,
      tradeStreamVenues: this.tradeStreamVenues, onTradeGap: (g) => this.onTradeGap(g),
    });
    for (const x of [this.compat, this.compatFutures]) if (x) addCompatConsumer(x, this.pipeline, Math.max(c.pipeline.maxQueueItems, 100_000));
    registerCompatMetrics(this.metrics, [this.compat, this.compatFutures]);
    registerGatewayMetrics(this);
    if (this.cluster) registerClusterMetrics(this.metrics, this.cluster);
  }

  /** Register a user consumer (in-process or on the worker pool) for every normalized event. */
  addConsumer(spec: ConsumerSpec<MarketEvent>): void {
    this.pipeline.addConsumer(spec);
  }

  async start(): Promise<void> {
    this.sinks.start(); // each sink replays its spool before new records
    if (this.server) await this.server.start();
    this.compat?.start();
    this.compatFutures?.start();
    this.stopFlush = startFlushTimer(this.aggregator, {
      enrichment: this.enrichment, enrichIntervalMs: this.config.aggregate.enrichIntervalMs, enrichWindowMs: this.config.aggregate.enrichWindowMs,
      // A lagging aggregate queue must not see its trades' windows closed by the wall clock (they would all be late).
      queuedSince: () => this.pipeline.queuedSince('aggregate'),
    });
    this.every(STATUS_INTERVAL_MS, () => this.publishStatus());
    this.every(this.config.log.healthLineIntervalMs, () => this.healthLine());
    this.every(MARKET_HOURS_CHECK_MS, () => this.gateMarketHours());
    await this.loadResume();
    await this.cluster?.start(this.resume, this.config.sinks); // a processor reads from where storage needs it
    for (const def of this.definitions) {
      if (this.cluster && !this.cluster.collects) break; // a processor holds no venue connections
      if (def.marketHours && !this.marketOpen(def.venue)) {
        this.log.info({ venue: def.venue }, 'market closed: feed not opened (use --skip-market-hours to override)');
        continue;
      }
      void this.feeds.get(def.venue)!.start();
    }
    for (const p of this.privateFeeds) void p.feed.start();
    this.log.info({ url: this.url, venues: this.definitions.map((d) => d.venue), sinks: this.sinks.members.map((m) => m.name) }, 'gateway started');
  }

  get url(): string | null {
    return this.server ? `http://${this.server.url.replace(/^\w+:\/\//, '').replace(/\/ws$/, '')}` : null;
  }

  /**
   * The status object, fresh at every call. Rates are measured against a base at least
   * STATUS_MIN_INTERVAL_MS old, so several readers calling at once do not see noise.
   */
  status(): GatewayStatus {
    const s = buildStatus(this, this.rateBase, this.lastStatus, this.aggregates, this.definitions);
    if (this.rateBase === null || s.time - this.rateBase.time >= STATUS_MIN_INTERVAL_MS) this.rateBase = s;
    this.lastStatus = s;
    return s;
  }

  readiness(): Readiness {
    return readiness(this);
  }

  /** Graceful stop: ingest first, then flush aggregates and sinks (or spool), then the server. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const closeMs = this.config.connection.closeTimeoutMs;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.feeds.values()].map((f) => f.stop()));
    await Promise.allSettled(this.privateFeeds.map((p) => p.listenKeys.stop()));
    await this.manager.shutdown();
    await this.cluster?.stop(closeMs);
    // Let queued events reach the aggregator, then close every open window.
    await this.drained(closeMs);
    this.stopFlush?.();
    this.aggregator.flush();
    await this.pipeline.close();
    await this.sinks.close(this.config.storage.closeTimeoutMs);
    this.compat?.stop();
    this.compatFutures?.stop();
    if (this.server) await this.server.stop();
    this.log.info({}, 'gateway stopped');
  }

  /**
   * Seeds the aggregator from storage and sets where each trade stream resumes (src/gateway/resume.ts),
   * after the resume sink's spool replay landed (bounded wait). Before any feed starts.
   */
  private async loadResume(): Promise<void> {
    const c = this.config;
    const pairs = this.definitions.filter((d) => this.tradeStreamVenues.has(d.venue))
      .flatMap((d) => d.symbols.map((symbol) => ({ venue: d.venue, symbol: symbol.toUpperCase() })));
    const points = await loadResume({
      sinks: c.sinks, drained: this.sinks.members.map((m) => () => m.drained()), pairs,
      timeCandleIntervalsMs: c.aggregate.timeCandleIntervalsMs, tickCandleTicks: c.aggregate.tickCandleTicks,
      volumeBarSize: c.aggregate.volumeBarSize, spoolWaitMs: c.aggregate.resumeSpoolWaitMs,
      maxRebuildTrades: c.aggregate.resumeMaxRebuildTrades, logger: this.log.child({ part: 'resume' }),
    }, (s) => {
      // The resume point may sit before stored ids (a partial bucket is rebuilt from the stream);
      // integrity also needs the last stored id, so a declared hole never covers delivered trades.
      const ids = [s.lastNonEmpty, ...s.timeCandles, ...s.tickCandles].map((r) => numericId(r?.lastTradeId ?? null)).filter((id): id is number => id !== null);
      if (ids.length > 0) this.storedThrough.set(`${s.venue}|${s.symbol}`, Math.max(...ids));
      return this.aggregator.seed(s, c.aggregate.resumeMaxRebuildTrades);
    });
    for (const [k, v] of points) this.resume.set(k, v);
  }

  /** Resolves when every consumer queue is empty and idle, or after timeoutMs. */
  private async drained(timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (this.now() < deadline) {
      const busy = Object.values(this.pipeline.stats().consumers).some((c) => c.queueDepth > 0 || c.inFlight > 0);
      if (!busy) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    this.log.warn({ timeoutMs }, 'pipeline not drained within the close timeout');
  }

  private onAggregate(out: AggregatorOutput): void {
    if (out.kind === 'trade') {
      this.sinks.push([out.trade]);
      return;
    }
    this.sinks.push([out as SinkRecord]);
    if (out.kind === 'snapshot') {
      this.aggregates.snapshots++;
      this.server?.publish(`snapshots.1s.${out.venue}.${out.symbol}`, out);
    } else {
      this.aggregates.candles++;
      this.server?.publish(`candles.${out.interval}.${out.venue}.${out.symbol}`, out);
    }
  }

  private onTradeGap(g: TradeGap): void {
    this.sinks.push([g]);
    this.log.error({
      venue: g.venue, symbol: g.symbol, source: g.source, fromId: g.fromId, toId: g.toId,
      missing: g.toId === null ? null : g.toId - g.fromId + 1, reason: g.reason, detail: g.detail,
    }, 'trade gap declared: ids never delivered; stored as a gap record and announced downstream');
  }

  private breakerOpen(venue: string): boolean {
    return this.manager.details().some((d) => d.venue === venue && d.breaker?.state === 'open');
  }

  private marketOpen(venue: string): boolean {
    const cal = this.calendars[venue];
    return cal === undefined || cal.isOpen(this.now());
  }

  private gateMarketHours(): void {
    for (const def of this.definitions) {
      if (!def.marketHours) continue;
      const feed = this.feeds.get(def.venue)!;
      const open = this.marketOpen(def.venue);
      const opened = feed.stats().connectAttempts > 0 && !feed.isSuspended;
      if (open && !opened) {
        this.log.info({ venue: def.venue }, 'market open: opening feed');
        void feed.start();
      } else if (!open && opened) {
        this.log.info({ venue: def.venue }, 'market closed: closing feed');
        void feed.suspend();
      }
    }
  }

  private publishStatus(): void {
    if (!this.server) return;
    try {
      this.server.publish('status', this.status());
    } catch (err) {
      this.log.error({ err }, 'status publish failed');
    }
  }

  private healthLine(): void {
    const s = this.status();
    this.log.info({
      connections: s.connections.length, healthy: s.connections.filter((c) => c.healthy).length,
      events: s.venues.reduce((a, v) => a + v.eventsTotal, 0), snapshots: s.aggregates.snapshots, candles: s.aggregates.candles,
      queues: Object.fromEntries(s.consumers.map((c) => [c.consumer, c.queueDepth])),
      sinks: Object.fromEntries(s.sinks.map((k) => [k.name, k.state])), lagP99Ms: s.eventLoopLagP99Ms, clients: s.clients.clients,
    }, 'health');
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref?.();
    this.timers.push(t);
  }
}

/** Builds and starts a gateway from a loaded config. */
export async function startGateway(config: TickgateConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const g = new Gateway(config, opts);
  try {
    await g.start();
  } catch (err) {
    await g.stop().catch(() => undefined);
    throw err;
  }
  return g;
}
