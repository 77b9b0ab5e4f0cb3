/**
 * How a venue plugs into a Connection. The connection knows WebSocket, time and backoff; it
 * learns everything venue-specific through this interface, so it never imports venues/.
 *
 * Contract owners: connection/ consumes it, each venues/<v>/ implements it. Changes must be
 * additive (new optional members) so that neither side breaks the other.
 */

/** What a frame is, from the transport's point of view. */
export type FrameClass =
  /** Acknowledgement of a request sent by subscribe()/unsubscribe(): ok or refused with a reason. */
  | { readonly kind: 'ack'; readonly id: string; readonly ok: boolean; readonly error?: string }
  /** The venue's answer to our application-level ping. */
  | { readonly kind: 'pong' }
  /** The venue's own application-level ping; `reply` is sent back at once when given. */
  | { readonly kind: 'ping'; readonly reply?: string }
  /** Market or account data; `stream` names the subscribed stream it belongs to when known. */
  | { readonly kind: 'data'; readonly stream?: string }
  /** A venue error not tied to a request (e.g. listenKeyExpired, rate-limit notice). */
  | { readonly kind: 'error'; readonly error: string; readonly fatal: boolean }
  /** Anything the transport should ignore (welcome banners, info messages). */
  | { readonly kind: 'ignore' };

/** An outgoing request that the venue will acknowledge with an ack carrying `id`. */
export interface Request {
  readonly id: string;
  /** The text frame to send. */
  readonly payload: string;
  /** Streams this request (un)subscribes. */
  readonly streams: readonly string[];
  /**
   * false for venues that never acknowledge this request (the EODHD-style equities feed): it is
   * counted as done once sent. Default: an ack with `id` is awaited within the handshake timeout.
   */
  readonly expectAck?: boolean;
}

/** What to do after a close code or failed upgrade. */
export type ClosePolicy =
  /** Stop reconnecting and report (bad credentials, unknown symbol). */
  | { readonly action: 'fatal'; readonly reason: string }
  /** Wait at least `retryAfterMs` (venue's Retry-After) before the next attempt. */
  | { readonly action: 'rate_limited'; readonly retryAfterMs: number; readonly reason: string }
  /** Reconnect with the normal backoff. */
  | { readonly action: 'transient'; readonly reason: string };

export interface VenueProtocol {
  /** Venue id for logs and metrics, e.g. "binance". */
  readonly name: string;
  /**
   * URL to open for this set of streams. A venue that takes streams only in the URL (Binance
   * /stream?streams=...) may encode them here and return no requests from subscribe().
   */
  url(streams: readonly string[]): string;
  /**
   * Requests that subscribe to `streams`. `nextId()` yields unique ids for acks. Must respect the
   * venue's per-message stream limit; the connection paces them by maxMessagesPerSecond.
   */
  subscribe(streams: readonly string[], nextId: () => string): readonly Request[];
  unsubscribe(streams: readonly string[], nextId: () => string): readonly Request[];
  /**
   * Requests sent right after the upgrade and acknowledged before subscribing (authentication,
   * e.g. the equities feed's token). Optional.
   */
  login?(nextId: () => string): readonly Request[];
  /** Classify a text frame without decoding its payload fully (cheap: prefix checks, one parse at most). */
  classify(frame: string): FrameClass;
  /** Application-level ping, for venues that require one (Bybit {"op":"ping"} every 20 s). */
  readonly appPing?: { readonly intervalMs: number; message(): string };
  /** Policy for a close code (and reason text) received from the venue. */
  closePolicy(code: number, reason: string): ClosePolicy;
  /** Policy for a refused upgrade (HTTP status and headers of the response). */
  upgradePolicy?(status: number, headers: Readonly<Record<string, string | string[] | undefined>>): ClosePolicy;
  /** Venue limits; the manager shards above maxStreamsPerConnection. */
  readonly limits: {
    readonly maxStreamsPerConnection: number;
    readonly maxMessagesPerSecond: number;
    /** Venue-enforced lifetime of a socket (Binance 24 h); rotation happens before it. null = none. */
    readonly connectionLifetimeMs: number | null;
  };
}
