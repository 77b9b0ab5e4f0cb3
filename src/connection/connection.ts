/**
 * A resilient WebSocket to one venue URL. Knows no venue: everything venue-specific comes through
 * VenueProtocol. Lifecycle (see states.ts): connect → handshake (login acks) → subscribe (acks) →
 * connected; any failure → reconnecting with backoff + full jitter (reconnect-loop.ts), gated by
 * the host's circuit breaker and connect-attempt bucket (attempt-gate.ts); fatal close/upgrade →
 * error (stops); close() → closed.
 *
 * Data frames are emitted synchronously from the socket's message handler ('frame'); frames that
 * arrive before every ack are held (bounded) and emitted right after 'connected'.
 */
import type { Logger } from '../observability/logger.js';
import { redactUrl, silentLogger } from '../observability/logger.js';
import type { TickgateError } from '../model/errors.js';
import type { VenueProtocol } from './protocol.js';
import { Backoff } from './backoff.js';
import type { CircuitBreaker } from './breaker.js';
import { AttemptGate } from './attempt-gate.js';
import { runReconnectLoop, type AttemptOutcome } from './reconnect-loop.js';
import { TypedEmitter } from './emitter.js';
import { connectionErrorsOf, ConnectionError } from './errors.js';
import { ConnectionMetadata } from './metadata.js';
import { preConnectCheck, shouldCheckNetwork } from './network-check.js';
import { resolveConnectionOptions, type ConnectionOptions } from './options.js';
import { defaultSocketFactory, SocketSession, type SocketFactory } from './session.js';
import { StalenessTracker } from './staleness.js';
import { StateMachine, type ConnectionState } from './states.js';
import { StateReporter } from './state-reporter.js';
import { SubscriptionRegistry } from './subscriptions.js';
import { messageBucket, type TokenBucket } from './token-bucket.js';
import { openReplacement, Rotation } from './rotation.js';
import type { ConnectionDetails, ConnectionEvents, ConnectionInit, ConnectionStats } from './connection-types.js';
export type { ConnectionDetails, ConnectionEvents, ConnectionInit, ConnectionStats, FrameMeta, RotationEvent } from './connection-types.js';
import { SubscriptionOps } from './subscription-ops.js';
import { StaleMonitor } from './stale-monitor.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

const ACTIVE: ReadonlySet<ConnectionState> = new Set(['connecting', 'handshaking', 'subscribing', 'connected']);

export class Connection extends TypedEmitter<ConnectionEvents> {
  readonly key: string;
  readonly protocol: VenueProtocol;
  readonly options: ConnectionOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly sm: StateMachine;
  private readonly registry = new SubscriptionRegistry();
  private readonly backoff: Backoff;
  private readonly metadata: ConnectionMetadata;
  private readonly staleness: StalenessTracker;
  private readonly messages: TokenBucket;
  private readonly socketFactory: SocketFactory;
  private readonly gate: AttemptGate;
  private readonly errors: ReturnType<typeof connectionErrorsOf>;
  private readonly reporter: StateReporter;
  private readonly rotation: Rotation;
  private readonly subs: SubscriptionOps;
  private readonly stale: StaleMonitor;
  private current: SocketSession | null = null;
  private generation = 0;
  private requestSeq = 0;
  private loop: Promise<void> | null = null;
  private loopAbort = new AbortController();
  private closing = false;
  private closePromise: Promise<void> | null = null;
  private waiters: Waiter[] = [];
  private everConnected = false;
  private disconnectedAt: number | null = null;
  private lastUrl = '';
  private cleanupTimer: NodeJS.Timeout | null = null;

