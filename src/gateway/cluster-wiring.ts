/**
 * Roles of a gateway in a cluster (config section `cluster`):
 * - collector: feed events of the shards this instance leases go to the bus, not to the local
 *   pipeline; events of shards it does not hold are kept in a bounded standby ring only (counted
 *   as notOwned). On taking a shard over it re-publishes that ring first (the duplicate window
 *   drops what the old owner stored), so a handover within the ring's depth leaves no gap.
 * - processor: no venue feeds; the pipeline is fed from a durable consumer of the bus.
 * - all: both in one process (feeds -> bus -> pipeline).
 * Without a `cluster` section the gateway does not create this at all.
 */
import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { DEFAULT_CLUSTER_MAX_QUEUED_PUBLISHES, DEFAULT_CLUSTER_STANDBY_EVENTS_PER_SYMBOL } from '../config/defaults/cluster.js';
import type { TickgateConfig } from '../config/schema.js';
import type { MarketEvent } from '../model/events.js';
import type { Logger } from '../observability/logger.js';
import type { MetricsRegistry, Sample } from '../observability/metrics.js';
import { EventConsumer } from '../cluster/consumer.js';
import { errorText } from '../cluster/errors.js';
import { ensureEventStream } from '../cluster/event-stream.js';
import { lastEventOf } from '../cluster/last-event.js';
import type { LeaseEvent } from '../cluster/lease-events.js';
import { ShardLeases } from '../cluster/leases.js';
import { connectCluster } from '../cluster/nats-connect.js';
import { EventPublisher } from '../cluster/publisher.js';
import { shardOf } from '../cluster/shards.js';
import { StandbyRing } from '../cluster/standby-ring.js';

type ClusterConfig = NonNullable<TickgateConfig['cluster']>;

export interface ClusterWiringStats {
  queued: number;
  maxQueued: number;
  dropped: number;
  notOwned: number;
  consumed: number;
  /** Events re-published from the standby ring on taking shards over. */
  handoverReplayed: number;
  /** Takeovers where the ring did not reach back to the stream's last trade (a gap remains). */
  handoverGaps: number;
}

export class ClusterWiring {
  readonly role: ClusterConfig['role'];
  readonly instance: string;
  private nc: NatsConnection | null = null;
  private leases: ShardLeases | null = null;
  private publisher: EventPublisher | null = null;
  private consumer: EventConsumer | null = null;
  private consuming: Promise<void> | null = null;
  private readonly queue: MarketEvent[] = [];
  private pumping = false;
  private jsm: JetStreamManager | null = null;
  /** Shards held and caught up: their live events go to the bus. */
  private readonly live = new Set<number>();
  private readonly ring: StandbyRing;
  private readonly counters: ClusterWiringStats = { queued: 0, maxQueued: 0, dropped: 0, notOwned: 0, consumed: 0, handoverReplayed: 0, handoverGaps: 0 };

