/**
 * Handles what a client sends: rate limit, parse, subscribe/unsubscribe/ping. Kept apart from
 * the server so the per-message rules read in one place.
 */
import { channelVenue, parseChannel } from './channels.js';
import type { ChannelHub } from './channel-hub.js';
import type { ClientSession } from './client-session.js';
import { CLOSE_POLICY, parseClientMessage, type ChannelPosition } from './protocol.js';

export interface RequestLimits {
  readonly maxChannelsPerClient: number;
  readonly maxIncomingMessagesPerSec: number;
}

interface RateWindow { startMs: number; count: number }

export class RequestHandler {
  private readonly windows = new WeakMap<ClientSession, RateWindow>();
  rateLimitCloses = 0;
  rateLimited = 0;
  /** Subscribes refused because the channel's venue had its upstream breaker open. */
  breakerRefusals = 0;

  constructor(
    private readonly hub: ChannelHub,
    private readonly limits: RequestLimits,
    private readonly now: () => number,
    /** True when the venue's upstream circuit breaker is open (checked on every subscribe). */
    private readonly breakerOpen?: (venue: string) => boolean,
  ) {}

  /** Returns false when the session was closed for abuse. */
  handle(session: ClientSession, text: string): boolean {
    if (session.isClosed) return false;
    const now = this.now();
    session.lastActivityMs = now;
    let w = this.windows.get(session);
    if (!w || now - w.startMs >= 1000) { w = { startMs: now, count: 0 }; this.windows.set(session, w); }
    w.count++;
    const max = this.limits.maxIncomingMessagesPerSec;
    if (w.count > max) {
      this.rateLimited++;
      if (w.count > 2 * max) {
        this.rateLimitCloses++;
        session.close(CLOSE_POLICY, 'rate limit');
        return false;
      }
      if (w.count === max + 1) session.sendControl({ type: 'error', code: 'rate_limited', message: `more than ${max} messages per second; messages are ignored until the next second` });
      return true;
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) { session.sendControl(parsed.error); return true; }
    const m = parsed.message;
    switch (m.op) {
      case 'ping':
        session.sendControl({ type: 'pong' });
        return true;
      case 'subscribe':
        for (const ch of m.channels) this.subscribe(session, ch, m.resume?.[ch]);
        return true;
      case 'unsubscribe':
        for (const ch of m.channels) {
          if (!session.subscriptions.delete(ch)) continue;
          this.hub.unsubscribe(ch, session);
          session.forgetChannel(ch);
          session.sendControl({ type: 'unsubscribed', channel: ch });
        }
        return true;
    }
  }

  private subscribe(session: ClientSession, ch: string, resume: ChannelPosition | undefined): void {
    let venue: string | null;
    try {
      venue = channelVenue(parseChannel(ch));
    } catch (err) {
      session.sendControl({ type: 'error', code: 'invalid_channel', message: (err as Error).message, channel: ch.slice(0, 200) });
      return;
    }
    if (session.subscriptions.has(ch)) return;
    if (session.subscriptions.size >= this.limits.maxChannelsPerClient) {
      session.sendControl({ type: 'error', code: 'too_many_channels', message: `at most ${this.limits.maxChannelsPerClient} channels per connection`, channel: ch });
      return;
    }
    const refused = this.hub.refusal(ch);
    if (refused) {
      session.sendControl({ type: 'error', code: refused.code, message: refused.message, channel: ch });
      return;
    }
    // Checked on every subscribe, not only at the upgrade: a breaker opens while clients stay connected.
    if (venue !== null && this.breakerOpen?.(venue)) {
      this.breakerRefusals++;
      session.sendControl({
        type: 'error', code: 'breaker_open', channel: ch,
        message: `venue "${venue}" is unavailable: its upstream circuit breaker is open; subscribe to "${ch}" again later`,
      });
      return;
    }
    session.subscriptions.add(ch);
    this.hub.subscribe(ch, session, resume);
  }
}

/** Venues named by the `channels` query parameter of a connection URL (invalid names are ignored). */
export function declaredVenues(url: string | undefined): Set<string> {
  const out = new Set<string>();
  const u = url ?? '/';
  const q = u.indexOf('?');
  if (q < 0) return out;
  const list = new URLSearchParams(u.slice(q + 1)).get('channels');
  if (!list) return out;
  for (const ch of list.split(',').slice(0, 256)) {
    try {
      const v = channelVenue(parseChannel(ch.trim()));
      if (v !== null) out.add(v);
    } catch { /* admission only looks at valid names */ }
  }
  return out;
}
