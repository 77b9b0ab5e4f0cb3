/**
 * A stand-in gateway for the dashboard: a real DownstreamServer (src/server) serving web/ and
 * publishing synthetic GatewayStatus objects, 1 s snapshots and 100-tick candles on the same
 * channels the gateway uses. Tests change its state (a connection goes stale, a sink spools) and
 * assert what the page shows.
 *
 * Runnable for a look by hand: `node --import tsx test/browser/harness.ts [port]` prints the URL.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DownstreamServer } from '../../src/server/server.js';
import type { ConnectionStatus, ConsumerFlow, GatewayStatus, SinkStatus, VenueFlow } from '../../src/gateway/status.js';
import type { Candle, Snapshot1s } from '../../src/model/aggregates.js';

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

export interface FakeSymbol { readonly venue: string; readonly symbol: string; readonly price: number; readonly decimals: number }

export interface FakeGatewayOptions {
  /** Port to listen on (0 = ephemeral); a restarted fake reuses the port it had. */
  readonly port?: number;
  /** Period of status + snapshot publication (a "second" of market time per tick). */
  readonly tickMs?: number;
  /** Backdated snapshots/candles/statuses published at start so the page has history to show. */
  readonly historySeconds?: number;
  readonly token?: string;
  readonly seed?: number;
}

export const DEFAULT_SYMBOLS: readonly FakeSymbol[] = [
  { venue: 'binance', symbol: 'BTCUSDT', price: 67_250, decimals: 2 },
  { venue: 'binance', symbol: 'ETHUSDT', price: 3_420.5, decimals: 2 },
  { venue: 'bybit', symbol: 'BTCUSDT', price: 67_248, decimals: 1 },
  { venue: 'equities', symbol: 'AAPL', price: 227.31, decimals: 2 },
];

