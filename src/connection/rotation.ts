/**
 * Make-before-break rotation: open a replacement socket, log in, subscribe everything, swap it in,
 * let both deliver for rotationOverlapMs (frames carry their generation; 'rotation' events mark
 * the overlap so integrity can dedup), then close the old socket. Runs on request and
 * automatically rotationMarginMs before the venue's connection lifetime.
 */
import type { Logger } from '../observability/logger.js';
import type { TickgateError } from '../model/errors.js';
import { ConnectionError } from './errors.js';
import type { ConnectionOptions } from './options.js';
import type { SocketSession } from './session.js';
import type { SubscriptionOps } from './subscription-ops.js';
import { sleep } from './token-bucket.js';

export interface RotationDeps {
  readonly options: ConnectionOptions;
  readonly lifetimeMs: number | null;
  readonly log: Logger;
  readonly now: () => number;
  /** Opens, logs in and subscribes a new socket; calls `track` with it first so close() can end it. */
  readonly openReplacement: (track: (s: SocketSession) => void) => Promise<SocketSession>;
  /** The live socket, or null when not connected. */
  readonly current: () => SocketSession | null;
  /** Installs `next` as the live socket; returns the old one, or null when the swap is no longer valid. */
  readonly swap: (next: SocketSession) => SocketSession | null;
  readonly emit: (e: { phase: 'overlap_start' | 'overlap_end'; oldGeneration: number; newGeneration: number; time: number }) => void;
  readonly reportError: (e: TickgateError) => void;
}

/** What opening a replacement socket needs from its connection. */
export interface ReplacementDeps {
  /** The new socket, not yet opened (for the connection's current URL). */
  readonly session: SocketSession;
  /** Every stream the connection holds now. */
  readonly streams: () => string[];
  readonly subs: SubscriptionOps;
  readonly connectTimeoutMs: number;
  readonly closing: () => boolean;
  readonly closedError: () => ConnectionError;
}

/** Opens, logs in and subscribes a replacement socket (RotationDeps.openReplacement); ends it on failure. */
export async function openReplacement(d: ReplacementDeps, track: (s: SocketSession) => void): Promise<SocketSession> {
  const { session, subs } = d;
  track(session);
  try {
    await session.open(d.connectTimeoutMs);
    await subs.login(session);
    // Streams added while the replacement subscribes are picked up before the swap.
    const requested = new Set<string>();
    for (let todo = d.streams(); todo.length > 0; todo = d.streams().filter((x) => !requested.has(x))) {
      for (const x of todo) requested.add(x);
      await subs.resubscribeOn(session, todo);
    }
    if (d.closing()) throw d.closedError();
    return session;
  } catch (err) {
    session.end(err instanceof ConnectionError ? err : d.closedError());
    throw err;
  }
}

export class Rotation {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<boolean> | null = null;
  private abort = new AbortController();
  private readonly owned = new Set<SocketSession>();

  constructor(private readonly d: RotationDeps) {}

  /** Arms the automatic rotation for a socket that just went live. */
  schedule(delayMs?: number): void {
    this.clearTimer();
    const lifetime = this.d.lifetimeMs;
    if (lifetime === null || lifetime <= 0) return;
    const margin = this.d.options.rotationMarginMs;
    const due = delayMs ?? (lifetime > margin ? lifetime - margin : Math.floor(lifetime * 0.9));
    this.timer = setTimeout(() => void this.rotate('lifetime'), due);
    this.timer.unref?.();
  }

  /** Resolves true when the swap happened (and the old socket was closed). */
  rotate(reason: string): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    if (!this.d.current()) return Promise.resolve(false);
    this.clearTimer();
    const signal = this.abort.signal;
    this.inFlight = this.run(reason, signal).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Stops the timer and ends every socket the rotation holds (connection lost or closing). */
  cancel(): void {
    this.clearTimer();
    this.abort.abort();
    this.abort = new AbortController();
    for (const s of this.owned) s.end(new ConnectionError('E_CLOSED', 'rotation cancelled', { retryable: false }));
    this.owned.clear();
  }

  /** Sockets held by a rotation in progress (replacement being opened, old one in overlap). */
  sessions(): SocketSession[] {
    return [...this.owned];
  }

  async settled(): Promise<void> {
    await this.inFlight?.catch(() => false);
  }

  private async run(reason: string, signal: AbortSignal): Promise<boolean> {
    const o = this.d.options;
    let tracked: SocketSession | null = null;
    let next: SocketSession;
    try {
      next = await this.d.openReplacement((s) => {
        tracked = s;
        this.owned.add(s);
      });
    } catch (err) {
      if (tracked) this.owned.delete(tracked);
      if (signal.aborted) return false;
      const message = err instanceof Error ? err.message : String(err);
      this.d.reportError(new ConnectionError('E_ROTATION_FAILED', `rotation (${reason}) failed, old socket keeps serving: ${message}`, { retryable: true, cause: err }));
      this.schedule(o.rotationRetryDelayMs);
      return false;
    }
    this.owned.delete(next);
    if (signal.aborted) {
      next.end(new ConnectionError('E_CLOSED', 'rotation cancelled', { retryable: false }));
      return false;
    }
    const old = this.d.swap(next);
    if (!old) {
      next.end(new ConnectionError('E_CLOSED', 'rotation no longer valid', { retryable: false }));
      return false;
    }
    this.owned.add(old);
    const ids = { oldGeneration: old.generation, newGeneration: next.generation };
    this.d.log.info({ ...ids, reason }, 'rotation: replacement live, overlapping');
    this.d.emit({ phase: 'overlap_start', ...ids, time: this.d.now() });
    try {
      await sleep(o.rotationOverlapMs, signal);
      await old.close(1000, 'rotated', o.closeTimeoutMs);
    } catch {
      old.end(new ConnectionError('E_CLOSED', 'rotation cancelled', { retryable: false }));
    } finally {
      this.owned.delete(old);
    }
    this.d.emit({ phase: 'overlap_end', ...ids, time: this.d.now() });
    if (!signal.aborted) this.schedule();
    return true;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
