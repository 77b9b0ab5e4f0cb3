/**
 * What every venue decoder returns. Decoders never throw: a malformed frame becomes a
 * DecodeError (venue, stream, truncated excerpt) next to whatever events were decoded, and is
 * counted in the decoder's DecodeStats.
 */
import type { MarketEvent } from '../model/events.js';
import { TickgateError, excerpt } from '../model/errors.js';
import { DEFAULT_DECODE_EXCERPT_CHARS } from '../config/defaults/venues.js';

/** Out-of-band conditions a frame can signal besides events (the lead acts on them). */
export type VenueSignal =
  /** Binance user data stream: the listenKey expired; renew it and reconnect the account stream. */
  | { readonly kind: 'listen_key_expired'; readonly eventTime: number }
  /** The venue acknowledged or refused a request. */
  | { readonly kind: 'ack'; readonly id: string; readonly ok: boolean; readonly error?: string }
  /** The venue answered our application ping. */
  | { readonly kind: 'pong' }
  /** The venue reported an error not tied to a request. */
  | { readonly kind: 'venue_error'; readonly message: string };

export interface DecodeResult {
  readonly events: MarketEvent[];
  readonly error?: DecodeError;
  readonly signal?: VenueSignal;
}

export class DecodeError extends TickgateError {
  readonly venue: string;
  readonly stream: string;
  readonly excerpt: string;
  constructor(venue: string, stream: string, why: string, frame: string) {
    // A broken user-data frame may carry the listenKey (a bearer secret): mask it.
    const max = DEFAULT_DECODE_EXCERPT_CHARS;
    const head = frame.slice(0, max * 4).replace(/("listenKey"\s*:\s*")[^"]*/g, '$1***');
    const ex = frame.length <= max * 4 ? excerpt(head, max) : `${excerpt(head, max).slice(0, max)}…(${frame.length} chars)`;
    super('E_DECODE', `${venue}: malformed frame on stream "${stream}": ${why}`, {
      context: { venue, stream, excerpt: ex },
      retryable: true,
    });
    this.venue = venue;
    this.stream = stream;
    this.excerpt = ex;
  }
}

/** Counters of one decoder instance; `stats()` returns a copy. */
export class DecodeStats {
  frames = 0;
  events = 0;
  malformed = 0;
  ignored = 0;
  /** Events per normalized type. */
  readonly byType: Record<string, number> = {};

  count(result: DecodeResult): DecodeResult {
    this.frames++;
    const n = result.events.length;
    this.events += n;
    if (result.error) this.malformed++;
    else if (n === 0 && result.signal === undefined) this.ignored++;
    for (let i = 0; i < n; i++) {
      const t = result.events[i]!.type;
      this.byType[t] = (this.byType[t] ?? 0) + 1;
    }
    return result;
  }

  snapshot(): { frames: number; events: number; malformed: number; ignored: number; byType: Record<string, number> } {
    return { frames: this.frames, events: this.events, malformed: this.malformed, ignored: this.ignored, byType: { ...this.byType } };
  }
}

/** A decoder as the lead wires it: one instance per connection (stats are per instance). */
export interface FrameDecoder {
  decode(frame: string, receiveTime: number): DecodeResult;
  stats(): ReturnType<DecodeStats['snapshot']>;
}

export const NO_EVENTS: DecodeResult = Object.freeze({ events: [] as MarketEvent[] }) as DecodeResult;