  constructor(init: ConnectionInit) {
    super();
    this.key = init.key;
    this.protocol = init.protocol;
    this.options = resolveConnectionOptions(init.options);
    this.now = init.now ?? Date.now;
    this.log = (init.logger ?? silentLogger()).child({ connection: init.key, venue: init.protocol.name });
    this.sm = new StateMachine(init.key, this.now);
    const o = this.options;
    this.metadata = new ConnectionMetadata(o.metadataRingSize, o.metadataMaxAgeMs);
    this.reporter = new StateReporter({
      sm: this.sm, metadata: this.metadata, log: this.log, now: this.now, closing: () => this.closing,
      emitState: (t) => this.emit('state', t), emitError: (e) => this.emit('error', e),
    });
    this.backoff = new Backoff({ baseDelayMs: o.reconnectBaseDelayMs, maxDelayMs: o.reconnectMaxDelayMs, resetAfterMs: o.backoffResetAfterMs, random: init.random });
    this.staleness = new StalenessTracker(o.staleAfterMs, o.streamStaleAfterMs, this.now());
    this.messages = messageBucket(o.maxMessagesPerSecond, init.protocol.limits.maxMessagesPerSecond, this.now);
    this.socketFactory = init.socketFactory ?? defaultSocketFactory;
    this.gate = new AttemptGate({
      venue: init.protocol.name, connectionKey: init.key, options: o, now: this.now, breakerFor: init.breakerFor, connectLimiterFor: init.connectLimiterFor,
    });
    this.errors = connectionErrorsOf(init.protocol.name, init.key);
    this.networkCheckFn = init.networkCheck;
    this.registry.add(init.streams ?? []);
    this.subs = new SubscriptionOps({
      protocol: this.protocol, registry: this.registry, staleness: this.staleness, options: o, now: this.now,
      nextId: () => this.nextId(), log: this.log, reportError: (e) => this.reporter.report(e),
    });
    this.stale = new StaleMonitor({
      key: this.key, venue: this.protocol.name, options: o, staleness: this.staleness, registry: this.registry, subs: this.subs,
      counters: this.metadata.counters, log: this.log, now: this.now,
      live: () => (this.sm.state === 'connected' && this.current?.isLive ? this.current : null),
      emitStale: (i) => this.emit('stale', i),
      emitStreamStale: (i) => this.emit('stream_stale', i),
      emitRecovered: (i) => this.emit('stream_recovered', i),
    });
    this.rotation = new Rotation({
      options: o, lifetimeMs: this.protocol.limits.connectionLifetimeMs, log: this.log, now: this.now,
      openReplacement: (track) => openReplacement({
        session: this.newSession(this.protocol.url(this.registry.all())), streams: () => this.registry.all(), subs: this.subs,
        connectTimeoutMs: o.connectTimeoutMs, closing: () => this.closing, closedError: () => this.closedError(),
      }, track),
      current: () => (this.sm.state === 'connected' ? this.current : null),
      swap: (next) => this.swapTo(next),
      emit: (e) => this.emit('rotation', e),
      reportError: (e) => this.reporter.report(e),
    });
  }

  private readonly networkCheckFn: ConnectionInit['networkCheck'];

  get state(): ConnectionState {
    return this.sm.state;
  }

