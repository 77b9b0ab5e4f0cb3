/**
 * Owns connections by key. Handshake-first: a connection becomes visible (get, stats, details)
 * only after its upgrade completed and every subscription was acked; until then it sits in a
 * private pending map, and a failed handshake leaves nothing behind. connect() is idempotent per
 * key (concurrent callers share one connection). Breakers and connect-attempt buckets are per
 * host and shared by every connection of the manager.
 */
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import type { VenueProtocol } from './protocol.js';
import { CircuitBreaker, breakerSettingsOf, type BreakerStats } from './breaker.js';
import { Connection, type ConnectionDetails, type ConnectionInit } from './connection.js';
import { ConnectionError } from './errors.js';
import { resolveConnectionOptions, type ConnectionOptions } from './options.js';
import type { SocketFactory } from './session.js';
import { CONNECTION_STATES, type ConnectionState } from './states.js';
import { TokenBucket } from './token-bucket.js';

export interface ConnectionSpec {
  readonly protocol: VenueProtocol;
  readonly streams?: readonly string[];
  /** Per-connection overrides on top of the manager's options. */
  readonly options?: Partial<ConnectionOptions>;
  /**
   * Called with the new Connection before its first socket opens, so listeners ('frame', ...) see
   * every frame, including those held until the handshake completes. The connection is not live
   * (not visible through get()) until connect() resolves.
   */
  readonly onCreate?: (conn: Connection) => void;
}

export interface ConnectionManagerInit {
  readonly options?: Partial<ConnectionOptions>;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly socketFactory?: SocketFactory;
  readonly random?: () => number;
  readonly networkCheck?: ConnectionInit['networkCheck'];
}

export interface ManagerStats {
  /** Registered (handshake-complete at least once) connections. */
  readonly total: number;
  readonly healthy: number;
  /** Connections still in their first handshake (not visible through get()). */
  readonly pending: number;
  readonly byState: Readonly<Record<ConnectionState, number>>;
  readonly breakers: readonly BreakerStats[];
}

export class ConnectionManager {
  private readonly live = new Map<string, Connection>();
  private readonly pending = new Map<string, { conn: Connection; ready: Promise<Connection> }>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly limiters = new Map<string, TokenBucket>();
  private readonly options: ConnectionOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private stopping: Promise<void> | null = null;

  constructor(private readonly init: ConnectionManagerInit = {}) {
    this.options = resolveConnectionOptions(init.options);
    this.log = init.logger ?? silentLogger();
    this.now = init.now ?? Date.now;
  }

  /** Resolves with the connection once it is connected; the same one for concurrent calls on a key. */
  connect(key: string, spec: ConnectionSpec): Promise<Connection> {
    if (this.stopping) return Promise.reject(this.closedError(key));
    const existing = this.live.get(key);
    if (existing && existing.state !== 'error' && existing.state !== 'closed') return Promise.resolve(existing);
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight.ready;
    if (existing) {
      this.live.delete(key);
      void existing.close('replaced after fatal error');
    }
    const conn = new Connection({
      key,
      protocol: spec.protocol,
      streams: spec.streams,
      options: { ...this.init.options, ...spec.options },
      logger: this.log,
      now: this.now,
      socketFactory: this.init.socketFactory,
      random: this.init.random,
      networkCheck: this.init.networkCheck,
      breakerFor: (host) => this.breakerFor(host),
      connectLimiterFor: (host) => this.limiterFor(host),
    });
    spec.onCreate?.(conn);
    const ready = conn.connect().then(
      () => {
        if (this.pending.get(key)?.conn !== conn || this.stopping) throw this.closedError(key);
        this.pending.delete(key);
        this.live.set(key, conn);
        return conn;
      },
      async (err: unknown) => {
        if (this.pending.get(key)?.conn === conn) this.pending.delete(key);
        await conn.close('handshake failed');
        throw err;
      },
    );
    this.pending.set(key, { conn, ready });
    return ready;
  }

  /** Splits `streams` by the venue's maxStreamsPerConnection onto keys `${baseKey}#0`, `#1`... */
  connectStreams(
    baseKey: string, protocol: VenueProtocol, streams: readonly string[], options?: Partial<ConnectionOptions>,
    onCreate?: (conn: Connection) => void,
  ): Promise<Connection[]> {
    const per = Math.max(1, protocol.limits.maxStreamsPerConnection);
    const shards: string[][] = [];
    for (let i = 0; i < streams.length; i += per) shards.push(streams.slice(i, i + per));
    if (shards.length === 0) shards.push([]);
    return Promise.all(shards.map((s, i) => this.connect(`${baseKey}#${i}`, { protocol, streams: s, options, onCreate })));
  }

  /** Closes and forgets the connection (pending or live). False when the key is unknown. */
  async disconnect(key: string): Promise<boolean> {
    const conn = this.live.get(key) ?? this.pending.get(key)?.conn;
    this.live.delete(key);
    this.pending.delete(key);
    if (!conn) return false;
    await conn.close('disconnected by manager');
    return true;
  }

  /** Only connections that completed a handshake are returned. */
  get(key: string): Connection | undefined {
    return this.live.get(key);
  }

  keys(): string[] {
    return [...this.live.keys()];
  }

  stats(): ManagerStats {
    const byState = Object.fromEntries(CONNECTION_STATES.map((s) => [s, 0])) as Record<ConnectionState, number>;
    let healthy = 0;
    for (const c of this.live.values()) {
      byState[c.state]++;
      if (c.isHealthy()) healthy++;
    }
    return { total: this.live.size, healthy, pending: this.pending.size, byState, breakers: [...this.breakers.values()].map((b) => b.stats()) };
  }

  details(): ConnectionDetails[] {
    return [...this.live.values()].map((c) => c.details());
  }

  unhealthy(): ConnectionDetails[] {
    return [...this.live.values()].filter((c) => !c.isHealthy()).map((c) => c.details());
  }

  breaker(host: string): BreakerStats | undefined {
    return this.breakers.get(host)?.stats();
  }

  /** Closes everything (each within closeTimeoutMs, then destroyed); later connect() calls are refused. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      const all = [...this.live.values(), ...[...this.pending.values()].map((p) => p.conn)];
      this.live.clear();
      this.pending.clear();
      await Promise.all(all.map((c) => c.close('manager shutdown')));
      this.log.info({ closed: all.length }, 'connection manager shut down');
    })();
    return this.stopping;
  }

  private breakerFor(host: string): CircuitBreaker {
    let b = this.breakers.get(host);
    if (!b) {
      b = new CircuitBreaker(host, breakerSettingsOf(this.options), this.now);
      b.onStateChange((state, reason) => this.log.warn({ host, state, reason }, 'circuit breaker'));
      this.breakers.set(host, b);
    }
    return b;
  }

  private limiterFor(host: string): TokenBucket {
    let l = this.limiters.get(host);
    if (!l) this.limiters.set(host, (l = new TokenBucket(this.options.connectAttemptsPerWindow, this.options.connectAttemptWindowMs, this.now)));
    return l;
  }

  private closedError(key: string): ConnectionError {
    return new ConnectionError('E_CLOSED', `connection ${key}: manager is shut down or the connection was removed`, { retryable: false, context: { connectionKey: key } });
  }
}
