/**
 * NATS JetStream sink: one message per record on `<prefix>.<kind>.<venue>.<symbol>`, where kind
 * is `snapshot`, `candle.<interval>`, `trade` or `gap` (a declared trade gap); the body is the record as JSON. Each publish is
 * acked by the stream and carries `Nats-Msg-Id` = natural key + "|r" + revision, so a batch
 * replayed within the stream's duplicate window is dropped by the server (PubAck.duplicate).
 * Replays after the window has passed can duplicate messages: keep duplicateWindowMs longer than
 * the longest outage you want exactly-once across (consumers can also dedupe on the header).
 * The stream (subjects `<prefix>.>`) is created when missing. The client reconnects forever on
 * its own; while it is away, publishes time out (retryable) and the runner spools.
 */
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  DEFAULT_NATS_CONNECT_TIMEOUT_MS, DEFAULT_NATS_DUPLICATE_WINDOW_MS, DEFAULT_NATS_MAX_IN_FLIGHT, DEFAULT_NATS_PUBLISH_TIMEOUT_MS,
  DEFAULT_NATS_RECONNECT_WAIT_MS, DEFAULT_NATS_STREAM, DEFAULT_NATS_SUBJECT_PREFIX,
} from '../config/defaults/sinks.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { errorMessage, SinkError } from './errors.js';
import { naturalKey, revisionOf } from './record-key.js';
import { isGap, isTrade, type Sink, type SinkRecord } from './sink.js';

export interface NatsSinkOptions {
  /** e.g. "nats://127.0.0.1:4222" (one or several). */
  readonly servers: string | readonly string[];
  readonly stream?: string;
  readonly subjectPrefix?: string;
  readonly duplicateWindowMs?: number;
  readonly name?: string;
  readonly trades?: boolean;
  readonly connectTimeoutMs?: number;
  readonly publishTimeoutMs?: number;
  readonly reconnectWaitMs?: number;
  readonly maxInFlight?: number;
  readonly logger?: Logger;
}

