/**
 * A chaos rig: the simulator plus the gateway's venue side (ConnectionManager + VenueFeed per
 * venue, built like feeds-from-config does) with short timeouts, recording every delivered event
 * so a test can account for it against the simulator's ground truth.
 */
import { startSimulator, type Simulator } from '../../../simulator/index.js';
import type { VenueId } from '../../../simulator/faults.js';
import { ConnectionManager, type ConnectionOptions } from '../../../src/connection/index.js';
import { VenueFeed } from '../../../src/gateway/venue-feed.js';
import { binanceProtocol, binanceStream } from '../../../src/venues/binance/rules.js';
import { BinanceDecoder } from '../../../src/venues/binance/decode.js';
import { BinanceRest } from '../../../src/venues/binance/rest.js';
import { bybitProtocol, bybitTopic } from '../../../src/venues/bybit/rules.js';
import { BybitDecoder } from '../../../src/venues/bybit/decode.js';
import { BybitRest } from '../../../src/venues/bybit/rest.js';
import { equitiesProtocol } from '../../../src/venues/equities/rules.js';
import { EquitiesDecoder } from '../../../src/venues/equities/decode.js';
import type { MarketEvent } from '../../../src/model/events.js';
import type { IntegrityAlert } from '../../../src/integrity/feed-integrity.js';
import type { TruthTrade } from '../../../simulator/ground-truth.js';
import { normalizeDecimal } from '../../../src/model/decimal.js';
import { accountTrades, compareBook, type BookComparison, type DeliveredTrade, type TradeAccount } from './accounting.js';

export type ChaosVenue = 'binance' | 'bybit' | 'equities';

export const CHAOS_CONNECTION_OPTIONS: Partial<ConnectionOptions> = {
  connectTimeoutMs: 2_000,
  handshakeTimeoutMs: 2_000,
  heartbeatIntervalMs: 500,
  pingTimeoutMs: 700,
  heartbeatTimeoutMs: 3_000,
  staleAfterMs: 2_000,
  streamStaleAfterMs: 1_500,
  reconnectBaseDelayMs: 50,
  reconnectMaxDelayMs: 400,
  backoffResetAfterMs: 1_000,
  closeTimeoutMs: 500,
  // Faults make attempts fail on purpose; the breaker must not keep the feed away for a minute.
  breakerFailureThreshold: 1_000,
  breakerRecoveryMs: 200,
  networkCheck: 'off',
  maxMessagesPerSecond: 5,
};

/** Wait after a close 1008 / 429 upgrade without Retry-After (the venues' 60 s default is too long for a test). */
const RATE_LIMIT_BACKOFF_MS = 1_000;
/** Bybit's periodic recent-trades check (finds frames lost inside a live stream: skip, stop-stream). */
const BYBIT_RECONCILE_MS = 200;
/** Generated trades/s over every venue and symbol (3 crypto symbols x 3 venues + 3 equities). */
const DEFAULT_RATE = 300;

export interface RigOptions {
  readonly venues?: readonly ChaosVenue[];
  readonly symbols?: readonly string[];
  /** US-equities symbols (their own feed; no books). */
  readonly equitySymbols?: readonly string[];
  /** Generated trades/s over every venue and symbol. */
  readonly rate?: number;
  readonly seed?: number;
  readonly connectionOptions?: Partial<ConnectionOptions>;
  /** Bybit's periodic recent-trades check; 0 = only on reconnect. */
  readonly bybitReconcileMs?: number;
}

interface VenueRecord {
  readonly trades: Map<string, DeliveredTrade[]>;
  events: number;
  /** Largest receiveTime - eventTime of a live trade: shows a throttled or backed-up socket. */
  maxLagMs: number;
  /** Time the last fault was cleared; the first data frame after it ends the recovery. */
  clearedAt: number | null;
  /** When the fault broke the socket: recovery needs data from a newer socket generation. */
  afterGeneration: number | null;
  /** When the fault hit one stream: recovery needs data on that stream. */
  recoveryStream: string | null;
  recoveredAt: number | null;
  readonly alerts: IntegrityAlert[];
  /** Sum of the reconnects' downtimes (last socket gone -> new one live). */
  downtimeMs: number;
  /** Connection errors and stream-stale reports, for failure messages. */
  readonly log: string[];
}

export class ChaosRig {
  readonly feeds = new Map<ChaosVenue, VenueFeed>();
  readonly rest: BinanceRest;
  readonly bybitRest: BybitRest;
  private readonly records = new Map<ChaosVenue, VenueRecord>();
  readonly startedAt = Date.now();