  constructor(
    private readonly cfg: ClusterConfig,
    private readonly log: Logger,
    /** Where consumed events go (the gateway's pipeline). */
    private readonly publishLocal: (e: MarketEvent) => void,
    private readonly maxQueued = DEFAULT_CLUSTER_MAX_QUEUED_PUBLISHES,
    standbyEventsPerSymbol = DEFAULT_CLUSTER_STANDBY_EVENTS_PER_SYMBOL,
  ) {
    this.role = cfg.role;
    this.ring = new StandbyRing(standbyEventsPerSymbol, cfg.duplicateWindowMs / 2);
    this.instance = cfg.instance ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}`;
  }

  get collects(): boolean {
    return this.role !== 'processor';
  }

  get processes(): boolean {
    return this.role !== 'collector';
  }

  async start(): Promise<void> {
    const c = this.cfg;
    this.nc = await connectCluster({ servers: c.nats, name: `tickgate-${this.instance}`, connectTimeoutMs: c.connectTimeoutMs, reconnectWaitMs: c.reconnectWaitMs });
    const jsm = this.jsm = await ensureEventStream(this.nc, { namespace: c.namespace, duplicateWindowMs: c.duplicateWindowMs, maxAgeMs: c.streamMaxAgeMs, maxBytes: c.streamMaxBytes });
    if (this.collects) {
      this.leases = await ShardLeases.open(this.nc, {
        namespace: c.namespace, instance: this.instance, shards: c.shards, leaseTtlMs: c.leaseTtlMs, renewIntervalMs: c.leaseRenewIntervalMs,
        redundancy: c.redundancy, maxShards: c.maxShardsPerInstance, logger: this.log,
      });
      this.publisher = new EventPublisher(this.nc, { namespace: c.namespace, maxInFlight: c.maxInFlightPublishes, publishTimeoutMs: c.publishTimeoutMs, logger: this.log });
      this.leases.on('lease', (e) => this.onLease(e));
      await this.leases.start();
    }
    if (this.processes) {
      this.consumer = await EventConsumer.open(this.nc, jsm, {
        namespace: c.namespace, durable: `processor-${this.instance}`, maxAckPending: c.maxAckPending, ackWaitMs: c.ackWaitMs, logger: this.log,
      });
      this.consuming = this.consume(this.consumer);
    }
    this.log.info({ role: this.role, instance: this.instance, namespace: c.namespace, owned: this.leases ? [...this.leases.owned()] : [] }, 'cluster started');
  }

  /** A feed event (sync, hot path): queued for the bus when its shard is ours. */
  onFeedEvent(e: MarketEvent): void {
    if (!this.leases) return;
    this.ring.add(e);
    if (!this.live.has(shardOf(e.venue, e.symbol, this.cfg.shards))) { this.counters.notOwned++; return; }
    this.enqueue(e);
  }

  private enqueue(e: MarketEvent): void {
    if (this.queue.length >= this.maxQueued) { this.counters.dropped++; return; }
    this.queue.push(e);
    if (this.queue.length > this.counters.maxQueued) this.counters.maxQueued = this.queue.length;
    if (!this.pumping) void this.pump();
  }

  private onLease(e: LeaseEvent): void {
    if (e.type === 'acquired') void this.takeOver(e.shard);
    else if (e.type === 'lost' || e.type === 'released') this.live.delete(e.shard);
  }

  /**
   * A shard just became ours: look up the stream's last trade per symbol, then (in one tick, so
   * no live event slips between) re-publish the ring of the shard's symbols and go live.
   */
  private async takeOver(shard: number): Promise<void> {
    const onShard = (v: string, s: string): boolean => shardOf(v, s, this.cfg.shards) === shard;
    const lastSeq = new Map<string, number>();
    if (this.jsm) {
      for (const e of this.ring.take(onShard)) {
        const k = `${e.venue}|${e.symbol}`;
        if (e.type !== 'trade' || lastSeq.has(k)) continue;
        const last = await lastEventOf(this.jsm, this.cfg.namespace, e.venue, e.symbol, 'trade').catch(() => null);
        lastSeq.set(k, last && last.event.type === 'trade' && last.event.seq !== null ? last.event.seq : -1);
      }
    }
    if (!this.leases?.holds(shard)) return;
    const replay = this.ring.take(onShard);
    const firstSeq = new Map<string, number>();
    for (const e of replay) if (e.type === 'trade' && e.seq !== null && !firstSeq.has(`${e.venue}|${e.symbol}`)) firstSeq.set(`${e.venue}|${e.symbol}`, e.seq);
    for (const [k, first] of firstSeq) {
      const last = lastSeq.get(k) ?? -1;
      if (last >= 0 && first > last + 1) {
        this.counters.handoverGaps++;
        this.log.warn({ shard, stream: k, lastInStream: last, firstInRing: first }, 'takeover: the standby ring does not reach the stream\'s last trade');
      }
    }
    for (const e of replay) this.enqueue(e);
    this.counters.handoverReplayed += replay.length;
    this.live.add(shard);
    this.log.info({ shard, replayed: replay.length }, 'shard taken over');
  }

  stats(): Readonly<ClusterWiringStats> & { publisher: ReturnType<EventPublisher['stats']> | null; leases: ReturnType<ShardLeases['stats']> | null; consumer: ReturnType<EventConsumer['stats']> | null; owned: number[] } {
    return {
      ...this.counters, queued: this.queue.length, publisher: this.publisher?.stats() ?? null, leases: this.leases?.stats() ?? null,
      consumer: this.consumer?.stats() ?? null, owned: this.leases ? [...this.leases.owned()] : [],
    };
  }

  /** After the feeds stopped: publish what is queued, release leases, stop consuming. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.pumping) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await this.publisher?.close(Math.max(0, end - Date.now()));
    await this.leases?.stop();
    if (this.consumer) {
      // Let the consumer catch up with what this process just published (role all).
      await this.consumer.close();
      await this.consuming?.catch(() => undefined);
    }
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

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.publisher) {
        await this.publisher.publish(this.queue.shift()!);
      }
    } catch (err) {
      this.log.error({ err: errorText(err) }, 'cluster publish loop stopped');
    } finally {
      this.pumping = false;
    }
  }

  private async consume(c: EventConsumer): Promise<void> {
    try {
      for await (const m of c) {
        this.publishLocal(m.event);
        this.counters.consumed++;
        m.ack();
      }
    } catch (err) {
      this.log.error({ err: errorText(err) }, 'cluster consumer stopped');
    }
  }
}

/** tickgate_cluster_* series, read from the wiring's stats at scrape time (labels: fixed enums only). */
export function registerClusterMetrics(m: MetricsRegistry, c: ClusterWiring): void {
  const one = (v: number | undefined): Sample[] => (v === undefined ? [] : [[{}, v]]);
  m.gauge('tickgate_cluster_shards_owned', 'Shards this instance holds a lease on', [], () => one(c.stats().owned.length));
  m.counter('tickgate_cluster_lease_changes_total', 'Lease changes of this instance', ['change'], () => {
    const l = c.stats().leases;
    return l ? [[{ change: 'acquired' }, l.acquired], [{ change: 'lost' }, l.lost], [{ change: 'released' }, l.released]] : [];
  });
  m.counter('tickgate_cluster_published_total', 'Bus publishes acked, by result', ['result'], () => {
    const p = c.stats().publisher;
    return p ? [[{ result: 'stored' }, p.published], [{ result: 'duplicate' }, p.duplicates]] : [];
  });
  m.counter('tickgate_cluster_publish_retries_total', 'Bus publishes re-sent after a failure', [], () => one(c.stats().publisher?.retries));
  m.gauge('tickgate_cluster_publish_in_flight', 'Bus publishes awaiting their ack', [], () => one(c.stats().publisher?.inFlight));
  m.gauge('tickgate_cluster_publish_queue', 'Feed events waiting for the bus publisher', [], () => one(c.stats().queued));
  m.counter('tickgate_cluster_publish_dropped_total', 'Feed events dropped because the publish queue was full', [], () => one(c.stats().dropped));
  m.counter('tickgate_cluster_handover_replayed_total', 'Events re-published from the standby ring on shard takeover', [], () => one(c.stats().handoverReplayed));
  m.counter('tickgate_cluster_handover_gaps_total', 'Takeovers whose standby ring did not reach the stream\'s last trade', [], () => one(c.stats().handoverGaps));
  m.counter('tickgate_cluster_consumed_total', 'Events consumed from the bus into the pipeline', [], () => one(c.stats().consumer ? c.stats().consumed : undefined));
  m.gauge('tickgate_cluster_consumer_lag_messages', 'Stream messages not yet delivered to this processor', [], () => one(c.stats().consumer?.lagMessages));
}
