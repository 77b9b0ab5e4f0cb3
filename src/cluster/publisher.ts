/**
 * Collector side of the event bus: publishes normalized events (after integrity) to the events
 * stream with Nats-Msg-Id = the event's identity and waits for each JetStream ack.
 *
 * Bounded: at most maxInFlight events are queued or awaiting their ack; publish() waits for room
 * (backpressure to the feed). Order: events are sent in call order on one connection, so the
 * server stores a prefix of them per connection. After a failure or a disconnect nothing new is
 * sent until every outstanding publish has settled; then the failed ones are re-sent first, in
 * order, with the same ids (a publish that did land comes back as a duplicate). So a cut never
 * loses an event, never doubles one, and keeps the order; `outOfOrder` counts any stored event
 * that still landed after a later one (expected 0, visible if not).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { MarketEvent } from '../model/events.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { ClusterError, errorText } from './errors.js';
import { eventKind, eventMsgId } from './event-identity.js';
import { eventSubject } from './names.js';

export interface EventPublisherOptions {
  readonly namespace: string;
  readonly maxInFlight: number;
  readonly publishTimeoutMs: number;
  /** Pause between retry rounds while NATS is away. */
  readonly retryDelayMs?: number;
  readonly logger?: Logger;
  /**
   * The publisher owns its connection and, on a disconnect, closes it and opens a new one with
   * this. A NATS client buffers what it could not send and flushes it on reconnect, ahead of the
   * re-sends of publishes lost with a restarted server: the stream would hold them out of order.
   * Closing drops that buffer; every un-acked publish is then re-sent in order.
   */
  readonly reconnect?: () => Promise<NatsConnection>;
}

export interface PublisherStats {
  /** Stored by the stream (first copy). */
  published: number;
  /** Refused by the duplicate window (another collector or an earlier try stored it). */
  duplicates: number;
  /** Publishes that failed (timeout, disconnect) and were re-sent. */
  retries: number;
  outOfOrder: number;
  inFlight: number;
  maxInFlightSeen: number;
  disconnects: number;
  /** Publish -> JetStream ack, summed over acked publishes (stored or duplicate), in ms. */
  ackMsSum: number;
  ackCount: number;
  /** Slowest ack among the last ACK_RING acks (ms). */
  recentMaxAckMs: number;
}

/** Recent acks kept for recentMaxAckMs. */
const ACK_RING = 256;

interface Entry { readonly local: number; readonly subject: string; readonly msgId: string; readonly data: Uint8Array; sentAt: number }

export class EventPublisher {
  private readonly queue: Entry[] = [];
  private readonly failed: Entry[] = [];
  private inFlight = 0;
  private paused = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private nextLocal = 0;
  private maxAckedLocal = -1;
  private closed = false;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly encoder = new TextEncoder();
  private readonly log: Logger;
  private readonly counters: PublisherStats = {
    published: 0, duplicates: 0, retries: 0, outOfOrder: 0, inFlight: 0, maxInFlightSeen: 0, disconnects: 0, ackMsSum: 0, ackCount: 0, recentMaxAckMs: 0,
  };
  private readonly recentAcks = new Float64Array(ACK_RING);
  private js: JetStreamClient;
  private nc: NatsConnection;
  private connected = true;

  constructor(nc: NatsConnection, private readonly opts: EventPublisherOptions) {
    if (!Number.isInteger(opts.maxInFlight) || opts.maxInFlight < 1) {
      throw new ClusterError('E_CLUSTER_CONFIG', `maxInFlight must be a positive integer, got ${opts.maxInFlight}`, { retryable: false });
    }
    this.nc = nc;
    this.js = jetstream(nc);
    this.log = (opts.logger ?? silentLogger()).child({ part: 'bus-publisher' });
    void this.watch(nc);
  }

  /** Resolves when the event is queued (waits while maxInFlight events are outstanding). */
  async publish(e: MarketEvent): Promise<void> {
    while (this.outstanding() >= this.opts.maxInFlight) {
      if (this.closed) break;
      await new Promise<void>((r) => this.roomWaiters.push(r));
    }
    if (this.closed) throw new ClusterError('E_CLUSTER_CLOSED', 'publisher closed', { retryable: false });
    this.queue.push({
      local: this.nextLocal++, subject: eventSubject(this.opts.namespace, e.venue, e.symbol, eventKind(e)),
      msgId: eventMsgId(e), data: this.encoder.encode(JSON.stringify(e)), sentAt: 0,
    });
    this.pump();
  }

