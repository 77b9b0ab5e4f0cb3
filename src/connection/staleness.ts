/**
 * Stale detection, pure: fed data times, asked on a schedule. Connection-level: no data frame
 * for staleAfterMs. Stream-level: a confirmed stream silent for streamStaleAfterMs while the
 * connection still carries data from other streams. Each episode is reported once (start) and
 * once more when it ends, never every tick.
 */

export interface StreamStaleReport {
  readonly stream: string;
  /** Silence of this stream, ms. */
  readonly silentMs: number;
  /** Last data of this stream (or its confirmation when it never sent), epoch ms. */
  readonly lastDataTime: number;
  /** Episode number of this stream: 1 on the first detection, 2 when still stale a threshold later. */
  readonly strike: number;
}

export interface StaleCheck {
  /** Set when the whole connection carried no data for staleAfterMs. */
  readonly connection: { readonly silentMs: number; readonly lastDataTime: number } | null;
  /** Streams that became stale (strike 1) or stayed stale one more threshold (strike 2, 3...). */
  readonly streams: StreamStaleReport[];
  /** Streams whose stale episode ended with new data. */
  readonly recovered: string[];
}

interface StreamState {
  last: number;
  /** 0 = not stale; n = reported n times in the current episode. */
  strikes: number;
  /** Time of the last strike. */
  struckAt: number;
}

export class StalenessTracker {
  private lastData: number;
  private readonly streams = new Map<string, StreamState>();
  private readonly recoveredSinceCheck = new Set<string>();
  private lastKey: string | undefined;
  private lastEntry: StreamState | undefined;

  constructor(
    private readonly staleAfterMs: number,
    private readonly streamStaleAfterMs: number,
    now: number,
  ) {
    this.lastData = now;
  }

  /** A new socket is live: silence counts from now. */
  reset(now: number): void {
    this.lastData = now;
    this.lastKey = undefined;
    this.streams.clear();
    this.recoveredSinceCheck.clear();
  }

  /** Hot path: consecutive frames of one stream skip the Map lookup (hashing a fresh string). */
  noteData(stream: string | undefined, now: number): void {
    this.lastData = now;
    if (stream === undefined) return;
    let s = stream === this.lastKey ? this.lastEntry : undefined;
    if (s === undefined) {
      s = this.streams.get(stream);
      if (s === undefined) this.streams.set(stream, (s = { last: now, strikes: 0, struckAt: 0 }));
      this.lastKey = stream;
      this.lastEntry = s;
    }
    s.last = now;
    if (s.strikes > 0) {
      s.strikes = 0;
      this.recoveredSinceCheck.add(stream);
    }
  }

  /** A stream was (re)confirmed: its silence counts from `now`. */
  watch(stream: string, now: number): void {
    const s = this.streams.get(stream);
    if (s === undefined) this.streams.set(stream, { last: now, strikes: 0, struckAt: 0 });
    else if (s.strikes === 0) s.last = Math.max(s.last, now);
  }

  forget(stream: string): void {
    this.lastKey = undefined;
    this.streams.delete(stream);
    this.recoveredSinceCheck.delete(stream);
  }

  lastDataTime(): number {
    return this.lastData;
  }

  lastStreamDataTime(stream: string): number | undefined {
    return this.streams.get(stream)?.last;
  }

  /** Drops figures of streams no longer subscribed. */
  prune(subscribed: ReadonlySet<string>): void {
    this.lastKey = undefined;
    for (const k of this.streams.keys()) if (!subscribed.has(k)) this.streams.delete(k);
  }

  check(now: number, confirmed: readonly string[]): StaleCheck {
    const silent = now - this.lastData;
    const connection = silent >= this.staleAfterMs ? { silentMs: silent, lastDataTime: this.lastData } : null;
    const streams: StreamStaleReport[] = [];
    // "While others flow": only when the connection itself carried data within the stream threshold.
    if (connection === null && silent < this.streamStaleAfterMs) {
      for (const stream of confirmed) {
        const s = this.streams.get(stream);
        if (s === undefined) continue;
        const streamSilent = now - s.last;
        if (streamSilent < this.streamStaleAfterMs) continue;
        if (s.strikes === 0 || now - s.struckAt >= this.streamStaleAfterMs) {
          s.strikes++;
          s.struckAt = now;
          streams.push({ stream, silentMs: streamSilent, lastDataTime: s.last, strike: s.strikes });
        }
      }
    }
    const recovered = [...this.recoveredSinceCheck];
    this.recoveredSinceCheck.clear();
    return { connection, streams, recovered };
  }
}
