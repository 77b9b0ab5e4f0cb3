/**
 * The processor side of the cluster wiring (roles processor and all): a durable consumer of the
 * bus feeds the local pipeline, each trade once (BusDedup). With SQLite or PostgreSQL storage the
 * consumer is positioned from what storage holds, so a restart (even after kill -9) re-reads
 * exactly what storage lacks, whatever the consumer had acked; the re-read symbols are marked
 * behind (an in-band marker) until the consumer has caught up.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { DEFAULT_CLUSTER_DEDUP_IDS_PER_STREAM } from '../config/defaults/cluster.js';
import { BusDedup } from '../cluster/bus-dedup.js';
import { EventConsumer } from '../cluster/consumer.js';
import { errorText } from '../cluster/errors.js';
import { eventStreamName } from '../cluster/names.js';
import { seekTradeAfter } from '../cluster/seek.js';
import type { MarketEvent, StreamState } from '../model/events.js';
import type { Logger } from '../observability/logger.js';
import { parseSinkSpec } from '../sinks/spec.js';
import type { ClusterConfig } from './cluster-wiring.js';

export interface ClusterProcessorStats {
  consumed: number;
  /** Trades dropped as already stored (re-read after a restart). */
  consumedBelowFloor: number;
  /** Trades dropped because the stream held them twice. */
  consumedDoubles: number;
  /** Stream sequence it was positioned at from storage on start (0: the consumer's own position). */
  startSeqFromStorage: number;
}

export class ClusterProcessor {
  private consumer: EventConsumer | null = null;
  private consuming: Promise<void> | null = null;
  private readonly dedup = new BusDedup(DEFAULT_CLUSTER_DEDUP_IDS_PER_STREAM);
  /** Symbols re-read from storage's position, held behind until the consumer caught up. */
  private readonly replaying: { venue: string; symbol: string }[] = [];
  private consumed = 0;
  private startSeqFromStorage = 0;

  constructor(
    private readonly cfg: ClusterConfig,
    private readonly instance: string,
    private readonly log: Logger,
    /** Where consumed events go (the gateway's pipeline). */
    private readonly publishLocal: (e: MarketEvent) => void,
  ) {}

  /** `resume`: "venue|SYMBOL" -> the trade id after which the aggregator (seeded from storage) needs trades. */
  async start(nc: NatsConnection, jsm: JetStreamManager, resume: ReadonlyMap<string, number>, sinks: readonly string[]): Promise<void> {
    const c = this.cfg;
    // Only SQLite / PostgreSQL are read back on start (src/gateway/resume.ts); without them the
    // consumer's own position is all there is.
    const storage = sinks.some((t) => { const k = parseSinkSpec(t).kind; return k === 'sqlite' || k === 'postgres'; });
    const startSeq = storage ? await this.startFromStorage(jsm, resume) : null;
    this.consumer = await EventConsumer.open(nc, jsm, {
      namespace: c.namespace, durable: `processor-${this.instance}`, maxAckPending: c.maxAckPending, ackWaitMs: c.ackWaitMs, logger: this.log,
      ...(startSeq !== null ? { startSeq } : {}),
    });
    this.consuming = this.consume(this.consumer);
  }

  /** Null before start. */
  stats(): (ClusterProcessorStats & { consumer: ReturnType<EventConsumer['stats']> }) | null {
    if (!this.consumer) return null;
    return {
      consumed: this.consumed, consumedBelowFloor: this.dedup.stats.belowFloor, consumedDoubles: this.dedup.stats.doubles,
      startSeqFromStorage: this.startSeqFromStorage, consumer: this.consumer.stats(),
    };
  }

  /** Lets the consumer catch up with what this process just published (role all), then stops. */
  async stop(): Promise<void> {
    if (!this.consumer) return;
    await this.consumer.close();
    await this.consuming?.catch(() => undefined);
  }

  /**
   * Storage floors for the dedup and the lowest stream sequence any trade stream needs (null:
   * the stream holds nothing storage lacks). Every trade subject in the stream counts: one with
   * no stored row yet (killed before its first second was written) is re-read from its first trade.
   */
  private async startFromStorage(jsm: JetStreamManager, resume: ReadonlyMap<string, number>): Promise<number | null> {
    const ns = this.cfg.namespace;
    const info = await jsm.streams.info(eventStreamName(ns), { subjects_filter: `${ns}.events.*.*.trade` });
    let start: number | null = null;
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const [, , venue, symbol] = subject.split('.') as [string, string, string, string];
      const afterId = resume.get(`${venue}|${symbol}`) ?? null;
      if (afterId !== null) this.dedup.setFloor(venue, symbol, 'trade', afterId);
      const seq = await seekTradeAfter(jsm, ns, venue, symbol, 'trade', afterId);
      if (seq !== null && (start === null || seq < start)) start = seq;
      if (seq !== null) this.replaying.push({ venue, symbol });
    }
    // Re-read trades are older than the wall clock: hold the aggregator's clock-driven closing of
    // these symbols (an in-band marker, as integrity does for a backfill) until caught up.
    for (const r of this.replaying) this.publishLocal(this.replayMarker(r.venue, r.symbol, 'behind'));
    if (start !== null) {
      this.startSeqFromStorage = start;
      this.log.info({ startSeq: start, resumed: resume.size }, 'processor positioned from storage');
    }
    return start;
  }

  private replayMarker(venue: string, symbol: string, state: 'behind' | 'whole'): StreamState {
    const now = Date.now();
    return { type: 'stream_state', venue, symbol, source: 'bus_replay', state, reason: state === 'behind' ? 'resume' : 'caught_up', eventTime: now, receiveTime: now };
  }

  private async consume(c: EventConsumer): Promise<void> {
    try {
      for await (const m of c) {
        if (this.replaying.length > 0 && m.pending === 0) {
          for (const r of this.replaying.splice(0)) this.publishLocal(this.replayMarker(r.venue, r.symbol, 'whole'));
        }
        if (this.dedup.admit(m.event)) {
          // The aggregator maps the wall clock onto venue time by receiveTime - eventTime: here the
          // receive is this processor's (the event object is ours, freshly decoded), so a backlog
          // read late (a restart, a slow processor) closes windows by its own trades, not by a
          // clock that ran on while the trades sat in the stream.
          (m.event as { receiveTime: number }).receiveTime = Date.now();
          this.publishLocal(m.event);
          this.consumed++;
        }
        m.ack();
      }
    } catch (err) {
      this.log.error({ err: errorText(err) }, 'cluster consumer stopped');
    }
  }
}