  /** Resolves when every event published so far is acked by the stream. */
  flush(): Promise<void> {
    if (this.outstanding() === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Flushes (bounded by timeoutMs), then refuses further publishes. */
  async close(timeoutMs = 10_000): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => { t = setTimeout(r, timeoutMs); })]);
    clearTimeout(t);
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const w of this.roomWaiters.splice(0)) w();
    if (this.outstanding() > 0) this.log.warn({ unacked: this.outstanding() }, 'publisher closed with un-acked events');
    if (this.opts.reconnect) await this.nc.close().catch(() => undefined);
  }

  stats(): Readonly<PublisherStats> {
    let max = 0;
    for (let i = 0; i < Math.min(ACK_RING, this.counters.ackCount); i++) if (this.recentAcks[i]! > max) max = this.recentAcks[i]!;
    return { ...this.counters, inFlight: this.inFlight, recentMaxAckMs: max };
  }

  private outstanding(): number {
    return this.queue.length + this.failed.length + this.inFlight;
  }

  private pump(): void {
    while (!this.paused && !this.closed && this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) {
      const entry = this.queue.shift()!;
      this.inFlight++;
      if (this.inFlight > this.counters.maxInFlightSeen) this.counters.maxInFlightSeen = this.inFlight;
      entry.sentAt = performance.now();
      this.js.publish(entry.subject, entry.data, { msgID: entry.msgId, timeout: this.opts.publishTimeoutMs }).then(
        (ack) => this.settled(entry, ack.duplicate),
        (err: unknown) => this.settled(entry, null, err),
      );
    }
  }

  private settled(entry: Entry, duplicate: boolean | null, err?: unknown): void {
    this.inFlight--;
    if (duplicate !== null) {
      const ms = performance.now() - entry.sentAt;
      this.recentAcks[this.counters.ackCount % ACK_RING] = ms;
      this.counters.ackMsSum += ms;
      this.counters.ackCount++;
    }
    if (duplicate === null) {
      if (!this.paused) this.log.warn({ err: errorText(err) }, 'publish not acked; pausing to re-send in order');
      this.paused = true;
      this.failed.push(entry);
    } else if (duplicate) {
      this.counters.duplicates++;
    } else {
      this.counters.published++;
      if (entry.local < this.maxAckedLocal) this.counters.outOfOrder++;
      else this.maxAckedLocal = entry.local;
    }
    if (this.paused && this.inFlight === 0) this.scheduleRetry();
    // Refill in bursts (below half the window): many publishes share one socket write.
    if (this.inFlight <= this.opts.maxInFlight >> 1) this.pump();
    this.wake();
  }

  /** Every outstanding publish has settled: put the failed ones back first, in order, and go on. */
  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    const delay = this.failed.length > 0 ? this.opts.retryDelayMs ?? 250 : 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.inFlight > 0) return;
      if (!this.connected) { this.scheduleRetry(); return; } // re-sent once the new connection is up
      this.failed.sort((a, b) => a.local - b.local);
      this.counters.retries += this.failed.length;
      this.queue.unshift(...this.failed.splice(0));
      this.paused = false;
      this.pump();
    }, delay);
  }

  private wake(): void {
    if (this.outstanding() < this.opts.maxInFlight) for (const w of this.roomWaiters.splice(0)) w();
    if (this.outstanding() === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Close (in-flight publishes fail and are re-sent in order), then connect anew until it works. */
  private async replaceConnection(old: NatsConnection): Promise<void> {
    this.connected = false;
    await old.close().catch(() => undefined);
    while (!this.closed) {
      try {
        const nc = await this.opts.reconnect!();
        if (this.closed) { await nc.close().catch(() => undefined); return; }
        this.nc = nc;
        this.js = jetstream(nc);
        this.connected = true;
        void this.watch(nc);
        this.log.info({}, 'publisher reconnected on a new connection; re-sending un-acked events in order');
        if (this.inFlight === 0) this.scheduleRetry();
        return;
      } catch (err) {
        this.log.warn({ err: errorText(err) }, 'publisher reconnect failed; retrying');
        await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 250));
      }
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this.counters.disconnects++;
          // Sends issued now would go to a new connection ahead of the ones lost with the old one.
          this.paused = true;
          if (this.opts.reconnect && nc === this.nc && !this.closed) { void this.replaceConnection(nc); return; }
          if (this.inFlight === 0) this.scheduleRetry();
        }
      }
    } catch {
      // The status iterator ends with the connection.
    }
  }
}
