/**
 * Processor side of the event bus: a durable pull consumer (explicit ack, bounded ack-pending)
 * over the events stream, yielding events in stream order, each once.
 *
 * JetStream alone is at-least-once and, after a lost delivery, not ordered: a message sent to a
 * dead connection is redelivered only after ack_wait while new pulls already get later ones. So
 * this consumer (1) skips (and acks) anything at or below the last stream sequence it yielded,
 * (2) watches the consumer's delivery sequence, and when one is missing re-creates the durable at
 * the first stream sequence not yet yielded (also after every reconnect: deliveries lost with the
 * old connection would otherwise hold max_ack_pending until ack_wait), and (3) on open does the same when the durable has
 * un-acked deliveries (a processor killed mid-batch). One process per durable name: two readers
 * of one durable would each see the other's deliveries as missing.
 */
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, type ConsumerMessages, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { MarketEvent } from '../model/events.js';
import { DEFAULT_CLUSTER_PULL_EXPIRES_MS } from '../config/defaults/cluster.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { ClusterError, errorText } from './errors.js';
import { eventStreamName, eventSubjectFilter } from './names.js';

export interface EventConsumerOptions {
  readonly namespace: string;
  /** Durable name: A-Z a-z 0-9 _ -; the position survives restarts under it. */
  readonly durable: string;
  /** Subject filter below the namespace (default: every event). */
  readonly filterSubject?: string;
  readonly maxAckPending: number;
  readonly ackWaitMs: number;
  /** Messages asked per pull (default: maxAckPending, at most 1,000). */
  readonly batch?: number;
  /** Life of one pull request (ms); bounds how long a cut connection stalls consumption. */
  readonly pullExpiresMs?: number;
  /**
   * Start here (a stream sequence), whatever the durable had acked: the durable is re-created at
   * it. A processor passes the position storage needs, so acks never decide what is lost.
   */
  readonly startSeq?: number;
  readonly logger?: Logger;
}

export interface BusEvent {
  readonly event: MarketEvent;
  readonly streamSeq: number;
  readonly redelivered: boolean;
  /** Stream messages after this one not yet delivered to the consumer (0: caught up). */
  readonly pending: number;
  /** Acknowledge once processed; the durable's position moves past it. */
  ack(): void;
}

export interface ConsumerStats {
  delivered: number;
  yielded: number;
  skippedRedeliveries: number;
  resets: number;
  decodeErrors: number;
  /** Stream messages not yet delivered to this consumer, as of the last delivery (its lag). */
  lagMessages: number;
}

export class EventConsumer implements AsyncIterable<BusEvent> {
  private lastSeq = 0;
  private lastDelivery = 0;
  private messages: ConsumerMessages | null = null;
  private closed = false;
  private resetWanted = false;
  private readonly log: Logger;
  private readonly stream: string;
  private readonly counters: ConsumerStats = { delivered: 0, yielded: 0, skippedRedeliveries: 0, resets: 0, decodeErrors: 0, lagMessages: 0 };

  private constructor(private readonly nc: NatsConnection, private readonly jsm: JetStreamManager, private readonly opts: EventConsumerOptions) {
    this.log = (opts.logger ?? silentLogger()).child({ part: 'bus-consumer', durable: opts.durable });
    this.stream = eventStreamName(opts.namespace);
    void this.watch();
  }