  /** Starts the connection; resolves on the first 'connected', rejects on a fatal error or close(). */
  connect(): Promise<void> {
    if (this.closing) return Promise.reject(this.closedError());
    if (this.sm.state === 'connected') return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.loop) {
      this.startCleanup();
      this.loop = this.run()
        .catch((err: unknown) => {
          const e = this.errors.protocolFailed(err);
          this.reporter.report(e);
          if (!this.closing) this.reporter.ensure('error', e.message);
          this.settleWaiters(e);
        })
        .finally(() => {
          this.loop = null;
        });
    }
    return p;
  }

  /** Adds streams (reference-counted). While connected, resolves once the venue acked them. */
  async addStreams(streams: readonly string[]): Promise<void> {
    // An idle connection's silence so far does not count against the streams it starts carrying.
    if (this.registry.size === 0) this.staleness.reset(this.now());
    const added = this.registry.add(streams);
    const s = this.current;
    if (added.length === 0 || this.sm.state !== 'connected' || !s?.isLive) return; // replayed on (re)connect
    await this.subs.subscribeLive(s, added);
  }

  /** Drops a reference to each stream; unsubscribes those no one holds any more. */
  async removeStreams(streams: readonly string[]): Promise<void> {
    const gone = this.registry.remove(streams);
    for (const g of gone) this.staleness.forget(g);
    const s = this.current;
    if (gone.length === 0 || this.sm.state !== 'connected' || !s?.isLive) return;
    await this.subs.unsubscribeLive(s, gone);
  }

  streams(): string[] {
    return this.registry.all();
  }

  /** Make-before-break replacement of the socket (also automatic before the venue's lifetime). */
  rotate(): Promise<boolean> {
    return this.rotation.rotate('requested');
  }

  isHealthy(): boolean {
    const s = this.current;
    if (this.sm.state !== 'connected' || !s?.isLive) return false;
    const t = this.now();
    const since = this.metadata.connectedSince ?? t;
    const lastPong = Math.max(this.metadata.lastPongTime ?? since, since);
    // No stream, no data expected (an idle connection kept for streams added later).
    return t - lastPong <= this.options.heartbeatTimeoutMs && (this.registry.size === 0 || t - this.staleness.lastDataTime() <= this.options.staleAfterMs);
  }

  /** Closes gracefully within closeTimeoutMs (then destroys); terminal. Idempotent. */
  close(reason = 'closed by caller'): Promise<void> {
    this.closePromise ??= this.doClose(reason);
    return this.closePromise;
  }

  stats(): ConnectionStats {
    const c = this.metadata.counters;
    return {
      key: this.key, venue: this.protocol.name, state: this.sm.state, healthy: this.isHealthy(), generation: this.generation,
      streams: this.registry.size, pendingStreams: this.registry.pending().length, framesIn: c.framesIn, bytesIn: c.bytesIn,
      framesOut: c.framesOut, dataFrames: c.dataFrames, reconnects: c.reconnects, rotations: c.rotations,
      failedAttempts: c.failedAttempts, invalidTransitions: this.sm.invalidTransitions, staleEpisodes: c.staleEpisodes,
      streamStaleEpisodes: c.streamStaleEpisodes, lastPingRttMs: this.metadata.lastPingRttMs, backoffAttempts: this.backoff.attempts,
    };
  }

  details(): ConnectionDetails {
    this.metadata.counters.invalidTransitions = this.sm.invalidTransitions;
    return {
      key: this.key, venue: this.protocol.name, url: this.lastUrl ? redactUrl(this.lastUrl) : '', state: this.sm.state,
      healthy: this.isHealthy(), generation: this.generation, subscriptions: this.registry.snapshot(),
      metadata: this.metadata.snapshot(), breaker: this.gate.lastBreaker?.stats() ?? null,
    };
  }

  // ---- reconnect loop -------------------------------------------------------------------------

  private run(): Promise<void> {
    return runReconnectLoop({
      options: this.options, gate: this.gate, backoff: this.backoff, reporter: this.reporter, signal: this.loopAbort.signal,
      closing: () => this.closing,
      url: () => (this.lastUrl = this.protocol.url(this.registry.all())),
      attempt: (url, host, port, breaker, probe, timeoutMs) => this.attempt(url, host, port, breaker, probe, timeoutMs),
      fatal: (err) => this.settleWaiters(err),
    });
  }

  /** One attempt, from connecting to the end of its socket. Never throws. */
  private async attempt(url: string, host: string, port: number, breaker: CircuitBreaker, probe: boolean, timeoutMs: number): Promise<AttemptOutcome> {
    const session = this.newSession(url);
    this.current = session;
    this.metadata.counters.attempts++;
    let connected = false;
    try {
      this.reporter.ensure('connecting', `attempt ${this.metadata.counters.attempts} (generation ${session.generation})`);
      if (shouldCheckNetwork(this.options.networkCheck, host)) {
        await (this.networkCheckFn ?? ((h, p, signal) => preConnectCheck(h, p, this.options, { logger: this.log, signal, now: this.now })))(host, port, session.signal);
      }
      this.guard(session);
      await session.open(timeoutMs);
      this.guard(session);
      this.reporter.ensure('handshaking', 'upgrade complete');
      await this.subs.login(session);
      this.guard(session);
      this.reporter.ensure('subscribing', 'handshake complete');
      await this.subs.subscribeAll(session);
      this.guard(session);
      breaker.success();
      connected = true;
      this.onConnected(session);
      // Rotation may swap the live socket; follow whichever one is current.
      for (;;) {
        const live: SocketSession = this.current ?? session;
        const end = await live.ended;
        if (this.current === live || this.closing) return { connected, error: end };
      }
    } catch (err) {
      const error = err instanceof ConnectionError ? err : new ConnectionError('E_CONNECT_FAILED', `${this.key}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      session.end(error);
      if (!connected) {
        if (this.closing) {
          if (probe) breaker.release();
        } else {
          breaker.failure(`${error.code}: ${error.message}`);
          this.metadata.counters.failedAttempts++;
        }
      }
      return { connected, error };
    } finally {
      if (connected) this.onDisconnected();
    }
  }

  private onConnected(session: SocketSession): void {
    const t = this.now();
    this.metadata.connectedSince = t;
    this.metadata.lastPongTime = null;
    this.backoff.noteConnected(t);
    this.staleness.reset(t);
    for (const s of this.registry.confirmed()) this.staleness.watch(s, t);
    this.reporter.ensure('connected', `${this.registry.size} streams acked`);
    this.stale.start();
    this.rotation.schedule();
    const waiters = this.waiters;
    this.waiters = [];
    this.emit('connected', { generation: session.generation, streams: this.registry.size, time: t });
    if (this.everConnected) {
      this.metadata.counters.reconnects++;
      const downtimeMs = this.disconnectedAt === null ? 0 : t - this.disconnectedAt;
      this.log.info({ generation: session.generation, downtimeMs, reconnects: this.metadata.counters.reconnects }, 'reconnected');
      this.emit('reconnected', { generation: session.generation, downtimeMs, reconnects: this.metadata.counters.reconnects });
    }
    this.everConnected = true;
    for (const w of waiters) w.resolve();
    session.goLive(this.protocol.appPing);
  }

  private onDisconnected(): void {
    const t = this.now();
    this.disconnectedAt = t;
    this.metadata.connectedSince = null;
    this.backoff.noteDisconnected(t);
    this.registry.markAllPending();
    this.stale.stop();
    this.rotation.cancel();
  }

  // ---- sessions -------------------------------------------------------------------------------

  private newSession(url: string): SocketSession {
    const o = this.options;
    const m = this.metadata;
    const session = new SocketSession({
      url, protocol: this.protocol, generation: ++this.generation, connectionKey: this.key,
      heartbeatIntervalMs: o.heartbeatIntervalMs, pingTimeoutMs: o.pingTimeoutMs, preLiveBufferFrames: o.preLiveBufferFrames,
      maxPayloadBytes: o.maxPayloadBytes, now: this.now, socketFactory: this.socketFactory, messages: this.messages, safeUrl: redactUrl(url),
      hooks: {
        ...m.socketHooks(),
        data: (text, stream, receiveTime, s) => this.onData(text, stream, receiveTime, s),
        venueError: (error) => this.reporter.report(this.errors.venueError(error)),
      },
    });
    return session;
  }

  /** Hot path: one stale-tracker update, one meta object, synchronous emit. */
  private onData(text: string, stream: string | undefined, receiveTime: number, session: SocketSession): void {
    this.metadata.counters.dataFrames++;
    this.metadata.lastDataTime = receiveTime;
    this.staleness.noteData(stream, receiveTime);
    this.emit2('frame', text, { receiveTime, stream, connectionKey: this.key, generation: session.generation });
  }

  private swapTo(next: SocketSession): SocketSession | null {
    const old = this.current;
    if (this.closing || this.sm.state !== 'connected' || !old?.isLive) return null;
    this.current = next;
    this.metadata.counters.rotations++;
    this.lastUrl = this.protocol.url(this.registry.all());
    next.goLive(this.protocol.appPing);
    return old;
  }

  // ---- close, helpers -------------------------------------------------------------------------

  private async doClose(reason: string): Promise<void> {
    this.closing = true;
    this.loopAbort.abort(this.closedError());
    this.stale.stop();
    this.rotation.cancel();
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    this.cleanupTimer = null;
    const sessions = this.rotation.sessions();
    if (this.current) sessions.push(this.current);
    if (ACTIVE.has(this.sm.state)) {
      this.reporter.ensure('disconnecting', reason);
      const results = await Promise.all(sessions.map((s) => s.close(1000, reason.slice(0, 100), this.options.closeTimeoutMs)));
      if (results.some((r) => r.timedOut)) {
        this.reporter.report(this.errors.closeTimeout(this.options.closeTimeoutMs));
      }
      this.reporter.ensure('disconnected', reason);
    } else {
      for (const s of sessions) s.end(this.closedError());
    }
    await this.rotation.settled();
    await this.loop;
    this.reporter.ensure('closed', reason);
    this.current = null;
    this.settleWaiters(this.closedError());
  }

  private startCleanup(): void {
    if (this.cleanupTimer) return;
    this.cleanupTimer = setInterval(() => {
      this.metadata.cleanup(this.now());
      this.staleness.prune(new Set(this.registry.all()));
    }, this.options.cleanupIntervalMs);
    this.cleanupTimer.unref?.();
  }

  /** After every await of an attempt: a session ended meanwhile (close(), timeout) stops it here. */
  private guard(session: SocketSession): void {
    if (session.isEnded || this.closing) throw session.endReason ?? this.closedError();
  }

  protected override onListenerError(event: string, err: unknown): void {
    this.reporter.listenerThrew(event, err);
  }

  private settleWaiters(err: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  private closedError(): ConnectionError {
    return this.errors.closed();
  }

  /** Plain increasing integers: acks are matched per socket, and venues such as Binance accept only int or alphanumeric ids. */
  private nextId(): string {
    return String(++this.requestSeq);
  }
}
