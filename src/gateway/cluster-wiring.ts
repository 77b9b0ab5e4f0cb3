/**
 * Roles of a gateway in a cluster (config section `cluster`):
 * - collector: feed events of the shards this instance leases go to the bus, not to the local
 *   pipeline; events of shards it does not hold are dropped (counted as notOwned).
 * - processor: no venue feeds; the pipeline is fed from a durable consumer of the bus.
 * - all: both in one process (feeds -> bus -> pipeline).
 * Without a `cluster` section the gateway does not create this at all.
 */
import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_CLUSTER_MAX_QUEUED_PUBLISHES } from '../config/defaults/cluster.js';
import type { TickgateConfig } from '../config/schema.js';
import type { MarketEvent } from '../model/events.js';
import type { Logger } from '../observability/logger.js';
import { EventConsumer } from '../cluster/consumer.js';
import { errorText } from '../cluster/errors.js';
import { ensureEventStream } from '../cluster/event-stream.js';
import { ShardLeases } from '../cluster/leases.js';
import { connectCluster } from '../cluster/nats-connect.js';
import { EventPublisher } from '../cluster/publisher.js';
import { shardOf } from '../cluster/shards.js';

type ClusterConfig = NonNullable<TickgateConfig['cluster']>;

export interface ClusterWiringStats {
  queued: number;
  maxQueued: number;
  dropped: number;
  notOwned: number;
  consumed: number;
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
  private readonly counters: ClusterWiringStats = { queued: 0, maxQueued: 0, dropped: 0, notOwned: 0, consumed: 0 };

  constructor(
    private readonly cfg: ClusterConfig,
    private readonly log: Logger,
    /** Where consumed events go (the gateway's pipeline). */
    private readonly publishLocal: (e: MarketEvent) => void,
    private readonly maxQueued = DEFAULT_CLUSTER_MAX_QUEUED_PUBLISHES,
  ) {
    this.role = cfg.role;
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
    const jsm = await ensureEventStream(this.nc, { namespace: c.namespace, duplicateWindowMs: c.duplicateWindowMs, maxAgeMs: c.streamMaxAgeMs, maxBytes: c.streamMaxBytes });
    if (this.collects) {
      this.leases = await ShardLeases.open(this.nc, {
        namespace: c.namespace, instance: this.instance, shards: c.shards, leaseTtlMs: c.leaseTtlMs, renewIntervalMs: c.leaseRenewIntervalMs,
        redundancy: c.redundancy, maxShards: c.maxShardsPerInstance, logger: this.log,
      });
      this.publisher = new EventPublisher(this.nc, { namespace: c.namespace, maxInFlight: c.maxInFlightPublishes, publishTimeoutMs: c.publishTimeoutMs, logger: this.log });
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
    if (!this.leases || !this.leases.holds(shardOf(e.venue, e.symbol, this.cfg.shards))) { this.counters.notOwned++; return; }
    if (this.queue.length >= this.maxQueued) { this.counters.dropped++; return; }
    this.queue.push(e);
    if (this.queue.length > this.counters.maxQueued) this.counters.maxQueued = this.queue.length;
    if (!this.pumping) void this.pump();
  }

  stats(): Readonly<ClusterWiringStats> & { publisher: ReturnType<EventPublisher['stats']> | null; leases: ReturnType<ShardLeases['stats']> | null; owned: number[] } {
    return {
      ...this.counters, queued: this.queue.length, publisher: this.publisher?.stats() ?? null, leases: this.leases?.stats() ?? null,
      owned: this.leases ? [...this.leases.owned()] : [],
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
    await this.nc?.drain().catch(() => this.nc?.close());
    this.nc = null;
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
