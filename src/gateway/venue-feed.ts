/**
 * One venue's feed: connections (sharded by the manager) -> decoder -> integrity -> onEvent.
 * This is glue, not logic: each stage is its own tested part. The feed keeps the first connect
 * trying (a venue that is down at start is retried with backoff; once a connection has been live,
 * it reconnects by itself) and counts what it sees per venue.
 *
 * Subscriptions can follow a symbol filter (a cluster collector subscribes only to the symbols of
 * the shards it leases): setSymbolFilter() before start() narrows the first subscribe, and
 * refreshSubscriptions() after a change subscribes / unsubscribes live streams (the connection's
 * reference-counted registry; new connections when the existing ones are full). Streams that are
 * not one symbol's (market-wide, e.g. `!forceOrder@arr`) are never filtered.
 */
import type { Connection, ConnectionManager, ConnectionOptions, VenueProtocol } from '../connection/index.js';
import { Backoff } from '../connection/backoff.js';
import type { FrameDecoder, DecodeResult } from '../venues/decode-result.js';
import { FeedIntegrity, symbolOfStream, type FeedIntegrityOptions, type IntegrityAlert } from '../integrity/feed-integrity.js';
import type { MarketEvent } from '../model/events.js';
import type { TickgateError } from '../model/errors.js';
import { silentLogger, type Logger } from '../observability/logger.js';

export interface VenueFeedOptions {
  readonly venue: string;
  /** Base key of this feed's connections in the manager ("binance" -> "binance#0", ...). */
  readonly key: string;
  readonly protocol: VenueProtocol;
  readonly streams: readonly string[];
  /** A fresh decoder per connection (stats are per instance). */
  readonly decoder: () => FrameDecoder;
  readonly integrity: Omit<FeedIntegrityOptions, 'venue' | 'onEvent' | 'onAlert' | 'logger'>;
  readonly manager: ConnectionManager;
  readonly connectionOptions?: Partial<ConnectionOptions>;
  readonly onEvent: (e: MarketEvent) => void;
  readonly onAlert?: (a: IntegrityAlert) => void;
  /** Signals a decoder found (listenKey expiry, venue errors). */
  readonly onSignal?: (s: NonNullable<DecodeResult['signal']>, conn: Connection) => void;
  readonly logger?: Logger;
  /** Runs before each connect attempt (e.g. create a listenKey); a rejection counts as a failed attempt. */
  readonly beforeConnect?: () => Promise<void>;
  /** Delay bounds of the initial-connect retry loop. */
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

export interface VenueFeedStats {
  readonly venue: string;
  readonly frames: number;
  readonly events: number;
  readonly malformed: number;
  readonly lastMalformed: { readonly code: string; readonly message: string; readonly stream: string; readonly excerpt: string } | null;
  readonly connectAttempts: number;
  readonly lastConnectError: string | null;
}

/** Runtime subscription changes of a filtered feed (streams, not requests). */
export interface FeedSubscriptionStats {
  subscribed: number;
  unsubscribed: number;
  /** Connections opened after start because the others were full. */
  connectionsAdded: number;
  failures: number;
}

const isBookStream = (stream: string): boolean => stream.startsWith('orderbook.') || stream.includes('@depth');

/** One symbol's stream ("btcusdt@trade", "publicTrade.BTCUSDT", "AAPL"), not a market-wide one ("!forceOrder@arr"). */
const SYMBOL_NAME = /^[A-Z0-9][A-Z0-9_-]*$/;
export function symbolStreamOf(stream: string): string | null {
  const s = symbolOfStream(stream);
  return SYMBOL_NAME.test(s) ? s : null;
}

/** Malformed frames are logged at most once per this interval per feed (the counter stays exact). */
const MALFORMED_LOG_INTERVAL_MS = 10_000;
/** A failed subscription change (filtered feeds) is retried after this (at most retryMaxDelayMs). */
const SUBSCRIPTION_RETRY_MS = 2_000;

export class VenueFeed {
  readonly integrity: FeedIntegrity;
  private readonly log: Logger;
  /** "<connection key>|<stream>" of streams reported stale and not yet recovered. */
  private readonly stale = new Set<string>();
  private connections: Connection[] = [];
  private frames = 0;
  private events = 0;
  private malformed = 0;
  private lastMalformed: VenueFeedStats['lastMalformed'] = null;
  private lastMalformedLogAt = -Infinity;
  private connectAttempts = 0;
  private lastConnectError: string | null = null;
  private stopped = false;
  private suspended = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  /** Which symbols' streams to subscribe (null: every stream). */
  private wanted: ((symbol: string) => boolean) | null = null;
  /** Subscription changes run one after another (each diffs the wanted set against the registries). */
  private syncing: Promise<void> = Promise.resolve();
  private subscriptionRetry: NodeJS.Timeout | null = null;
  private readonly subscriptionChanges: FeedSubscriptionStats = { subscribed: 0, unsubscribed: 0, connectionsAdded: 0, failures: 0 };

