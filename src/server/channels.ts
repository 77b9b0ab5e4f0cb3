/**
 * Channel names of the downstream server. Grammar (segments are [A-Za-z0-9_-], 1..64 chars):
 *
 *   trades.<venue>.<symbol>                 every trade, in order; never conflated
 *   candles.<interval>.<venue>.<symbol>     closed candles (interval e.g. 1m, 100t); never conflated
 *   snapshots.1s.<venue>.<symbol>           1 s snapshots; conflatable (latest wins for a slow client)
 *   book.<venue>.<symbol>                   book top / state; conflatable
 *   status                                  gateway status objects; conflatable
 *
 * A conflatable channel carries full states: a skipped seq there means "superseded", not "lost".
 */
import { ChannelError } from './errors.js';

export type Channel =
  | { readonly kind: 'trades'; readonly name: string; readonly venue: string; readonly symbol: string }
  | { readonly kind: 'candles'; readonly name: string; readonly interval: string; readonly venue: string; readonly symbol: string }
  | { readonly kind: 'snapshots'; readonly name: string; readonly interval: '1s'; readonly venue: string; readonly symbol: string }
  | { readonly kind: 'book'; readonly name: string; readonly venue: string; readonly symbol: string }
  | { readonly kind: 'status'; readonly name: 'status' };

export type ChannelKind = Channel['kind'];

const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_CHANNEL_NAME_LENGTH = 200;

function segments(name: string, parts: string[], expected: number, shape: string): void {
  if (parts.length !== expected) throw new ChannelError(`channel "${name}" must look like ${shape}`, { channel: name });
  for (const p of parts) {
    if (!SEGMENT.test(p)) throw new ChannelError(`channel "${name}" has an invalid segment "${p}" (expected [A-Za-z0-9_-]{1,64})`, { channel: name });
  }
}

/** Parses and validates a channel name; throws ChannelError naming the channel and the expected shape. */
export function parseChannel(name: unknown): Channel {
  if (typeof name !== 'string' || name.length === 0) throw new ChannelError('channel name must be a non-empty string');
  if (name.length > MAX_CHANNEL_NAME_LENGTH) throw new ChannelError(`channel name longer than ${MAX_CHANNEL_NAME_LENGTH} characters`, { length: name.length });
  if (name === 'status') return { kind: 'status', name: 'status' };
  const parts = name.split('.');
  switch (parts[0]) {
    case 'trades':
      segments(name, parts, 3, 'trades.<venue>.<symbol>');
      return { kind: 'trades', name, venue: parts[1]!, symbol: parts[2]! };
    case 'book':
      segments(name, parts, 3, 'book.<venue>.<symbol>');
      return { kind: 'book', name, venue: parts[1]!, symbol: parts[2]! };
    case 'candles':
      segments(name, parts, 4, 'candles.<interval>.<venue>.<symbol>');
      return { kind: 'candles', name, interval: parts[1]!, venue: parts[2]!, symbol: parts[3]! };
    case 'snapshots':
      segments(name, parts, 4, 'snapshots.1s.<venue>.<symbol>');
      if (parts[1] !== '1s') throw new ChannelError(`channel "${name}": snapshots exist only at 1s`, { channel: name });
      return { kind: 'snapshots', name, interval: '1s', venue: parts[2]!, symbol: parts[3]! };
    default:
      throw new ChannelError(
        `unknown channel "${name}" (expected trades.<venue>.<symbol>, candles.<interval>.<venue>.<symbol>, snapshots.1s.<venue>.<symbol>, book.<venue>.<symbol> or status)`,
        { channel: name },
      );
  }
}

export function isValidChannel(name: unknown): name is string {
  try { parseChannel(name); return true; } catch { return false; }
}

/** Channels whose messages are full states, so a slow client may get only the latest. */
export function isConflatable(channel: Channel | string): boolean {
  const kind = typeof channel === 'string' ? parseChannel(channel).kind : channel.kind;
  return kind === 'snapshots' || kind === 'book' || kind === 'status';
}

/** The upstream venue a channel depends on (null for status). */
export function channelVenue(channel: Channel | string): string | null {
  const c = typeof channel === 'string' ? parseChannel(channel) : channel;
  return c.kind === 'status' ? null : c.venue;
}

export function tradesChannel(venue: string, symbol: string): string { return `trades.${venue}.${symbol}`; }
export function candlesChannel(interval: string, venue: string, symbol: string): string { return `candles.${interval}.${venue}.${symbol}`; }
export function snapshotsChannel(venue: string, symbol: string): string { return `snapshots.1s.${venue}.${symbol}`; }
export function bookChannel(venue: string, symbol: string): string { return `book.${venue}.${symbol}`; }
export const STATUS_CHANNEL = 'status';

/** What a served venue is: its name and the symbols it carries (as they appear in channel names). */
export interface ServedVenue {
  readonly venue: string;
  readonly symbols: readonly string[];
}

/**
 * A DownstreamServer `allowChannel` that serves only the given venues and symbols (and
 * `status`). `served` is read once, at the first check (the gateway builds its feeds after the
 * server). Returns null when served, else the reason.
 */
export function servedChannels(served: () => Iterable<ServedVenue>): (channel: Channel) => string | null {
  let allowed: Map<string, Set<string>> | null = null;
  return (c) => {
    if (c.kind === 'status') return null;
    if (allowed === null) {
      allowed = new Map();
      for (const v of served()) {
        const set = allowed.get(v.venue) ?? new Set<string>();
        for (const s of v.symbols) set.add(s);
        allowed.set(v.venue, set);
      }
    }
    const symbols = allowed.get(c.venue);
    if (!symbols) return `venue "${c.venue}" is not configured (served: ${[...allowed.keys()].join(', ') || 'none'})`;
    if (!symbols.has(c.symbol)) return `symbol "${c.symbol}" is not configured for venue "${c.venue}"`;
    return null;
  };
}
