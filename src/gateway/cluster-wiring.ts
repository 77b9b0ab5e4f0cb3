/**
 * Roles of a gateway in a cluster (config section `cluster`):
 * - collector: feed events of the shards this instance leases go to the bus, not to the local
 *   pipeline. With attached feeds and `subscribeOwnedOnly` it subscribes on the venue only to the
 *   symbols of the shards it holds (subscribe on acquiring a shard, unsubscribe on losing or
 *   releasing it). On taking a shard over it looks up the stream's last trade per symbol and
 *   resumes after it: its standby ring is re-published first (trades the stream holds skipped by
 *   id), and whatever neither the ring nor the live stream covers is REST-backfilled through
 *   integrity's gap filler (TakeoverBackfill), so a takeover leaves no gap and no double.
 *   Events of shards it does not hold (not subscribed, or in flight at a change) are kept in a
 *   bounded standby ring only (counted as notOwned).
 * - processor: no venue feeds; the pipeline is fed from a durable consumer of the bus.
 * - all: both in one process (feeds -> bus -> pipeline).
 * Without a `cluster` section the gateway does not create this at all. The processor side is
 * ClusterProcessor (cluster-processor.ts); stats, metrics and status are in cluster-status.ts.
 */
import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { join } from 'node:path';
import { DEFAULT_CLUSTER_CATCH_UP_EVENTS_PER_SYMBOL } from '../config/defaults/cluster.js';
import type { BusSpoolStats } from '../cluster/bus-spool.js';
import { PublishQueue } from '../cluster/publish-queue.js';
import type { TickgateConfig } from '../config/schema.js';
import type { MarketEvent } from '../model/events.js';
import type { Logger } from '../observability/logger.js';
import { errorText } from '../cluster/errors.js';
import { ensureEventStream } from '../cluster/event-stream.js';
import { lastEventOf } from '../cluster/last-event.js';
import type { ConsumerStats } from '../cluster/consumer.js';
import type { LeaseEvent } from '../cluster/lease-events.js';
import { ShardLeases } from '../cluster/leases.js';
import { connectCluster } from '../cluster/nats-connect.js';
import { EventPublisher } from '../cluster/publisher.js';
import { shardOf } from '../cluster/shards.js';
import { StandbyRing } from '../cluster/standby-ring.js';
import { TradeFloors, tradeKindOfSource } from '../cluster/trade-floor.js';
import { eventKind } from '../cluster/event-identity.js';
import { TakeoverBackfill, type ResumeFillerFactory } from '../cluster/takeover-backfill.js';
import { TradeGapFiller } from '../integrity/trade-gap-filler.js';
import type { VenueFeed } from './venue-feed.js';
import { ClusterProcessor } from './cluster-processor.js';
import type { ClusterWiringStats } from './cluster-status.js';

export type ClusterConfig = NonNullable<TickgateConfig['cluster']>;

export class ClusterWiring {
  readonly role: ClusterConfig['role'];
  readonly instance: string;
  private nc: NatsConnection | null = null;
  private leases: ShardLeases | null = null;
  private publisher: EventPublisher | null = null;
  /** Feed events on their way to the publisher: memory, then the disk spool past it. */
  private readonly queue: PublishQueue;
  private jsm: JetStreamManager | null = null;
  /** Shards held and caught up: their live events go to the bus. */
  private readonly live = new Set<number>();
  private readonly ring: StandbyRing;
  /** The counters this wiring keeps itself (the rest are read from its parts in stats()). */
  private readonly counters = { notOwned: 0, handoverReplayed: 0, handoverGaps: 0, handoverLookupFailures: 0, catchUpLookups: 0, catchUpOverflows: 0 };
  /** Roles processor and all: the bus consumer feeding the local pipeline. */
  private readonly processor: ClusterProcessor | null;
  private readonly floors = new TradeFloors();
  /** "venue|symbol" -> events held while the stream's last trade of that symbol is looked up. */
  private readonly catchUp = new Map<string, MarketEvent[]>();
  /** "venue|symbol" -> when its stream floor was last looked up, while our trade stream of it is behind. */
  private readonly behind = new Map<string, number>();
  private readonly now: () => number = Date.now;
  /** Collector: venue feeds whose subscriptions follow the leases (venue -> feed). */
  private readonly feeds = new Map<string, VenueFeed>();
  private readonly takeover: TakeoverBackfill;