  constructor(private readonly opts: VenueFeedOptions) {
    this.log = (opts.logger ?? silentLogger()).child({ venue: opts.venue });
    this.integrity = new FeedIntegrity({
      ...opts.integrity,
      // A venue whose books resync from a stream snapshot (Bybit) needs the book topic resubscribed.
      requestResubscribe: opts.integrity.requestResubscribe ?? ((symbol) => this.resubscribeBook(symbol)),
      venue: opts.venue,
      logger: this.log,
      onEvent: (e) => {
        this.events++;
        opts.onEvent(e);
      },
      onAlert: (a) => {
        this.log.error({ alert: a }, 'integrity alert');
        opts.onAlert?.(a);
      },
    });
    this.backoff = new Backoff({
      baseDelayMs: opts.retryBaseDelayMs ?? 500,
      maxDelayMs: opts.retryMaxDelayMs ?? 30_000,
      resetAfterMs: 0,
    });
  }

  get venue(): string {
    return this.opts.venue;
  }

  /** REST trade fetcher of this venue's integrity (a cluster takeover backfills with it), if any. */
  get fetchTrades(): FeedIntegrityOptions['fetchTrades'] {
    return this.opts.integrity.fetchTrades;
  }

  /** Symbols this feed has per-symbol streams for (whatever the filter). */
  symbols(): string[] {
    const out = new Set<string>();
    for (const st of this.opts.streams) { const s = symbolStreamOf(st); if (s !== null) out.add(s); }
    return [...out];
  }

  /** Streams to hold now: every configured one, or those the filter wants (plus market-wide ones). */
  wantedStreams(): string[] {
    const w = this.wanted;
    if (w === null) return [...this.opts.streams];
    return this.opts.streams.filter((st) => { const s = symbolStreamOf(st); return s === null || w(s); });
  }

  /**
   * Subscribe only the streams of symbols `wanted` accepts (null: all). Before start() this shapes
   * the first subscribe; afterwards call refreshSubscriptions() whenever the answer changes.
   */
  setSymbolFilter(wanted: ((symbol: string) => boolean) | null): Promise<void> {
    this.wanted = wanted;
    return this.refreshSubscriptions();
  }

  /** Brings the venue subscriptions to wantedStreams(); resolves when the venue acked the changes. */
  refreshSubscriptions(): Promise<void> {
    const run = this.syncing.then(() => this.applyWanted());
    this.syncing = run.catch((err: unknown) => {
      this.subscriptionChanges.failures++;
      // E.g. a connection for more streams could not be opened (venue down): try again by itself,
      // a lease change may never come to trigger it.
      const delay = Math.min(this.opts.retryMaxDelayMs ?? 30_000, SUBSCRIPTION_RETRY_MS);
      this.log.warn({ err: { message: (err as Error).message }, retryInMs: delay }, 'subscription change failed; retrying');
      if (!this.stopped && this.subscriptionRetry === null) {
        this.subscriptionRetry = setTimeout(() => { this.subscriptionRetry = null; void this.refreshSubscriptions(); }, delay);
        this.subscriptionRetry.unref?.();
      }
    });
    return this.syncing;
  }