/** Small deterministic PRNG so screenshots are comparable run to run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface MarketState { price: number; trades: number; candle: { open: number; high: number; low: number; close: number; buy: number; sell: number; count: number; start: number; firstId: number } | null; nextId: number }

export class FakeGateway {
  server: DownstreamServer;
  readonly connections: Mutable<ConnectionStatus>[];
  readonly venues: Mutable<VenueFlow>[];
  readonly consumers: Mutable<ConsumerFlow>[];
  readonly sinks: Mutable<SinkStatus>[];
  readonly clients = { clients: 1, backlogged: 0, drops: 0, conflations: 0, gapNotices: 0, slowConsumerCloses: 0, admissionRejections: {} as Record<string, number> };
  eventLoopLagP99Ms = 4;
  handlerTimeouts = 0;
  ready = true;
  notReadyReasons: string[] = [];
  /** Market time of the next snapshot, epoch ms (advances 1 s per tick). */
  marketTimeMs: number;
  snapshotsPublished = 0;
  candlesPublished = 0;
  statusesPublished = 0;
  /** When false, ticks still run but publish no status (a hung status publisher). */
  publishStatus = true;
  private readonly rnd: () => number;
  private readonly markets = new Map<string, MarketState>();
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();
  private port: number;

  constructor(readonly symbols: readonly FakeSymbol[] = DEFAULT_SYMBOLS, private readonly options: FakeGatewayOptions = {}) {
    this.rnd = mulberry32(options.seed ?? 7);
    this.port = options.port ?? 0;
    this.server = this.makeServer();
    this.marketTimeMs = Math.floor(Date.now() / 1000) * 1000 - (options.historySeconds ?? 0) * 1000;
    const streamsOf = (venue: string): string[] => this.symbols.filter((s) => s.venue === venue).flatMap((s) =>
      venue === 'binance' ? [`${s.symbol.toLowerCase()}@trade`, `${s.symbol.toLowerCase()}@depth@100ms`, `${s.symbol.toLowerCase()}@bookTicker`]
        : venue === 'bybit' ? [`publicTrade.${s.symbol}`, `orderbook.50.${s.symbol}`] : [s.symbol]);
    const conn = (key: string, venue: string, host: string, streams: string[]): Mutable<ConnectionStatus> => ({
      key, venue, state: 'connected', stateAgeMs: 61_000, healthy: true, unhealthyReason: null, lastFrameAgeMs: 12,
      pingRttMs: 1.8, reconnects: 0, backoffMs: null, breaker: { host, state: 'closed', failures: 0 }, streams, staleStreams: [],
    });
    const venuesUsed = [...new Set(this.symbols.map((s) => s.venue))];
    this.connections = venuesUsed.map((v) => conn(`${v}#0`, v, v === 'binance' ? 'stream.binance.com' : v === 'bybit' ? 'stream.bybit.com' : 'ws.eodhistoricaldata.com', streamsOf(v)));
    this.venues = venuesUsed.map((venue) => ({ venue, framesPerSec: 0, eventsPerSec: 0, framesTotal: 0, eventsTotal: 0, malformedFrames: 0, gapsDetected: 0, gapsFilled: 0, tradesBackfilled: 0, bookResyncs: 0, duplicatesDropped: 0, backfillsInProgress: 0, backfillIdsRemaining: 0, backfillTradesPerSec: 0, tradeGapsDeclared: 0, streamsBehind: 0 }));
    this.consumers = [
      { consumer: 'aggregate', queueDepth: 0, capacity: 10_000, dropped: 0, conflated: 0, timeouts: 0 },
      { consumer: 'sinks', queueDepth: 0, capacity: 10_000, dropped: 0, conflated: 0, timeouts: 0 },
      { consumer: 'server', queueDepth: 0, capacity: 10_000, dropped: 0, conflated: 0, timeouts: 0 },
    ];
    this.sinks = [
      { name: 'sqlite', state: 'ok', spoolRows: 0, spoolBytes: 0, written: 0, lastError: null },
      { name: 'postgres', state: 'ok', spoolRows: 0, spoolBytes: 0, written: 0, lastError: null },
    ];
    for (const s of this.symbols) this.markets.set(`${s.venue}.${s.symbol}`, { price: s.price, trades: 0, candle: null, nextId: 1_000_000 });
  }

  private makeServer(): DownstreamServer {
    return new DownstreamServer({ host: '127.0.0.1', port: this.port, staticDir: WEB_DIR, ...(this.options.token ? { token: this.options.token } : {}) });
  }

  get url(): string { return this.server.url; }

  async start(): Promise<this> {
    const { port } = await this.server.start();
    this.port = port;
    const history = this.options.historySeconds ?? 0;
    // Backdated history: statuses 1 s apart and market seconds, so charts open filled.
    for (let i = history; i > 0; i--) this.tick(Date.now() - i * 1000);
    this.timer = setInterval(() => this.tick(Date.now()), this.options.tickMs ?? 1000);
    this.timer.unref();
    return this;
  }

  /** Stops publishing and closes the port (the page must say it lost the gateway). */
  async stopServer(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.server.stop();
  }

  /** A fresh server (new epoch) on the same port, publishing again. */
  async restartServer(): Promise<void> {
    await this.stopServer();
    this.server = this.makeServer();
    await this.start();
  }

  /**
   * Closes the port and every client but keeps publishing into the same channels (same epoch,
   * same resume ring): with a fixed port, reopen() lets clients resume what they missed.
   */
  async closePort(): Promise<void> { await this.server.stop(); }
  async reopenPort(): Promise<void> { await this.server.start(); }

  async stop(): Promise<void> { await this.stopServer(); }

  connection(key: string): Mutable<ConnectionStatus> {
    const c = this.connections.find((x) => x.key === key);
    if (!c) throw new Error(`no fake connection ${key}`);
    return c;
  }

  sink(name: string): Mutable<SinkStatus> {
    const s = this.sinks.find((x) => x.name === name);
    if (!s) throw new Error(`no fake sink ${name}`);
    return s;
  }

  /** Sets a connection's state; resets its state age like the real state machine does. */
  setState(key: string, state: string, patch: Partial<Mutable<ConnectionStatus>> = {}): void {
    Object.assign(this.connection(key), { state, stateAgeMs: 0 }, patch);
  }

  status(now = Date.now()): GatewayStatus {
    return {
      time: now, startedAt: this.startedAt - 3_600_000, ready: this.ready, notReadyReasons: [...this.notReadyReasons],
      connections: this.connections.map((c) => ({ ...c, streams: [...c.streams], staleStreams: [...c.staleStreams], breaker: c.breaker ? { ...c.breaker } : null })),
      venues: this.venues.map((v) => ({ ...v })),
      consumers: this.consumers.map((c) => ({ ...c })),
      handlerTimeouts: this.handlerTimeouts,
      eventLoopLagP99Ms: this.eventLoopLagP99Ms,
      sinks: this.sinks.map((s) => ({ ...s })),
      clients: { ...this.clients, admissionRejections: { ...this.clients.admissionRejections } },
      symbols: this.symbols.map((s) => ({ venue: s.venue, symbol: s.symbol })),
      aggregates: { snapshots: this.snapshotsPublished, candles: this.candlesPublished },
    };
  }

  /** One period: advance every synthetic figure, publish a snapshot per symbol and the status. */
  tick(now: number): void {
    const dtMs = this.options.tickMs ?? 1000;
    const tSec = this.marketTimeMs;
    this.marketTimeMs += 1000;
    for (const c of this.connections) {
      c.stateAgeMs += dtMs;
      const live = c.state === 'connected' && c.healthy;
      c.lastFrameAgeMs = live ? Math.round(5 + this.rnd() * 40) : (c.lastFrameAgeMs ?? 0) + dtMs;
      if (live) c.pingRttMs = Math.round((1 + this.rnd() * 3) * 10) / 10;
    }
    for (const v of this.venues) {
      const up = this.connections.some((c) => c.venue === v.venue && c.state === 'connected' && c.healthy);
      const wave = 1 + 0.35 * Math.sin(now / 20_000 + v.venue.length);
      v.framesPerSec = up ? Math.round((v.venue === 'equities' ? 40 : 380) * wave * (0.85 + this.rnd() * 0.3)) : 0;
      v.eventsPerSec = Math.round(v.framesPerSec * 1.6);
      v.framesTotal += v.framesPerSec;
      v.eventsTotal += v.eventsPerSec;
    }
    for (const c of this.consumers) c.queueDepth = Math.round(this.rnd() * 40 + 200 * Math.max(0, Math.sin(now / 30_000)));
    this.eventLoopLagP99Ms = Math.round((3 + this.rnd() * 6 + 8 * Math.max(0, Math.sin(now / 25_000))) * 10) / 10;
    for (const s of this.sinks) if (s.state === 'ok') s.written += 120 + Math.round(this.rnd() * 40);
    for (const sym of this.symbols) this.publishMarket(sym, tSec);
    if (this.publishStatus) {
      this.server.publish('status', this.status(now));
      this.statusesPublished++;
    }
  }

  private publishMarket(sym: FakeSymbol, startTime: number): void {
    const key = `${sym.venue}.${sym.symbol}`;
    const m = this.markets.get(key)!;
    const trades = 3 + Math.floor(this.rnd() * 40);
    const fmt = (p: number): string => p.toFixed(sym.decimals);
    const open = m.price;
    let high = open; let low = open; let buy = 0; let sell = 0;
    for (let i = 0; i < trades; i++) {
      m.price = Math.max(0.01, m.price * (1 + (this.rnd() - 0.5) * 0.0012));
      high = Math.max(high, m.price); low = Math.min(low, m.price);
      const size = Math.round(this.rnd() * 1000) / 1000 + 0.001;
      if (this.rnd() < 0.5 + 0.3 * Math.sin(startTime / 40_000)) buy += size; else sell += size;
      this.tradeIntoCandle(sym, m, m.price, size, startTime, fmt);
    }
    const volume = buy + sell;
    const snap: Snapshot1s = {
      kind: 'snapshot', venue: sym.venue, symbol: sym.symbol, startTime, empty: false, revision: 0,
      open: fmt(open), high: fmt(high), low: fmt(low), close: fmt(m.price), volume: volume.toFixed(3),
      notional: (volume * m.price).toFixed(2), vwap: m.price, tradeCount: trades, buyVolume: buy.toFixed(3), sellVolume: sell.toFixed(3),
      firstTradeId: null, lastTradeId: null,
      enrichment: { time: startTime + 1000, windowMs: 5000, buyVolume: buy.toFixed(3), sellVolume: sell.toFixed(3), imbalance: volume > 0 ? (buy - sell) / volume : 0, intensity: trades },
    };
    this.server.publish(`snapshots.1s.${sym.venue}.${sym.symbol}`, snap);
    this.snapshotsPublished++;
  }

  private tradeIntoCandle(sym: FakeSymbol, m: MarketState, price: number, size: number, t: number, fmt: (p: number) => string): void {
    const id = m.nextId++;
    const buySide = this.rnd() < 0.5;
    if (!m.candle) m.candle = { open: price, high: price, low: price, close: price, buy: 0, sell: 0, count: 0, start: t, firstId: id };
    const c = m.candle;
    c.high = Math.max(c.high, price); c.low = Math.min(c.low, price); c.close = price; c.count++;
    if (buySide) c.buy += size; else c.sell += size;
    if (c.count < 100) return;
    const volume = c.buy + c.sell;
    const candle: Candle = {
      kind: 'candle', interval: 't100', candleType: 'tick', venue: sym.venue, symbol: sym.symbol, startTime: c.start, endTime: t + 999,
      open: fmt(c.open), high: fmt(c.high), low: fmt(c.low), close: fmt(c.close), volume: volume.toFixed(3), notional: (volume * c.close).toFixed(2),
      vwap: c.close, tradeCount: 100, buyVolume: c.buy.toFixed(3), sellVolume: c.sell.toFixed(3), firstTradeId: String(c.firstId), lastTradeId: String(id), revision: 0,
    };
    this.server.publish(`candles.t100.${sym.venue}.${sym.symbol}`, candle);
    this.candlesPublished++;
    m.candle = null;
  }
}

/** A port that was free a moment ago (for a fake that must come back on the same port). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return addr.port;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv[2] ?? 0);
  const fake = await new FakeGateway(DEFAULT_SYMBOLS, { port, historySeconds: 240 }).start();
  console.log(JSON.stringify({ dashboard: `${fake.url}/` }));
  const stop = (): void => { void fake.stop().then(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30);
}
