/**
 * Shard ownership as leases in a JetStream KV bucket `<ns>-leases` (history 1, max age = TTL).
 * Acquire = create-if-absent (the server's expected-last-subject-sequence check, so two instances
 * never both win); renew = update with the revision we hold, every renew interval (at most half
 * the TTL); the bucket's max age removes a key nobody renewed, which lets another instance create
 * it. A holder that cannot renew for a whole TTL (NATS away) gives the lease up locally at the end
 * of that renew round; a cut can hold a round up to the JetStream request timeout, so a successor
 * may act alongside it for up to about that long (harmless for the bus: Nats-Msg-Id dedup and the
 * collectors' trade floors make two publishers of a shard an A/B pair). A renew whose reply was
 * lost but which landed is recognised by its value (same instance and acquiredAt) and adopted.
 * With redundancy 2 each shard has two slot keys and one instance holds at most one of them.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { TypedEmitter } from '../connection/emitter.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { ClusterError, errorText } from './errors.js';
import { BoundedEventQueue } from './event-queue.js';
import type { LeaseEvent, LeaseLossReason, LeaseStats, LeaseValue } from './lease-events.js';
import { leaseBucketName, leaseKey } from './names.js';
import { fnv1a32 } from './shards.js';
import { byPreference, fairShare, shardsOverShare } from './fair-share.js';
import { CollectorPresence } from './presence.js';

export interface ShardLeasesOptions {
  readonly namespace: string;
  readonly instance: string;
  readonly shards: number;
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  readonly redundancy: 1 | 2;
  /** At most this many shards (0 = no cap). */
  readonly maxShards?: number;
  /**
   * Balanced ownership: at most the fair share of the live collectors (presence keys), shards
   * over it released (the least preferred first, once the same count was seen two rounds in a
   * row), free ones taken in rendezvous-hash order. false: greedy (take every free shard).
   */
  readonly balance?: boolean;
  /** Events kept for a slow events() reader. */
  readonly maxQueuedEvents?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

interface Held { slot: number; revision: number; acquiredAt: number; lastRenewOk: number }

type LeaseEventMap = { lease: (e: LeaseEvent) => void };

export class ShardLeases extends TypedEmitter<LeaseEventMap> {
  private readonly held = new Map<number, Held>();
  private readonly queues = new Set<BoundedEventQueue<LeaseEvent>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly counters: LeaseStats = { acquired: 0, renewed: 0, released: 0, lost: 0, renewFailures: 0, acquireAttempts: 0, droppedEvents: 0 };
  /** Beaten every round (so `tickgate status` lists standbys too); counted only when balancing. */
  private readonly presence: CollectorPresence;
  /** Live collectors seen in the previous round (balanced mode): a release needs the same count twice. */
  private lastLive = 0;

  private constructor(private readonly kv: KV, private readonly opts: ShardLeasesOptions) {
    super();
    this.log = (opts.logger ?? silentLogger()).child({ part: 'leases', instance: opts.instance });
    this.now = opts.now ?? Date.now;
    this.presence = new CollectorPresence(kv, opts.instance, this.now);
  }

  /** Opens (creating when missing) the bucket; refuses one made with another TTL. */
  static async open(nc: NatsConnection, opts: ShardLeasesOptions): Promise<ShardLeases> {
    if (opts.renewIntervalMs * 2 > opts.leaseTtlMs) {
      throw new ClusterError('E_CLUSTER_CONFIG', `lease renew interval ${opts.renewIntervalMs} ms must be at most half the TTL ${opts.leaseTtlMs} ms`, { retryable: false });
    }
    if (opts.balance && opts.redundancy !== 1) {
      throw new ClusterError('E_CLUSTER_CONFIG', 'balanced leases need redundancy 1 (with redundancy 2 each collector of the pair holds every shard)', { retryable: false });
    }
    const bucket = leaseBucketName(opts.namespace);
    let kv: KV;
    try {
      kv = await new Kvm(nc).create(bucket, { history: 1, ttl: opts.leaseTtlMs });
    } catch (err) {
      throw new ClusterError('E_CLUSTER_UNAVAILABLE', `lease bucket ${bucket}: ${errorText(err)}`, { retryable: true, cause: err, context: { bucket } });
    }
    const status = await kv.status();
    if (status.ttl !== opts.leaseTtlMs) {
      throw new ClusterError('E_CLUSTER_CONFIG', `lease bucket ${bucket} exists with TTL ${status.ttl} ms, not ${opts.leaseTtlMs} ms: every instance must use the same cluster.leaseTtlMs`, {
        retryable: false, context: { bucket },
      });
    }
    return new ShardLeases(kv, opts);
  }