  private constructor(
    readonly sim: Simulator,
    readonly manager: ConnectionManager,
    readonly venues: readonly ChaosVenue[],
    readonly symbols: readonly string[],
    readonly equitySymbols: readonly string[],
    private readonly connectionOptions: Partial<ConnectionOptions>,
    readonly bybitReconcileMs: number,
  ) {
    this.rest = new BinanceRest({ restBaseUrl: sim.urls.binanceRest, maxRetries: 3, rateLimitBackoffMs: 200 });
    // The real spot page (60 rows): losses beyond it stay visible in the accounting.
    this.bybitRest = new BybitRest({ restBaseUrl: `http://127.0.0.1:${sim.port}/bybit`, category: 'spot', maxRetries: 3, rateLimitBackoffMs: 200 });
  }

  static async start(o: RigOptions = {}): Promise<ChaosRig> {
    const symbols = o.symbols ?? ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
    const equitySymbols = o.equitySymbols ?? ['AAPL', 'MSFT', 'TSLA'];
    const sim = await startSimulator({ port: 0, seed: o.seed ?? 7, rate: o.rate ?? DEFAULT_RATE, symbols: [...symbols, ...equitySymbols], marketHours: 'always-open' });
    const opts = { ...CHAOS_CONNECTION_OPTIONS, ...o.connectionOptions };
    const rig = new ChaosRig(sim, new ConnectionManager({ options: opts }), o.venues ?? ['binance', 'bybit'], symbols, equitySymbols, opts, o.bybitReconcileMs ?? BYBIT_RECONCILE_MS);
    for (const v of rig.venues) rig.startFeed(v);
    await Promise.all([...rig.feeds.values()].map((f) => f.start()));
    for (const v of rig.venues) {
      const rec = rig.records.get(v)!;
      for (const c of rig.feed(v).connectionList()) {
        c.on('frame', (_text, meta) => {
          if (rec.clearedAt === null || rec.recoveredAt !== null || meta.receiveTime < rec.clearedAt) return;
          if (rec.recoveryStream !== null && meta.stream !== rec.recoveryStream) return;
          if (rec.afterGeneration === null || meta.generation > rec.afterGeneration) rec.recoveredAt = meta.receiveTime;
        });
        c.on('reconnected', (i) => { rec.downtimeMs += i.downtimeMs; });
        c.on('error', (e) => rec.log.push(`+${Date.now() - rig.startedAt}ms ${e.code}: ${e.message.slice(0, 160)}`));
        c.on('stream_stale', (i) => rec.log.push(`+${Date.now() - rig.startedAt}ms stream_stale ${i.stream} strike ${i.strike} -> ${i.action}`));
      }
    }
    return rig;
  }

  private startFeed(venue: ChaosVenue): void {
    const rec: VenueRecord = { trades: new Map(), events: 0, maxLagMs: 0, clearedAt: null, afterGeneration: null, recoveryStream: null, recoveredAt: null, downtimeMs: 0, alerts: [], log: [] };
    this.records.set(venue, rec);
    const host = `127.0.0.1:${this.sim.port}`;
    const onEvent = (e: MarketEvent): void => {
      rec.events++;
      if (e.type !== 'trade') return;
      if (e.source !== 'backfill') rec.maxLagMs = Math.max(rec.maxLagMs, e.receiveTime - e.eventTime);
      let list = rec.trades.get(e.symbol);
      if (list === undefined) rec.trades.set(e.symbol, (list = []));
      // Equities carry no trade id: matched to the truth by time, price and size when accounted.
      list.push({ id: venue === 'equities' ? NaN : (e.seq ?? Number(e.tradeId)), price: e.price, size: e.size, timeMs: e.eventTime, backfill: e.source === 'backfill' });
    };
    const common = { manager: this.manager, connectionOptions: this.connectionOptions, onEvent, onAlert: (a: IntegrityAlert) => rec.alerts.push(a), retryBaseDelayMs: 50, retryMaxDelayMs: 400 };
    const integrityBase = { retryDelayMs: 100, maxFetchAttempts: 20, maxSnapshotAttempts: 20 };
    if (venue === 'binance') {
      this.feeds.set(venue, new VenueFeed({
        ...common, venue, key: 'binance',
        protocol: binanceProtocol({ wsBaseUrl: `ws://${host}/binance`, rateLimitBackoffMs: RATE_LIMIT_BACKOFF_MS }),
        streams: this.symbols.flatMap((s) => [binanceStream(s, 'trade'), binanceStream(s, 'bookTicker'), binanceStream(s, 'depth@100ms')]),
        decoder: () => new BinanceDecoder(),
        integrity: { ...integrityBase, bookRules: 'binance-spot', fetchTrades: this.rest.fetchTrades, fetchBookSnapshot: this.rest.fetchBookSnapshot },
      }));
    } else if (venue === 'equities') {
      this.feeds.set(venue, new VenueFeed({
        ...common, venue, key: 'equities',
        protocol: equitiesProtocol({ wsBaseUrl: `ws://${host}/equities`, path: '/ws', apiToken: 'demo', rateLimitBackoffMs: RATE_LIMIT_BACKOFF_MS }),
        streams: this.equitySymbols,
        decoder: () => new EquitiesDecoder(),
        integrity: { ...integrityBase },
      }));
    } else {
      this.feeds.set(venue, new VenueFeed({
        ...common, venue, key: 'bybit',
        protocol: bybitProtocol({ wsBaseUrl: `ws://${host}/bybit`, rateLimitBackoffMs: RATE_LIMIT_BACKOFF_MS }),
        streams: this.symbols.flatMap((s) => [bybitTopic(s, 'publicTrade'), bybitTopic(s, 'orderbook.50')]),
        decoder: () => new BybitDecoder(),
        integrity: { ...integrityBase, bookRules: 'bybit', fetchRecentTrades: this.bybitRest.fetchRecentTrades, recentTradesReconcileMs: this.bybitReconcileMs },
      }));
    }
  }