  constructor(
    private readonly cfg: ClusterConfig,
    private readonly log: Logger,
    /** Where consumed events go (the gateway's pipeline). */
    publishLocal: (e: MarketEvent) => void,
    maxQueued = cfg.maxQueuedPublishes,
    standbyEventsPerSymbol = cfg.standbyEventsPerSymbol,
  ) {
    this.role = cfg.role;
    this.instance = cfg.instance ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}`;
    this.ring = new StandbyRing(standbyEventsPerSymbol, cfg.duplicateWindowMs / 2, Date.now, true);
    this.processor = this.processes ? new ClusterProcessor(cfg, this.instance, log, publishLocal) : null;
    this.takeover = new TakeoverBackfill(this.resumeFiller, (e) => this.enqueue(e));
    const publish = (e: MarketEvent): Promise<void> => this.publisher!.publish(e);
    this.queue = new PublishQueue({
      maxQueued, spoolDir: cfg.spoolDir === null ? null : join(cfg.spoolDir, this.instance), spoolMaxBytes: cfg.spoolMaxBytes, logger: this.log,
      publisher: () => (this.publisher ? publish : null),
    });
  }

  get namespace(): string {
    return this.cfg.namespace;
  }

  get shards(): number {
    return this.cfg.shards;
  }

  get collects(): boolean {
    return this.role !== 'processor';
  }

  /**
   * A public venue feed whose events come to onFeedEvent: its REST fetcher backfills takeovers,
   * and (with subscribeOwnedOnly) its venue subscriptions follow this instance's leases. Call
   * before the feed starts (it then subscribes only to the shards held); idempotent.
   */
  attachFeed(feed: VenueFeed): void {
    if (this.feeds.get(feed.venue) === feed || !this.collects) return;
    this.feeds.set(feed.venue, feed);
    if (this.cfg.subscribeOwnedOnly) void feed.setSymbolFilter((symbol) => this.leases?.holds(shardOf(feed.venue, symbol, this.cfg.shards)) ?? false);
  }

  /** Resolves when every attached feed's venue subscriptions match the leases held now (tests). */
  async subscriptionsSettled(): Promise<void> {
    await Promise.all([...this.feeds.values()].map((f) => f.refreshSubscriptions()));
  }

  /** Integrity's gap filler seeded with the stream's last trade, fetching with the venue feed's REST client. */
  private readonly resumeFiller: ResumeFillerFactory = ({ venue, symbol, source, resumeAfterId, emit }) => {
    const fetchTrades = this.feeds.get(venue)?.fetchTrades;
    if (fetchTrades === undefined) return null;
    const f = new TradeGapFiller({
      venue, symbol, source, fetchTrades, emit, resumeAfterId, maxResumeTrades: this.cfg.takeoverMaxBackfillTrades,
      onDeclared: (g, err) => this.log.error({ venue, symbol, source, fromId: g.fromId, toId: g.toId, reason: g.reason, err: errorText(err) }, 'takeover: trade_gap_declared'),
      onProgress: (p, done) => this.log.info({ venue, symbol, source, fromId: p.fromId, lastId: p.lastId, idsRemaining: p.idsRemaining, tradesFetched: p.tradesFetched }, done ? 'takeover backfill done' : 'takeover backfill progress'),
    });
    this.log.info({ venue, symbol, source, resumeAfterId }, 'takeover: backfilling the stream from its last trade');
    return {
      push: (t) => f.push(t),
      catchingUp: () => { const st = f.stats(); return st.backfilling > 0 || st.buffered > 0 || st.behind > 0; },
      close: () => f.close(),
    };
  };

  get processes(): boolean {
    return this.role !== 'collector';
  }

  /**
   * `resume`: "venue|SYMBOL" -> the trade id after which the aggregator (seeded from storage)
   * needs trades. A processor positions its consumer at the first such trade in the stream and
   * drops trades at or below it, so a restart (even after kill -9) re-reads exactly what storage
   * lacks, whatever the consumer had acked.
   */
  async start(resume: ReadonlyMap<string, number> = new Map(), sinks: readonly string[] = []): Promise<void> {
    const c = this.cfg;
    this.nc = await connectCluster({ servers: c.nats, name: `tickgate-${this.instance}`, connectTimeoutMs: c.connectTimeoutMs, reconnectWaitMs: c.reconnectWaitMs });
    const jsm = this.jsm = await ensureEventStream(this.nc, { namespace: c.namespace, duplicateWindowMs: c.duplicateWindowMs, maxAgeMs: c.streamMaxAgeMs, maxBytes: c.streamMaxBytes });
    if (this.collects) {
      this.leases = await ShardLeases.open(this.nc, {
        namespace: c.namespace, instance: this.instance, shards: c.shards, leaseTtlMs: c.leaseTtlMs, renewIntervalMs: c.leaseRenewIntervalMs,
        redundancy: c.redundancy, maxShards: c.maxShardsPerInstance, balance: c.balanceShards, logger: this.log,
      });
      // Its own connection, replaced (not reconnected) after a disconnect: see EventPublisher.reconnect.
      const pubConnection = (): Promise<NatsConnection> => connectCluster({ servers: c.nats, name: `tickgate-${this.instance}-pub`, connectTimeoutMs: c.connectTimeoutMs, reconnectWaitMs: c.reconnectWaitMs });
      this.publisher = new EventPublisher(await pubConnection(), {
        namespace: c.namespace, maxInFlight: c.maxInFlightPublishes, publishTimeoutMs: c.publishTimeoutMs, logger: this.log, reconnect: pubConnection,
      });
      this.queue.kick();
      this.leases.on('lease', (e) => this.onLease(e));
      await this.queue.discardLeftover();
      await this.leases.start();
    }
    await this.processor?.start(this.nc, jsm, resume, sinks);
    this.log.info({ role: this.role, instance: this.instance, namespace: c.namespace, owned: this.leases ? [...this.leases.owned()] : [] }, 'cluster started');
  }

  /** A feed event (sync, hot path): queued for the bus when its shard is ours. */
  onFeedEvent(e: MarketEvent): void {
    if (!this.leases) return;
    this.ring.add(e);
    if (!this.live.has(shardOf(e.venue, e.symbol, this.cfg.shards))) {
      this.counters.notOwned++;
      // Behind while not ours: the first trade once ours again looks the stream floor up.
      if (e.type === 'stream_state') {
        if (e.state === 'behind') this.behind.set(`${e.venue}|${e.symbol}`, -Infinity);
        else this.behind.delete(`${e.venue}|${e.symbol}`);
      }
      return;
    }
    const held = this.catchUp.get(`${e.venue}|${e.symbol}`);
    if (held) {
      if (held.length < DEFAULT_CLUSTER_CATCH_UP_EVENTS_PER_SYMBOL) { held.push(e); return; }
      this.counters.catchUpOverflows++;
      this.release(`${e.venue}|${e.symbol}`);
    }
    // Below: owned-shard events go out through the takeover backfill (a pass-through unless a
    // takeover's resume point is pending for the trade's stream).
    if (e.type === 'stream_state') {
      // Our trade stream of this symbol missed trades: what it backfills may have been in the
      // stream (from a peer) for longer than the duplicate window. Look the stream's last trade
      // up now, and again before any trade while behind once the last look-up is older than half
      // the window, so every re-sent trade at or below it is skipped and the rest land within
      // the window of the peer's copy.
      const k = `${e.venue}|${e.symbol}`;
      this.enqueue(e);
      if (e.state === 'behind') { this.behind.set(k, this.now()); this.lookUpFloor(e.venue, e.symbol, tradeKindOfSource(e.source)); }
      else this.behind.delete(k);
      return;
    }
    if (e.type === 'trade') {
      const k = `${e.venue}|${e.symbol}`;
      const since = this.behind.get(k);
      if (since !== undefined && this.now() - since > this.cfg.duplicateWindowMs / 2) {
        this.behind.set(k, this.now());
        this.lookUpFloor(e.venue, e.symbol, eventKind(e));
        const held2 = this.catchUp.get(k);
        if (held2) held2.push(e); else this.takeover.push(e);
        return;
      }
    }
    this.takeover.push(e);
  }

  private lookUpFloor(venue: string, symbol: string, kind: string): void {
    const k = `${venue}|${symbol}`;
    if (!this.jsm || this.catchUp.has(k)) return;
    this.catchUp.set(k, []);
    this.counters.catchUpLookups++;
    lastEventOf(this.jsm, this.cfg.namespace, venue, symbol, kind).then((last) => {
      if (last && last.event.type === 'trade' && last.event.seq !== null) this.floors.raiseStreamFloor(venue, symbol, kind, last.event.seq);
    }, (err: unknown) => {
      this.log.warn({ venue, symbol, err: errorText(err) }, 'stream floor look-up failed; publishing the backfill (the duplicate window applies)');
    }).finally(() => this.release(k));
  }

  private release(k: string): void {
    const held = this.catchUp.get(k);
    this.catchUp.delete(k);
    if (held) for (const e of held) this.takeover.push(e);
  }

  private enqueue(ev: MarketEvent): void {
    let e = ev;
    if (e.type === 'trade_gap') {
      const g = this.floors.admitGap(e);
      if (g === null) return;
      e = g;
    } else if (!this.floors.admit(e)) return;
    this.queue.add(e);
  }

  private onLease(e: LeaseEvent): void {
    if (e.type === 'acquired') {
      void this.takeOver(e.shard);
      // Subscribe now: what arrives before the takeover goes live waits in the standby ring.
      void this.refreshSubscriptions();
    } else if (e.type === 'lost' || e.type === 'released') {
      this.live.delete(e.shard);
      const shard = e.shard;
      this.takeover.disarm((v, s) => shardOf(v, s, this.cfg.shards) === shard);
      void this.refreshSubscriptions().then(() => this.forgetShard(shard));
    }
  }

  /** Resolves when the attached feeds' venue subscriptions match the leases (acked or failed). */
  private refreshSubscriptions(): Promise<void> {
    if (!this.cfg.subscribeOwnedOnly) return Promise.resolve();
    return Promise.all([...this.feeds.values()].map((f) => f.refreshSubscriptions())).then(() => undefined);
  }

  /**
   * The venue stopped sending a lost / released shard's symbols (unsubscribed): their feed
   * integrity forgets them, so if the shard comes back its streams resume from the bus stream's
   * last trade (takeOver, TakeoverBackfill) instead of integrity REST-backfilling from this
   * collector's own old last id, which the stream holds already from the owner in between.
   * Subscribed to every symbol (no subscribeOwnedOnly), integrity keeps seeing them and keeps
   * the standby ring contiguous: nothing to forget.
   */
  private forgetShard(shard: number): void {
    if (!this.cfg.subscribeOwnedOnly || this.leases?.holds(shard) !== false) return;
    for (const [venue, feed] of this.feeds) {
      for (const symbol of feed.symbols()) if (shardOf(venue, symbol, this.cfg.shards) === shard) feed.integrity.forgetSymbol(symbol);
    }
  }

  /**
   * A shard just became ours: look up the stream's last trade of each of its trade streams (the
   * attached feeds' symbols and those in the ring), raise the publish floors to it and arm the
   * takeover backfill there; then (in one tick, so no live event slips between) re-publish the
   * ring of the shard's symbols and go live. A live stream or ring that starts past the stream's
   * last trade is REST-backfilled from it.
   */
  private async takeOver(shard: number): Promise<void> {
    const onShard = (v: string, s: string): boolean => shardOf(v, s, this.cfg.shards) === shard;
    const streams = new Map<string, { venue: string; symbol: string; kind: string }>();
    const want = (venue: string, symbol: string, kind: string): void => { streams.set(`${venue}|${symbol}|${kind}`, { venue, symbol, kind }); };
    for (const [venue, feed] of this.feeds) {
      for (const symbol of feed.symbols()) if (onShard(venue, symbol)) { want(venue, symbol, 'trade'); want(venue, symbol, 'agg_trade'); }
    }
    for (const e of this.ring.take(onShard)) if (e.type === 'trade' && e.seq !== null) want(e.venue, e.symbol, eventKind(e));
    const lastSeq = new Map<string, number>();
    if (this.jsm) {
      const jsm = this.jsm;
      await Promise.all([...streams].map(async ([k, st]) => {
        try {
          const last = await lastEventOf(jsm, this.cfg.namespace, st.venue, st.symbol, st.kind);
          if (last && last.event.type === 'trade' && last.event.seq !== null) lastSeq.set(k, last.event.seq);
        } catch (err) {
          this.counters.handoverLookupFailures++;
          this.log.warn({ shard, stream: k, err: errorText(err) }, 'takeover: stream look-up failed; resuming without a floor (the duplicate window applies)');
        }
      }));
    }
    if (!this.leases?.holds(shard)) return;
    for (const [k, id] of lastSeq) {
      const st = streams.get(k)!;
      // The ring's trades the stream already holds are not re-sent (they may be older than the window).
      this.floors.raiseStreamFloor(st.venue, st.symbol, st.kind, id);
      this.takeover.arm(st.venue, st.symbol, st.kind, id);
    }
    const replay = this.ring.take(onShard);
    const firstSeq = new Map<string, number>();
    for (const e of replay) {
      const k = `${e.venue}|${e.symbol}|${e.type === 'trade' ? eventKind(e) : ''}`;
      // Ring trades the stream holds (older than its last one) say nothing about a gap after it.
      if (e.type === 'trade' && e.seq !== null && !firstSeq.has(k) && e.seq > (lastSeq.get(k) ?? -1)) firstSeq.set(k, e.seq);
    }
    for (const [k, first] of firstSeq) {
      const last = lastSeq.get(k) ?? -1;
      const venue = k.slice(0, k.indexOf('|'));
      // Without a REST fetcher for the venue nothing fills what the ring lacks.
      if (last >= 0 && first > last + 1 && this.feeds.get(venue)?.fetchTrades === undefined) {
        this.counters.handoverGaps++;
        this.log.warn({ shard, stream: k, lastInStream: last, firstInRing: first }, 'takeover: the standby ring does not reach the stream\'s last trade and no REST fetcher can fill it');
      }
    }
    for (const e of replay) this.takeover.push(e);
    this.counters.handoverReplayed += replay.length;
    this.live.add(shard);
    this.log.info({ shard, replayed: replay.length, resumePoints: lastSeq.size }, 'shard taken over');
  }

  stats(): Readonly<ClusterWiringStats> & { publisher: ReturnType<EventPublisher['stats']> | null; leases: ReturnType<ShardLeases['stats']> | null; consumer: ConsumerStats | null; owned: number[]; spool: BusSpoolStats | null;
    /** Attached feeds' venue streams subscribed now and the runtime changes so far (null: no feed attached). */
    venue: { streams: number; subscribed: number; unsubscribed: number } | null;
  } {
    const q = this.queue.stats();
    const p = this.processor?.stats() ?? null;
    const venue = { streams: 0, subscribed: 0, unsubscribed: 0 };
    for (const f of this.feeds.values()) {
      const sub = f.subscriptionStats();
      venue.streams += f.subscribedStreams().length;
      venue.subscribed += sub.subscribed;
      venue.unsubscribed += sub.unsubscribed;
    }
    return {
      venue: this.feeds.size > 0 ? venue : null,
      ...this.counters, dropped: q.dropped, maxQueued: q.maxQueued, spool: q.spool, handoverBackfills: this.takeover.stats.backfilled, skippedOwnTrades: this.floors.stats.skippedOwn, skippedStreamTrades: this.floors.stats.skippedInStream,
      consumed: p?.consumed ?? 0, consumedBelowFloor: p?.consumedBelowFloor ?? 0, consumedDoubles: p?.consumedDoubles ?? 0, startSeqFromStorage: p?.startSeqFromStorage ?? 0,
      queued: q.queued, publisher: this.publisher?.stats() ?? null, leases: this.leases?.stats() ?? null,
      consumer: p?.consumer ?? null, owned: this.leases ? [...this.leases.owned()] : [],
    };
  }

  /** After the feeds stopped: publish what is queued, release leases, stop consuming. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    await this.queue.close(end);
    this.takeover.close();
    await this.publisher?.close(Math.max(0, end - Date.now()));
    await this.leases?.stop();
    // Lets the consumer catch up with what this process just published (role all).
    await this.processor?.stop();
    const nc = this.nc;
    this.nc = null;
    if (nc) {
      // drain() waits for the server: bounded, so a stop during a NATS outage still ends.
      let t: NodeJS.Timeout | undefined;
      const drained = await Promise.race([nc.drain().then(() => true, () => false), new Promise<boolean>((r) => { t = setTimeout(() => r(false), Math.max(1_000, end - Date.now())); })]);
      clearTimeout(t);
      if (!drained) await nc.close().catch(() => undefined);
    }
  }
}
