/**
 * The Binance-compatible endpoint as one object: fed with tickgate's ordered, gap-checked events
 * (consume), it serves Binance's WebSocket streams and REST under a path prefix of the server's
 * port (handleUpgrade / handleRequest). It speaks to clients only: upstream subscriptions go
 * through the injected UpstreamControl, forwarded REST through its own weight budget.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { MarketEvent } from '../../model/events.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import type { Dialect } from './dialect.js';
import { SPOT_DIALECT } from './frames.js';
import { inCandles, StreamHub } from './hub.js';
import { MarketState, type TradeStream } from './market-state.js';
import { BinanceRestRoutes } from './rest.js';
import { RestForwarder } from './rest-forward.js';
import { UpstreamDemand, type UpstreamControl } from './upstream-demand.js';
import { WsEndpoint } from './ws-endpoint.js';

export interface BinanceCompatSettings {
  readonly pathPrefix: string;
  readonly maxStreamsPerConnection: number;
  readonly maxIncomingMessagesPerSec: number;
  readonly maxConnections: number;
  readonly maxStreamsTotal: number;
  readonly maxOnDemandStreams: number;
  readonly upstreamReleaseGraceMs: number;
  readonly connectionLifetimeMs: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly maxIncomingPayloadBytes: number;
  readonly maxSocketBufferedBytes: number;
  readonly recentTradesPerSymbol: number;
  readonly restCacheTtlMs: number;
  readonly exchangeInfoTtlMs: number;
  readonly restCacheMaxEntries: number;
  readonly restMaxBodyBytes: number;
  readonly forwardWeightPerMinute: number;
  readonly forwardTimeoutMs: number;
}

export interface BinanceCompatOptions {
  readonly settings: BinanceCompatSettings;
  /** Venue id of the events served ("binance", "binance-futures"). */
  readonly venue: string;
  /** The Binance API spoken (default spot; USD_M_DIALECT for binance-futures). */
  readonly dialect?: Dialect;
  /** Upstream REST base for forwarded requests. */
  readonly restBaseUrl: string;
  /** Symbols tickgate carries by config (always listed, even before exchangeInfo answered). */
  readonly symbols: readonly string[];
  /** Subscribes streams tickgate does not carry; null: only configured streams are served. */
  readonly upstream: UpstreamControl | null;
  /** Which trade stream klines are folded from ('trade' when configured, else 'aggTrade'). */
  readonly klineSource?: TradeStream;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

export class BinanceCompat {
  readonly market: MarketState;
  readonly hub: StreamHub;
  readonly demand: UpstreamDemand;
  readonly forwarder: RestForwarder;
  readonly rest: BinanceRestRoutes;
  readonly ws: WsEndpoint;
  readonly prefix: string;
  readonly dialect: Dialect;
  private readonly log: Logger;
  private readonly configured: Set<string>;
  /** Trade stream klines and the 24 h tickers are folded from. */
  private readonly tickerSource: TradeStream;
  private listed: { symbols: Set<string>; at: number } | null = null;
  private listing: Promise<Set<string> | null> | null = null;