const TOKEN_BAD = /[.*>\s]/g;
const STREAM_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A subject token: no dots, wildcards or whitespace (they would change the subject's shape). */
export function subjectToken(s: string): string {
  const t = s.replace(TOKEN_BAD, '_');
  return t.length === 0 ? '_' : t;
}

export function subjectOf(prefix: string, r: SinkRecord): string {
  const kind = isTrade(r) ? 'trade' : isGap(r) ? 'gap' : r.kind === 'snapshot' ? 'snapshot' : `candle.${subjectToken(r.interval)}`;
  return `${prefix}.${kind}.${subjectToken(r.venue)}.${subjectToken(r.symbol)}`;
}

export function msgIdOf(r: SinkRecord): string {
  return `${naturalKey(r)}|r${revisionOf(r)}`;
}

export class NatsSink implements Sink {
  readonly kind = 'nats' as const;
  readonly name: string;
  readonly stream: string;
  readonly subjectPrefix: string;
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private readonly log: Logger;
  private readonly encoder = new TextEncoder();
  private counters = { published: 0, duplicates: 0, disconnects: 0, reconnects: 0, skippedTrades: 0 };

  constructor(private readonly opts: NatsSinkOptions) {
    this.name = opts.name ?? 'nats';
    this.stream = opts.stream ?? DEFAULT_NATS_STREAM;
    this.subjectPrefix = opts.subjectPrefix ?? DEFAULT_NATS_SUBJECT_PREFIX;
    this.log = (opts.logger ?? silentLogger()).child({ sink: this.name });
    if (!STREAM_RE.test(this.stream)) {
      throw new SinkError('E_SINK_SCHEMA', `nats stream name "${this.stream}" must be 1-64 of A-Z a-z 0-9 _ -`, { retryable: false, context: { sink: this.name } });
    }
    if (this.subjectPrefix.split('.').some((t) => t.length === 0 || subjectToken(t) !== t)) {
      throw new SinkError('E_SINK_SCHEMA', `nats subject prefix "${this.subjectPrefix}" must be dot-separated tokens without wildcards or spaces`, { retryable: false, context: { sink: this.name } });
    }
  }

  async open(): Promise<void> {
    if (this.nc && !this.nc.isClosed() && this.js) return;
    const servers = typeof this.opts.servers === 'string' ? [this.opts.servers] : [...this.opts.servers];
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers, name: 'tickgate', timeout: this.opts.connectTimeoutMs ?? DEFAULT_NATS_CONNECT_TIMEOUT_MS,
        maxReconnectAttempts: -1, reconnectTimeWait: this.opts.reconnectWaitMs ?? DEFAULT_NATS_RECONNECT_WAIT_MS,
        ignoreClusterUpdates: true,
      });
    } catch (err) {
      throw this.classify(err, 'connect');
    }
    try {
      await this.ensureStream(await jetstreamManager(nc));
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err instanceof SinkError ? err : this.classify(err, 'stream setup');
    }
    this.nc = nc;
    this.js = jetstream(nc);
    void this.watch(nc);
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    await this.open();
    const js = this.js!;
    const records = this.opts.trades ? batch : batch.filter((r) => !isTrade(r));
    this.counters.skippedTrades += batch.length - records.length;
    const timeout = this.opts.publishTimeoutMs ?? DEFAULT_NATS_PUBLISH_TIMEOUT_MS;
    const window = this.opts.maxInFlight ?? DEFAULT_NATS_MAX_IN_FLIGHT;
    try {
      for (let i = 0; i < records.length; i += window) {
        const acks = await Promise.all(records.slice(i, i + window).map((r) =>
          js.publish(subjectOf(this.subjectPrefix, r), this.encoder.encode(JSON.stringify(r)), { msgID: msgIdOf(r), timeout })));
        for (const a of acks) { if (a.duplicate) this.counters.duplicates++; else this.counters.published++; }
      }
    } catch (err) {
      const e = this.classify(err, 'publish');
      // A closed client never comes back by itself: drop it so the next attempt reconnects.
      if (this.nc?.isClosed()) { this.nc = null; this.js = null; }
      throw e;
    }
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = null;
    this.js = null;
    if (!nc || nc.isClosed()) return;
    await nc.drain().catch(() => nc.close());
  }

  stats(): Readonly<typeof this.counters> {
    return { ...this.counters };
  }

  private async ensureStream(jsm: JetStreamManager): Promise<void> {
    const subject = `${this.subjectPrefix}.>`;
    let exists = true;
    try {
      const info = await jsm.streams.info(this.stream);
      if (!info.config.subjects?.includes(subject)) {
        throw new SinkError('E_SINK_SCHEMA', `nats stream ${this.stream} exists with subjects [${(info.config.subjects ?? []).join(', ')}], not ${subject}`, {
          retryable: false, context: { sink: this.name, stream: this.stream },
        });
      }
    } catch (err) {
      if (err instanceof SinkError) throw err;
      if (!/not found/i.test(errorMessage(err))) throw err;
      exists = false;
    }
    if (!exists) {
      await jsm.streams.add({ name: this.stream, subjects: [subject], duplicate_window: nanos(this.opts.duplicateWindowMs ?? DEFAULT_NATS_DUPLICATE_WINDOW_MS) });
      this.log.info({ stream: this.stream, subject }, 'nats stream created');
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    try {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') { this.counters.disconnects++; this.log.warn({ server: s.server }, 'nats disconnected; reconnecting'); }
        if (s.type === 'reconnect') { this.counters.reconnects++; this.log.info({ server: s.server }, 'nats reconnected'); }
      }
    } catch {
      // The status iterator ends with the connection.
    }
  }

  private classify(err: unknown, what: string): SinkError {
    const msg = errorMessage(err);
    const name = err instanceof Error ? err.name : '';
    const servers = typeof this.opts.servers === 'string' ? this.opts.servers : this.opts.servers.join(',');
    const ctx = { sink: this.name, servers, stream: this.stream };
    if (/authoriz|authentic|permission/i.test(`${name} ${msg}`)) {
      return new SinkError('E_SINK_AUTH', `nats ${servers} ${what}: ${msg}: check credentials and permissions`, { retryable: false, cause: err, context: ctx });
    }
    return new SinkError(/timeout/i.test(`${name} ${msg}`) ? 'E_SINK_TIMEOUT' : 'E_SINK_UNAVAILABLE', `nats ${servers} ${what}: ${msg}`, { retryable: true, cause: err, context: ctx });
  }
}