  symbolsOf(venue: ChaosVenue): readonly string[] {
    return venue === 'equities' ? this.equitySymbols : this.symbols;
  }

  /** Venues with order books in this rig. */
  private hasBooks(venue: ChaosVenue): boolean {
    return venue !== 'equities';
  }

  feed(venue: ChaosVenue): VenueFeed {
    return this.feeds.get(venue)!;
  }

  delivered(venue: ChaosVenue, symbol: string): readonly DeliveredTrade[] {
    return this.records.get(venue)?.trades.get(symbol) ?? [];
  }

  connectionLog(venue: ChaosVenue): readonly string[] {
    return this.records.get(venue)?.log ?? [];
  }

  maxLagMs(venue: ChaosVenue): number {
    return this.records.get(venue)?.maxLagMs ?? 0;
  }

  alerts(venue: ChaosVenue): readonly IntegrityAlert[] {
    return this.records.get(venue)?.alerts ?? [];
  }

  /** Every venue delivers trades for every symbol and has its books in sync. */
  async waitForData(timeoutMs = 10_000): Promise<void> {
    const counts = new Map(this.venues.map((v) => [v, this.symbolsOf(v).map((s) => this.delivered(v, s).length)]));
    await waitFor(() => this.venues.every((v) => this.symbolsOf(v).every((s, i) => this.delivered(v, s).length > counts.get(v)![i]! && (!this.hasBooks(v) || (this.feed(v).integrity.book(s)?.lastUpdateId ?? -1) > 0))), timeoutMs, 'trades and books on every venue and symbol');
  }

  downtimeMs(venue: ChaosVenue): number {
    return this.records.get(venue)?.downtimeMs ?? 0;
  }

  reconnects(venue: ChaosVenue): number {
    return this.feed(venue).connectionList().reduce((n, c) => n + c.stats().reconnects, 0);
  }

  /** Newest socket generation of the venue's connections (increases with every attempt). */
  generation(venue: ChaosVenue): number {
    return this.feed(venue).connectionList().reduce((g, c) => Math.max(g, c.stats().generation), 0);
  }

  /**
   * The fault is over (cleared, or a one-shot fault fired): recovery time is measured from now to
   * the first data frame, from a socket newer than `afterGeneration` when the fault broke the
   * socket (frames still in flight on the old one do not count), on `stream` when the fault hit
   * only that one.
   */
  markCleared(venues: readonly ChaosVenue[] = this.venues, afterGeneration: number | null = null, stream: string | null = null): void {
    const now = Date.now();
    for (const v of venues) {
      const r = this.records.get(v)!;
      r.clearedAt = now;
      r.afterGeneration = afterGeneration;
      r.recoveryStream = stream;
      r.recoveredAt = null;
    }
  }

  /** Waits for the first data frame after markCleared; returns the recovery time in ms. */
  async recovery(venue: ChaosVenue, timeoutMs = 15_000): Promise<number> {
    const r = this.records.get(venue)!;
    await waitFor(() => r.recoveredAt !== null, timeoutMs, `${venue}: first data after the fault cleared`);
    return r.recoveredAt! - r.clearedAt!;
  }

  /** Repairs the venue's connections made so far: reconnects plus stream-stale episodes (resubscriptions). */
  repairs(venue: ChaosVenue): number {
    return this.feed(venue).connectionList().reduce((m, c) => m + c.stats().reconnects + c.stats().streamStaleEpisodes, 0);
  }