  constructor(private readonly opts: BinanceCompatOptions) {
    const s = opts.settings;
    const now = opts.now ?? Date.now;
    this.log = (opts.logger ?? silentLogger()).child({ part: 'compat', venue: opts.venue });
    this.prefix = s.pathPrefix;
    this.dialect = opts.dialect ?? SPOT_DIALECT;
    this.tickerSource = opts.klineSource ?? 'trade';
    this.configured = new Set(opts.symbols.map((x) => x.toUpperCase()));
    this.market = new MarketState({ venue: opts.venue, tradesPerSymbol: s.recentTradesPerSymbol, maxSymbols: this.configured.size + s.maxOnDemandStreams });
    this.hub = new StreamHub(this.market, now, opts.klineSource ?? 'trade', this.dialect);
    const noUpstream: UpstreamControl = { isConfigured: () => true, subscribe: async () => undefined, unsubscribe: async () => undefined };
    this.demand = new UpstreamDemand({
      control: opts.upstream ?? noUpstream, maxOnDemandStreams: s.maxOnDemandStreams, releaseGraceMs: s.upstreamReleaseGraceMs,
      onError: (stream, err) => this.log.warn({ stream, err: { message: (err as Error).message } }, 'compat upstream subscription failed'),
    });
    this.forwarder = new RestForwarder({
      baseUrl: opts.restBaseUrl, weightPerMinute: s.forwardWeightPerMinute, cacheTtlMs: s.restCacheTtlMs, exchangeInfoTtlMs: s.exchangeInfoTtlMs,
      cacheMaxEntries: s.restCacheMaxEntries, maxBodyBytes: s.restMaxBodyBytes, timeoutMs: s.forwardTimeoutMs, weightOf: this.dialect.weightOf, now, ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.rest = new BinanceRestRoutes(this.market, this.forwarder, now, this.hub.tickers, this.dialect);
    this.ws = new WsEndpoint({
      prefix: s.pathPrefix, maxStreamsPerConnection: s.maxStreamsPerConnection, maxIncomingMessagesPerSec: s.maxIncomingMessagesPerSec,
      maxConnections: s.maxConnections, maxStreamsTotal: s.maxStreamsTotal, connectionLifetimeMs: s.connectionLifetimeMs,
      pingIntervalMs: s.pingIntervalMs, pongTimeoutMs: s.pongTimeoutMs, maxIncomingPayloadBytes: s.maxIncomingPayloadBytes,
      maxSocketBufferedBytes: s.maxSocketBufferedBytes, klineSource: opts.klineSource ?? 'trade',
      streamRules: this.dialect, wsCategories: this.dialect.wsCategories,
      isListed: (sym) => this.isListed(sym), logger: this.log, now,
    }, this.hub, this.demand);
  }

  start(): void {
    this.hub.start();
    this.ws.start();
  }

  stop(): void {
    this.ws.close();
    this.hub.stop();
    this.demand.close();
  }

  /** Pipeline consumer: every event of the venue, in order per stream. */
  consume(e: MarketEvent): void {
    const r = this.market.apply(e);
    if (r === null) return;
    switch (e.type) {
      case 'trade':
        if (r.stream === null) return;
        if (r.stream === this.tickerSource && inCandles(e)) this.hub.tickers.of(e.symbol).add(e);
        this.hub.onTrade(e, r.stream);
        return;
      case 'trade_gap':
        // A declared hole in the ticker's trades: REST ticker/24hr is forwarded until 24 h pass.
        if (e.source === this.tickerSource) this.hub.tickers.get(e.symbol)?.markGap();
        return;
      case 'book_delta':
        // Only deltas that continue the maintained book reach clients (integrity applied them).
        if (r.state.bookSynced) this.hub.onDelta(e);
        return;
      case 'book_ticker':
        this.hub.tickers.get(e.symbol)?.markBook();
        this.hub.onBookTicker(e);
        return;
      case 'mark_price':
        this.hub.onMarkPrice(e);
        return;
      default:
    }
  }

  /** Venue id of the events served. */
  get venue(): string {
    return this.opts.venue;
  }

  /** True when the path is this endpoint's. */
  owns(path: string): boolean {
    return path === this.prefix || path.startsWith(`${this.prefix}/`);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.ws.handleUpgrade(req, socket, head).catch((err: unknown) => {
      this.log.warn({ err: { message: (err as Error).message } }, 'compat upgrade failed');
      socket.destroy();
    });
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    url.searchParams.delete('token'); // the server's own auth parameter is not Binance's
    this.rest.handle(req, res, url.pathname.slice(this.prefix.length), url.searchParams).catch((err: unknown) => {
      this.log.warn({ err: { message: (err as Error).message } }, 'compat request failed');
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end('{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}');
    });
  }

  /** Symbols the venue lists (exchangeInfo, cached) plus the configured ones. */
  async isListed(symbol: string): Promise<boolean> {
    if (this.configured.has(symbol)) return true;
    const now = (this.opts.now ?? Date.now)();
    if (this.listed === null || now - this.listed.at > this.opts.settings.exchangeInfoTtlMs) {
      this.listing ??= this.loadListing().finally(() => { this.listing = null; });
      const set = await this.listing;
      if (set !== null) this.listed = { symbols: set, at: now };
    }
    return this.listed?.symbols.has(symbol) ?? false;
  }

  private async loadListing(): Promise<Set<string> | null> {
    const a = await this.forwarder.get(`${this.dialect.restPrefix}/exchangeInfo`, new URLSearchParams());
    if (a.status !== 200) return null;
    try {
      const body = JSON.parse(a.body) as { symbols?: { symbol?: unknown }[] };
      return new Set((body.symbols ?? []).map((x) => String(x.symbol)));
    } catch {
      return null;
    }
  }

  stats(): Record<string, unknown> {
    const d = this.demand.stats();
    const f = this.forwarder.stats();
    return {
      clients: this.ws.clients, streamsDownstream: this.hub.size, upstreamStreamsAsked: d.asked, upstreamOnDemand: d.heldOnDemand,
      deliveries: this.hub.counters.deliveries, tickers: { windows: this.hub.tickers.size, ...this.hub.tickerCounters }, ws: this.ws.counters, rest: this.rest.counters, forward: f,
      cacheHitRatio: f.requests === 0 ? 0 : (f.cacheHits + f.shared) / f.requests,
    };
  }
}