  /** Creates the durable when missing; resumes after its ack floor when it exists. */
  static async open(nc: NatsConnection, jsm: JetStreamManager, opts: EventConsumerOptions): Promise<EventConsumer> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(opts.durable)) {
      throw new ClusterError('E_CLUSTER_CONFIG', `durable name "${opts.durable}" must be 1-64 of A-Z a-z 0-9 _ -`, { retryable: false });
    }
    const c = new EventConsumer(nc, jsm, opts);
    try {
      const info = await jsm.consumers.info(c.stream, opts.durable).catch((err: unknown) => {
        if (/not found/i.test(errorText(err))) return null;
        throw err;
      });
      if (opts.startSeq !== undefined && opts.startSeq > 0) {
        if (info) await jsm.consumers.delete(c.stream, opts.durable);
        await c.create(opts.startSeq);
        c.lastSeq = opts.startSeq - 1;
      } else if (!info) await c.create(0);
      else {
        // A durable re-created at a start sequence has no ack floor until its first ack.
        const startFloor = info.config.deliver_policy === DeliverPolicy.StartSequence ? (info.config.opt_start_seq ?? 1) - 1 : 0;
        c.lastSeq = Math.max(info.ack_floor.stream_seq, startFloor);
        if (info.num_ack_pending > 0 || info.delivered.stream_seq > info.ack_floor.stream_seq) await c.reset('unacked deliveries at open');
        else c.lastDelivery = info.delivered.consumer_seq;
      }
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      throw new ClusterError('E_CLUSTER_UNAVAILABLE', `consumer ${opts.durable} on ${c.stream}: ${errorText(err)}`, { retryable: true, cause: err, context: { stream: c.stream, durable: opts.durable } });
    }
    return c;
  }

  /** Stream sequence of the last event yielded (the resume point). */
  position(): number {
    return this.lastSeq;
  }

  stats(): Readonly<ConsumerStats> {
    return { ...this.counters };
  }

  /** Stops; acks already given are flushed to the server first, so a restart does not see them again. */
  async close(): Promise<void> {
    this.closed = true;
    await this.messages?.close().catch(() => undefined);
    await this.nc.flush().catch(() => undefined);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BusEvent> {
    const js = jetstream(this.nc);
    const decoder = new TextDecoder();
    while (!this.closed) {
      const consumer = await js.consumers.get(this.stream, this.opts.durable);
      this.messages = await consumer.consume({ max_messages: this.opts.batch ?? Math.min(this.opts.maxAckPending, 1_000), expires: this.opts.pullExpiresMs ?? DEFAULT_CLUSTER_PULL_EXPIRES_MS });
      let needReset = false;
      for await (const m of this.messages) {
        this.counters.delivered++;
        const { streamSequence: seq, deliverySequence: dseq, pending } = m.info;
        this.counters.lagMessages = pending;
        if (seq <= this.lastSeq) {
          this.counters.skippedRedeliveries++;
          m.ack();
          continue;
        }
        if (dseq !== this.lastDelivery + 1 && !m.redelivered) {
          // A delivery was lost in transit: later ones would overtake it. Restart at the hole.
          needReset = true;
          break;
        }
        this.lastDelivery = dseq;
        let event: MarketEvent;
        try {
          event = JSON.parse(decoder.decode(m.data)) as MarketEvent;
        } catch {
          this.counters.decodeErrors++;
          m.term();
          continue;
        }
        this.lastSeq = seq;
        this.counters.yielded++;
        yield { event, streamSeq: seq, redelivered: m.redelivered, pending, ack: ackOf(m) };
      }
      await this.messages.close().catch(() => undefined);
      this.messages = null;
      if (this.closed) return;
      if (needReset || this.resetWanted) await this.reset(needReset ? 'missing delivery' : 'reconnected');
      this.resetWanted = false;
    }
  }

  /**
   * After a reconnect, deliveries sent to the old connection sit un-acked and fill max_ack_pending
   * until ack_wait; re-creating the durable at our position frees them at once.
   */
  private async watch(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === 'reconnect' && !this.closed) {
          this.resetWanted = true;
          void this.messages?.close().catch(() => undefined);
        }
      }
    } catch {
      // The status iterator ends with the connection.
    }
  }

  private async create(startSeq: number): Promise<void> {
    await this.jsm.consumers.add(this.stream, {
      durable_name: this.opts.durable,
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: this.opts.maxAckPending,
      ack_wait: nanos(this.opts.ackWaitMs),
      filter_subject: this.opts.filterSubject ?? eventSubjectFilter(this.opts.namespace),
      ...(startSeq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq } : { deliver_policy: DeliverPolicy.All }),
    });
    this.lastDelivery = 0;
  }

  /** Re-creates the durable so its next delivery is the first stream sequence not yet yielded. */
  private async reset(why: string): Promise<void> {
    this.counters.resets++;
    this.log.warn({ why, resumeAfter: this.lastSeq }, 'consumer re-created at its position');
    await this.jsm.consumers.delete(this.stream, this.opts.durable).catch(() => undefined);
    await this.create(this.lastSeq + 1);
  }
}

function ackOf(m: JsMsg): () => void {
  return () => m.ack();
}