  /** First acquisition round now, then a round every renew interval. */
  async start(): Promise<void> {
    await this.tick();
    if (this.stopped || this.timer) return;
    this.timer = setInterval(() => { void this.tick(); }, this.opts.renewIntervalMs);
    this.timer.unref?.();
  }

  /** Shards held now. */
  owned(): ReadonlySet<number> {
    return new Set(this.held.keys());
  }

  holds(shard: number): boolean {
    return this.held.has(shard);
  }

  stats(): Readonly<LeaseStats> {
    let dropped = 0;
    for (const q of this.queues) dropped += q.dropped;
    return { ...this.counters, droppedEvents: this.counters.droppedEvents + dropped };
  }

  /** Every lease change from now on, until stop(). */
  events(): AsyncIterable<LeaseEvent> {
    const q = new BoundedEventQueue<LeaseEvent>(this.opts.maxQueuedEvents ?? 1_000);
    this.queues.add(q);
    return q;
  }

  /** One round: renew what is held, then try to take free shards. Rounds never overlap. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.ticking) this.ticking = this.round().finally(() => { this.ticking = null; });
    return this.ticking;
  }

  /** Graceful stop: the keys are deleted so another instance takes the shards at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking?.catch(() => undefined);
    for (const shard of [...this.held.keys()]) await this.release(shard);
    await this.presence.leave().catch(() => undefined);
    for (const q of this.queues) q.close();
  }

  private async release(shard: number): Promise<void> {
    const h = this.held.get(shard);
    if (h === undefined) return;
    this.held.delete(shard);
    try {
      // Delete only if still ours (expected revision): never remove a successor's lease.
      await this.kv.delete(leaseKey(shard, h.slot), { previousSeq: h.revision });
      this.counters.released++;
      this.report({ type: 'released', shard, slot: h.slot, at: this.now() });
    } catch (err) {
      this.log.warn({ shard, err: errorText(err) }, 'lease release failed; it expires by TTL');
    }
  }

  /**
   * Renewals go out together (one round trip per round, not one per shard: on a loaded machine a
   * sequential round of many shards can outlast the TTL); so do acquisitions when uncapped.
   */
  private async round(): Promise<void> {
    await Promise.all([...this.held].map(([shard, h]) => this.renew(shard, h)));
    if (this.stopped) return;
    const cap = this.opts.maxShards && this.opts.maxShards > 0 ? this.opts.maxShards : Infinity;
    const share = this.opts.balance ? await this.balance() : await this.beat();
    if (this.stopped) return;
    await this.acquireFree(Math.min(cap, share));
  }

  /** Greedy mode: presence only tells who is there; no share. */
  private async beat(): Promise<number> {
    await this.presence.beat().catch((err: unknown) => { this.log.debug({ err: errorText(err) }, 'collector presence beat failed'); });
    return Infinity;
  }

  /** Balanced mode: beat, count the live collectors, give up what is over the fair share; returns the share. */
  private async balance(): Promise<number> {
    let live: number;
    try {
      await this.presence.beat();
      live = await this.presence.live();
    } catch (err) {
      // Without a count, hold what is held and take nothing more this round (NATS is failing anyway).
      this.log.warn({ err: errorText(err) }, 'collector presence failed; no balancing this round');
      return this.held.size;
    }
    const share = fairShare(this.opts.shards, this.opts.redundancy, live);
    const steady = live === this.lastLive;
    this.lastLive = live;
    if (steady && this.held.size > share) {
      const over = shardsOverShare(this.opts.instance, this.held.keys(), share);
      this.log.info({ live, share, releasing: over }, 'leases over the fair share: releasing');
      for (const shard of over) if (!this.stopped) await this.release(shard);
    }
    return share;
  }

  private value(acquiredAt: number): Uint8Array {
    const now = this.now();
    const v: LeaseValue = { instance: this.opts.instance, acquiredAt, renewedAt: now, expiresAt: now + this.opts.leaseTtlMs };
    return new TextEncoder().encode(JSON.stringify(v));
  }

