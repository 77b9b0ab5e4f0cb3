/**
 * Requests that keep the venue's view of our subscriptions equal to the registry: login, the
 * initial subscribe (replayed after every reconnect), runtime add/remove, a stale stream's
 * resubscribe, and the full subscribe of a rotation's replacement socket.
 */
import type { Logger } from '../observability/logger.js';
import type { Request, VenueProtocol } from './protocol.js';
import { ConnectionError } from './errors.js';
import type { ConnectionOptions } from './options.js';
import type { SocketSession, RequestOutcome } from './session.js';
import type { StalenessTracker } from './staleness.js';
import type { SubscriptionRegistry } from './subscriptions.js';
import type { TickgateError } from '../model/errors.js';

export interface SubscriptionOpsDeps {
  readonly protocol: VenueProtocol;
  readonly registry: SubscriptionRegistry;
  readonly staleness: StalenessTracker;
  readonly options: ConnectionOptions;
  readonly now: () => number;
  readonly nextId: () => string;
  readonly log: Logger;
  readonly reportError: (e: TickgateError) => void;
}

export class SubscriptionOps {
  constructor(private readonly d: SubscriptionOpsDeps) {}

  /** Login requests (if the venue has any), all acked within the handshake timeout; a refusal is fatal. */
  async login(session: SocketSession): Promise<void> {
    const { protocol, options } = this.d;
    if (!protocol.login) return;
    const outcomes = await session.request(protocol.login(this.d.nextId), options.handshakeTimeoutMs, 'E_HANDSHAKE_TIMEOUT');
    const refused = outcomes.find((o) => !o.ok);
    if (refused) {
      const reason = refused.error ?? 'refused';
      throw new ConnectionError('E_LOGIN_REFUSED', `${protocol.name}: login refused: ${reason}`, {
        policy: { action: 'fatal', reason: `login refused: ${reason}` },
        context: { venue: protocol.name, requestId: refused.request.id },
      });
    }
  }

  /**
   * Subscribes every pending stream, including streams added while this runs; a refused request
   * drops its streams (reported) instead of failing the others. Streams removed meanwhile are
   * unsubscribed at the end.
   */
  async subscribeAll(session: SocketSession): Promise<void> {
    const { registry } = this.d;
    const requested = new Set<string>();
    for (;;) {
      const todo = registry.pending().filter((s) => !requested.has(s));
      if (todo.length === 0) break;
      for (const s of todo) requested.add(s);
      await this.subscribe(session, todo, false);
    }
    const orphans = [...requested].filter((s) => !registry.has(s));
    if (orphans.length > 0) await this.unsubscribeLive(session, orphans);
  }

  /** Runtime add on a live socket. Rejects when the venue refuses; a socket lost meanwhile leaves them pending for the replay. */
  async subscribeLive(session: SocketSession, streams: readonly string[]): Promise<void> {
    try {
      await this.subscribe(session, streams, true);
    } catch (err) {
      if (err instanceof ConnectionError && err.code === 'E_SUBSCRIBE_REFUSED') throw err;
      this.d.log.debug({ streams: streams.length }, 'socket lost during subscribe; streams stay pending');
    }
  }

  async unsubscribeLive(session: SocketSession, streams: readonly string[]): Promise<void> {
    const { protocol, options } = this.d;
    try {
      const outcomes = await session.request(protocol.unsubscribe(streams, this.d.nextId), options.handshakeTimeoutMs, 'E_SUBSCRIBE_TIMEOUT');
      for (const o of outcomes) if (!o.ok) this.d.log.warn({ requestId: o.request.id, error: o.error }, 'unsubscribe refused');
    } catch (err) {
      this.d.log.debug({ error: err instanceof Error ? err.message : String(err) }, 'unsubscribe interrupted');
    }
  }

  /** A stale stream gets one unsubscribe + subscribe; errors only logged (the stale check escalates). */
  async resubscribeStream(session: SocketSession, stream: string): Promise<void> {
    const { protocol, options } = this.d;
    try {
      await session.request(protocol.unsubscribe([stream], this.d.nextId), options.handshakeTimeoutMs, 'E_SUBSCRIBE_TIMEOUT');
      const outcomes = await session.request(protocol.subscribe([stream], this.d.nextId), options.handshakeTimeoutMs, 'E_SUBSCRIBE_TIMEOUT');
      if (outcomes.every((o) => o.ok)) this.d.log.info({ stream }, 'stale stream resubscribed');
    } catch (err) {
      this.d.log.debug({ stream, error: err instanceof Error ? err.message : String(err) }, 'resubscribe interrupted');
    }
  }

  /** Rotation: the replacement socket subscribes everything; registry statuses stay as they are. */
  async resubscribeOn(session: SocketSession, streams: readonly string[]): Promise<void> {
    if (streams.length === 0) return;
    const outcomes = await session.request(this.d.protocol.subscribe(streams, this.d.nextId), this.d.options.handshakeTimeoutMs, 'E_SUBSCRIBE_TIMEOUT');
    const refused = outcomes.find((o) => !o.ok);
    if (refused) {
      throw new ConnectionError('E_SUBSCRIBE_REFUSED', `${this.d.protocol.name}: replacement socket refused ${refused.request.streams.join(',')}: ${refused.error ?? 'refused'}`, {
        retryable: true, context: { venue: this.d.protocol.name, requestId: refused.request.id },
      });
    }
  }

  private async subscribe(session: SocketSession, streams: readonly string[], live: boolean): Promise<void> {
    const { protocol, options, registry } = this.d;
    const requests: readonly Request[] = protocol.subscribe(streams, this.d.nextId);
    // Streams no request carries travel in the URL (e.g. Binance /stream?streams=): the upgrade confirmed them.
    const carried = new Set(requests.flatMap((r) => r.streams));
    this.confirm(streams.filter((s) => !carried.has(s)));
    if (requests.length === 0) return;
    const outcomes: RequestOutcome[] = await session.request(requests, options.handshakeTimeoutMs, 'E_SUBSCRIBE_TIMEOUT');
    let refusedErr: ConnectionError | null = null;
    for (const o of outcomes) {
      if (o.ok) {
        this.confirm(o.request.streams);
        continue;
      }
      registry.drop(o.request.streams);
      for (const s of o.request.streams) this.d.staleness.forget(s);
      refusedErr = new ConnectionError('E_SUBSCRIBE_REFUSED', `${protocol.name}: subscribe refused for ${o.request.streams.slice(0, 5).join(',')}: ${o.error ?? 'refused'}`, {
        retryable: false, context: { venue: protocol.name, requestId: o.request.id, streams: o.request.streams.length },
      });
      this.d.reportError(refusedErr);
    }
    if (refusedErr && live) throw refusedErr;
  }

  private confirm(streams: readonly string[]): void {
    const t = this.d.now();
    this.d.registry.confirm(streams, t);
    for (const s of streams) if (this.d.registry.has(s)) this.d.staleness.watch(s, t);
  }
}
