/**
 * Runs the stale checks of a connected socket on a schedule and acts on them. Connection stale
 * (no data for staleAfterMs): report once, end the socket (the loop reconnects). Stream stale
 * (silent while others flow): report once per episode; with streamStaleAction 'resubscribe' the
 * stream is unsubscribed + subscribed once, and if it is still silent one threshold later the
 * socket is ended and reconnected; with 'report' nothing else happens.
 */
import type { Logger } from '../observability/logger.js';
import type { ConnectionEvents } from './connection-types.js';
import { ConnectionError } from './errors.js';
import type { MetadataCounters } from './metadata.js';
import type { ConnectionOptions } from './options.js';
import type { SocketSession } from './session.js';
import type { StalenessTracker } from './staleness.js';
import type { SubscriptionOps } from './subscription-ops.js';
import type { SubscriptionRegistry } from './subscriptions.js';

export interface StaleMonitorDeps {
  readonly key: string;
  readonly venue: string;
  readonly options: ConnectionOptions;
  readonly staleness: StalenessTracker;
  readonly registry: SubscriptionRegistry;
  readonly subs: SubscriptionOps;
  readonly counters: MetadataCounters;
  readonly log: Logger;
  readonly now: () => number;
  /** The live socket, or null when not connected. */
  readonly live: () => SocketSession | null;
  readonly emitStale: (info: Parameters<ConnectionEvents['stale']>[0]) => void;
  readonly emitStreamStale: (info: Parameters<ConnectionEvents['stream_stale']>[0]) => void;
  readonly emitRecovered: (info: Parameters<ConnectionEvents['stream_recovered']>[0]) => void;
}

export class StaleMonitor {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: StaleMonitorDeps) {}

  /** Checks every quarter of the smaller threshold (5 ms .. 1 s): detection within threshold + that. */
  start(): void {
    this.stop();
    const o = this.d.options;
    const every = Math.max(5, Math.min(1_000, Math.floor(Math.min(o.staleAfterMs, o.streamStaleAfterMs) / 4)));
    this.timer = setInterval(() => this.check(), every);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  check(): void {
    const session = this.d.live();
    if (!session) return;
    const { options: o, counters } = this.d;
    const t = this.d.now();
    const r = this.d.staleness.check(t, this.d.registry.confirmed());
    // A connection that carries no stream (a cluster collector holding no shard) has nothing to be silent about.
    if (r.connection && this.d.registry.size > 0) {
      counters.staleEpisodes++;
      const info = { silentMs: r.connection.silentMs, lastDataTime: r.connection.lastDataTime, thresholdMs: o.staleAfterMs };
      this.d.log.warn(info, 'connection stale: no data, reconnecting');
      this.d.emitStale(info);
      session.end(this.error(`no data for ${info.silentMs} ms (threshold ${o.staleAfterMs} ms)`, { silentMs: info.silentMs }));
      return;
    }
    for (const stream of r.recovered) {
      this.d.log.info({ stream }, 'stream recovered');
      this.d.emitRecovered({ stream, time: t });
    }
    for (const st of r.streams) {
      const action = o.streamStaleAction === 'report' ? 'report' : st.strike === 1 ? 'resubscribe' : 'reconnect';
      if (action === 'report' && st.strike > 1) continue; // once per episode
      if (st.strike === 1) counters.streamStaleEpisodes++;
      const info = { stream: st.stream, silentMs: st.silentMs, lastDataTime: st.lastDataTime, thresholdMs: o.streamStaleAfterMs, strike: st.strike, action } as const;
      this.d.log.warn(info, 'stream stale');
      this.d.emitStreamStale(info);
      if (action === 'resubscribe') void this.d.subs.resubscribeStream(session, st.stream);
      else if (action === 'reconnect') {
        session.end(this.error(`stream ${st.stream} still silent after a resubscribe (${st.silentMs} ms)`, { stream: st.stream, silentMs: st.silentMs }));
        return;
      }
    }
  }

  private error(message: string, context: Record<string, string | number>): ConnectionError {
    return new ConnectionError('E_STALE', `${this.d.venue} ${this.d.key}: ${message}`, {
      retryable: true, context: { venue: this.d.venue, connectionKey: this.d.key, ...context },
    });
  }
}