  private async renew(shard: number, h: Held): Promise<void> {
    const key = leaseKey(shard, h.slot);
    try {
      h.revision = await this.kv.update(key, this.value(h.acquiredAt), h.revision);
      h.lastRenewOk = this.now();
      this.counters.renewed++;
    } catch (err) {
      this.counters.renewFailures++;
      if (isConflict(err)) {
        const cur = await this.entryOf(key);
        // Our own earlier renew landed although its reply was lost (a NATS cut): still ours.
        if (cur !== null && cur.value.instance === this.opts.instance && cur.value.acquiredAt === h.acquiredAt) {
          h.revision = cur.revision;
          this.log.info({ shard, revision: cur.revision }, 'lease renew: adopted our own revision (an earlier renew landed unacknowledged)');
          return;
        }
        const holder = cur?.value.instance ?? null;
        this.lose(shard, h, holder === null ? 'expired' : 'taken', holder);
      } else if (this.now() - h.lastRenewOk >= this.opts.leaseTtlMs) {
        // Not renewed for a whole TTL: the server has expired it, another may hold it now.
        this.lose(shard, h, 'unreachable', null);
      } else {
        this.log.warn({ shard, err: errorText(err) }, 'lease renew failed; retrying next round');
      }
    }
  }

  private async acquireFree(cap: number): Promise<void> {
    if (this.held.size >= cap) return;
    // Each instance starts its scan at its own offset so simultaneous starters spread out.
    const offset = fnv1a32(this.opts.instance) % this.opts.shards;
    let free: number[] = [];
    for (let i = 0; i < this.opts.shards; i++) {
      const shard = (offset + i) % this.opts.shards;
      if (!this.held.has(shard)) free.push(shard);
    }
    if (this.opts.balance) free = byPreference(this.opts.instance, free);
    if (cap === Infinity) {
      await Promise.all(free.map((shard) => this.acquire(shard)));
      return;
    }
    for (const shard of free) {
      if (this.stopped || this.held.size >= cap) return;
      if ((await this.acquire(shard)) === 'error') return;
    }
  }

  /** Tries the shard's slots in order; 'error' when NATS failed (not a conflict). */
  private async acquire(shard: number): Promise<'acquired' | 'taken' | 'error'> {
    for (let slot = 0; slot < this.opts.redundancy; slot++) {
      if (this.stopped) return 'taken';
      this.counters.acquireAttempts++;
      const at = this.now();
      try {
        const revision = await this.kv.create(leaseKey(shard, slot), this.value(at));
        if (this.stopped) {
          await this.kv.delete(leaseKey(shard, slot), { previousSeq: revision }).catch(() => undefined);
          return 'taken';
        }
        this.held.set(shard, { slot, revision, acquiredAt: at, lastRenewOk: at });
        this.counters.acquired++;
        this.log.info({ shard, slot, revision }, 'lease acquired');
        this.report({ type: 'acquired', shard, slot, revision, at });
        return 'acquired';
      } catch (err) {
        if (isConflict(err)) continue;
        this.report({ type: 'error', error: new ClusterError('E_CLUSTER_UNAVAILABLE', `lease acquire shard ${shard}: ${errorText(err)}`, { retryable: true, cause: err }), at });
        return 'error';
      }
    }
    return 'taken';
  }

  private async entryOf(key: string): Promise<{ value: LeaseValue; revision: number } | null> {
    try {
      const e = await this.kv.get(key);
      if (!e || e.operation !== 'PUT') return null;
      return { value: e.json() as LeaseValue, revision: e.revision };
    } catch {
      return null;
    }
  }

  private lose(shard: number, h: Held, reason: LeaseLossReason, holder: string | null): void {
    this.held.delete(shard);
    this.counters.lost++;
    this.log.warn({ shard, slot: h.slot, reason, holder }, 'lease lost');
    this.report({ type: 'lost', shard, slot: h.slot, reason, holder, at: this.now() });
  }

  private report(e: LeaseEvent): void {
    this.emit('lease', e);
    for (const q of this.queues) q.push(e);
  }
}

/** The server refused because the key's revision is not the one expected (someone else wrote, or it expired). */
function isConflict(err: unknown): boolean {
  if (err instanceof JetStreamApiError) {
    return err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown;
  }
  return /wrong last sequence/i.test(errorText(err));
}