  /**
   * Stops generation, flushes pending book updates and waits until every venue delivered its
   * last generated trade per symbol, books match, and integrity is idle (no backfill/snapshot).
   * Does not throw on a timeout: the accounting shows what is missing. Returns the repairs the
   * connection made meanwhile (reconnects, stream-stale episodes): with generation stopped the
   * streams go quiet, and a resubscription would hide a book or trade stream left broken.
   */
  async settle(timeoutMs = 15_000): Promise<{ readonly repairsWhileSettling: number }> {
    const repairs = (): number => this.venues.reduce((n, v) => n + this.repairs(v), 0);
    const repairsBefore = repairs();
    this.sim.setRate(0);
    this.sim.publishBooks();
    const deadline = Date.now() + timeoutMs;
    const caughtUp = (): boolean => this.venues.every((v) => this.symbolsOf(v).every((s) => {
      const last = this.sim.truth.lastTrade(v as VenueId, s);
      const got = this.delivered(v, s);
      // Late backfilled trades (older ids) may come last: the newest delivered one counts.
      const tail = got.reduce<DeliveredTrade | undefined>((best, d) => (best === undefined || d.id > best.id || (v === 'equities' && d.timeMs > best.timeMs) ? d : best), undefined);
      const truthBook = this.sim.truth.book(v as VenueId, s);
      const bookOk = truthBook === null || compareBook(s, truthBook, this.feed(v).integrity.book(s)).equal;
      const tradesOk = last === undefined || (tail !== undefined && (v === 'equities' ? tail.timeMs >= last.timeMs : tail.id >= last.id));
      return tradesOk && bookOk;
    }));
    await waitFor(caughtUp, timeoutMs, 'caught up').catch(() => undefined);
    // Counted up to the catch-up: a repair before it could be what made the data whole. After it,
    // the streams are quiet because generation stopped: a stream-stale episode then (a slow
    // settle on a loaded machine) repairs nothing and hides nothing, the data already equal.
    const repairsWhileSettling = repairs() - repairsBefore;
    // Bybit: a frame lost inside the live stream only shows in the next periodic check; let one
    // full pass run after generation stopped (as the gateway would a moment later).
    if (this.venues.includes('bybit') && this.bybitReconcileMs > 0) {
      const integrity = this.feed('bybit').integrity;
      const before = integrity.stats().reconciliations;
      await waitFor(() => integrity.stats().reconciliations >= before + 2 * this.symbols.length, Math.max(1, deadline - Date.now()), 'a recent-trades pass').catch(() => undefined);
    }
    for (const v of this.venues) {
      const left = Math.max(1, deadline - Date.now());
      await withTimeout(this.feed(v).integrity.idle(), left).catch(() => undefined);
    }
    // Anything still in flight on the sockets arrives within a few polls; duplicates would show then.
    await new Promise((r) => setTimeout(r, 150));
    return { repairsWhileSettling };
  }

  /** Per symbol, from the first trade the feed delivered (earlier ones predate the subscription). */
  trades(venue: ChaosVenue): TradeAccount[] {
    return this.symbolsOf(venue).map((s) => {
      const all = this.sim.truth.trades(venue as VenueId, s);
      const got = venue === 'equities' ? matchByContent(all, this.delivered(venue, s)) : this.delivered(venue, s);
      let fromId = Infinity;
      for (const t of got) if (t.id >= 0 && t.id < fromId) fromId = t.id;
      return accountTrades(s, all.filter((t) => t.id >= fromId), got);
    });
  }

  books(venue: ChaosVenue): BookComparison[] {
    if (!this.hasBooks(venue)) return [];
    return this.symbols.map((s) => {
      const truth = this.sim.truth.book(venue as VenueId, s);
      if (truth === null) throw new Error(`simulator has no ${venue} book for ${s}`);
      return compareBook(s, truth, this.feed(venue).integrity.book(s));
    });
  }

  async close(): Promise<void> {
    for (const f of this.feeds.values()) await f.stop();
    await this.manager.shutdown();
    await this.sim.close();
  }
}

/**
 * Gives id-less trades (equities) the truth id of the earliest not yet matched truth trade with
 * the same time, price and size; a second delivery of an already matched trade reuses its id
 * (a duplicate), one matching nothing gets -1 (unknown).
 */
function matchByContent(truth: readonly TruthTrade[], delivered: readonly DeliveredTrade[]): DeliveredTrade[] {
  const key = (timeMs: number, price: string, size: string): string => `${timeMs}|${normalizeDecimal(price)}|${normalizeDecimal(size)}`;
  const open = new Map<string, number[]>();
  for (const t of truth) {
    const k = key(t.timeMs, t.price, t.qty);
    const ids = open.get(k);
    if (ids === undefined) open.set(k, [t.id]);
    else ids.push(t.id);
  }
  const matched = new Map<string, number>();
  return delivered.map((d) => {
    const k = key(d.timeMs, d.price, d.size);
    const id = open.get(k)?.shift() ?? matched.get(k) ?? -1;
    if (id >= 0) matched.set(k, id);
    return { ...d, id };
  });
}

/** Polls `cond` every 20 ms; rejects after timeoutMs naming what was awaited. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms); })]).finally(() => clearTimeout(timer));
}