  /** Streams subscribed (registered) on this feed's connections now. */
  subscribedStreams(): string[] {
    return this.connections.filter((c) => c.state !== 'closed').flatMap((c) => c.streams());
  }

  subscriptionStats(): Readonly<FeedSubscriptionStats> {
    return { ...this.subscriptionChanges };
  }

  private async applyWanted(): Promise<void> {
    if (this.stopped || this.suspended || this.connections.length === 0) return; // start() subscribes wantedStreams()
    const want = new Set(this.wantedStreams());
    const open = this.connections.filter((c) => c.state !== 'closed');
    const have = new Set<string>();
    const removals: Promise<void>[] = [];
    for (const c of open) {
      const streams = c.streams();
      for (const st of streams) have.add(st);
      const gone = streams.filter((st) => !want.has(st));
      if (gone.length === 0) continue;
      this.subscriptionChanges.unsubscribed += gone.length;
      this.log.info({ connection: c.stats().key, streams: gone.length }, 'unsubscribing streams (no longer wanted)');
      removals.push(c.removeStreams(gone));
    }
    await Promise.all(removals);
    const add = [...want].filter((st) => !have.has(st));
    if (add.length === 0) return;
    this.subscriptionChanges.subscribed += add.length;
    this.log.info({ streams: add.length }, 'subscribing streams (now wanted)');
    const per = Math.max(1, this.opts.protocol.limits.maxStreamsPerConnection);
    const adds: Promise<void>[] = [];
    for (const c of open) {
      const room = per - c.streams().length;
      if (room <= 0 || add.length === 0) continue;
      adds.push(c.addStreams(add.splice(0, room)));
    }
    await Promise.all(adds);
    // Every connection is full: open more, keyed after the highest "#i" in use.
    let next = 1 + Math.max(-1, ...this.connections.map((c) => Number(/#(\d+)$/.exec(c.stats().key)?.[1] ?? -1)));
    while (add.length > 0 && !this.stopped && !this.suspended) {
      const conn = await this.opts.manager.connect(`${this.opts.key}#${next++}`, {
        protocol: this.opts.protocol, streams: add.splice(0, per), options: { ...this.opts.connectionOptions }, onCreate: (c) => this.attach(c),
      });
      this.subscriptionChanges.connectionsAdded++;
      this.connections = [...this.connections, conn];
    }
  }

  /** Starts connecting; resolves once every shard is live, keeps retrying in the background if not. */
  start(): Promise<void> {
    this.suspended = false;
    return this.attempt();
  }

  private attempt(): Promise<void> {
    if (this.stopped || this.suspended) return Promise.resolve();
    this.connectAttempts++;
    return Promise.resolve()
      .then(() => this.opts.beforeConnect?.())
      .then(() => this.opts.manager.connectStreams(this.opts.key, this.opts.protocol, this.wantedStreams(), {
        ...this.opts.connectionOptions,
      }, (conn) => this.attach(conn)))
      .then((conns) => {
        this.connections = conns;
        this.lastConnectError = null;
        this.backoff.reset();
        this.log.info({ connections: conns.length, streams: this.subscribedStreams().length }, 'feed live');
        // The filter may have changed while the first subscribe was in flight.
        if (this.wanted !== null) void this.refreshSubscriptions();
      })
      .catch((err: unknown) => {
        if (this.stopped || this.suspended) return;
        const e = err as TickgateError;
        this.lastConnectError = `${e.code ?? 'E_CONNECT'}: ${e.message}`;
        const delay = this.backoff.next();
        this.log.warn({ err: { code: e.code, message: e.message }, retryInMs: delay }, 'feed connect failed; retrying');
        // A fatal refusal (bad credentials, unknown symbol) is retried slowly, never in a loop.
        this.retryTimer = setTimeout(() => { this.retryTimer = null; void this.attempt(); }, e.retryable === false ? Math.max(delay, 30_000) : delay);
        this.retryTimer.unref?.();
      });
  }

  /** Wires one connection; called by the manager before its first socket opens. */
  private attach(conn: Connection): void {
    const decoder = this.opts.decoder();
    // A connection whose first handshake failed is closed and replaced by the next attempt's:
    // drop its stale marks so retries do not accumulate them.
    conn.on('state', (t) => {
      // The socket was lost (not a deliberate stop): numbered trade streams are behind until the
      // reconnect's backfill catches up (an in-band StreamState, so the aggregator holds windows).
      if (t.from === 'connected' && (t.to === 'reconnecting' || t.to === 'error')) this.integrity.onDisconnect(conn.streams());
      if (t.to !== 'closed') return;
      const key = `${conn.stats().key}|`;
      for (const s of this.stale) if (s.startsWith(key)) this.stale.delete(s);
    });
    conn.on('frame', (text, meta) => {
      this.frames++;
      const r = decoder.decode(text, meta.receiveTime);
      if (r.events.length > 0) this.integrity.pushAll(r.events);
      if (r.error) this.onMalformed(r.error, meta.receiveTime);
      if (r.signal && r.signal.kind !== 'ack' && r.signal.kind !== 'pong') this.opts.onSignal?.(r.signal, conn);
    });
    conn.on('stream_stale', (info) => this.stale.add(`${conn.stats().key}|${info.stream}`));
    conn.on('stream_recovered', (info) => this.stale.delete(`${conn.stats().key}|${info.stream}`));
    conn.on('reconnected', () => {
      // Trades missed while the socket was down are backfilled after the last delivered id.
      this.integrity.onReconnect(conn.streams());
    });
  }

  /** Unsubscribes and resubscribes the symbol's book streams, so the venue sends a fresh snapshot. */
  private resubscribeBook(symbol: string): void {
    if (this.stopped) return;
    for (const conn of this.connections) {
      if (conn.state === 'closed') continue;
      const streams = conn.streams().filter((s) => isBookStream(s) && symbolOfStream(s) === symbol);
      if (streams.length === 0) continue;
      this.log.info({ symbol, streams }, 'book resync: resubscribing');
      const warn = (err: unknown): void => this.log.warn({ symbol, err: { message: (err as Error).message } }, 'book resubscribe failed; the next reconnect resubscribes');
      // Re-added even when the unsubscribe failed: the registry dropped the streams already, and
      // a stream in the registry is subscribed again on the next (re)connect.
      const readd = (): void => void conn.addStreams(streams).catch(warn);
      conn.removeStreams(streams).then(readd, (err: unknown) => { warn(err); readd(); });
    }
  }

  private onMalformed(err: NonNullable<DecodeResult['error']>, now: number): void {
    this.malformed++;
    this.lastMalformed = { code: err.code, message: err.message, stream: err.stream, excerpt: err.excerpt };
    if (now - this.lastMalformedLogAt >= MALFORMED_LOG_INTERVAL_MS) {
      this.lastMalformedLogAt = now;
      this.log.warn({ code: err.code, stream: err.stream, excerpt: err.excerpt, malformedTotal: this.malformed }, 'malformed frame');
    }
  }

  /** Connections of this feed (live ones; pending first handshakes are not visible). */
  connectionList(): readonly Connection[] {
    return this.connections;
  }

  staleStreams(): ReadonlySet<string> {
    return this.stale;
  }

  stats(): VenueFeedStats {
    return {
      venue: this.opts.venue, frames: this.frames, events: this.events, malformed: this.malformed,
      lastMalformed: this.lastMalformed, connectAttempts: this.connectAttempts, lastConnectError: this.lastConnectError,
    };
  }

  /** Whether every shard finished its first handshake. */
  get live(): boolean {
    return this.connections.length > 0 && this.lastConnectError === null;
  }

  /**
   * Closes the feed's connections but keeps its integrity state, for a market that closed;
   * start() opens them again. Trades missed in between are not backfilled (the market was shut).
   */
  async suspend(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const conns = this.connections;
    this.connections = [];
    this.suspended = true;
    for (const c of conns) await this.opts.manager.disconnect(c.stats().key);
  }

  get isSuspended(): boolean {
    return this.suspended;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.subscriptionRetry) clearTimeout(this.subscriptionRetry);
    this.subscriptionRetry = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.integrity.close();
    for (const c of this.connections) await this.opts.manager.disconnect(c.stats().key);
  }
}
