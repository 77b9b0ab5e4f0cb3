/**
 * Bounded figures of one connection: counters, last times and a ring of the last N transitions.
 * Nothing here grows with time: the ring has a fixed size and cleanup() drops old entries.
 */
import type { SessionHooks } from './session.js';
import type { StateTransition } from './states.js';

export interface MetadataCounters {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  dataFrames: number;
  reconnects: number;
  attempts: number;
  failedAttempts: number;
  rotations: number;
  invalidTransitions: number;
  preLiveFramesDropped: number;
  listenerErrors: number;
  staleEpisodes: number;
  streamStaleEpisodes: number;
  pingsSent: number;
  pongsReceived: number;
}

export interface MetadataSnapshot extends Readonly<MetadataCounters> {
  readonly lastFrameTime: number | null;
  readonly lastDataTime: number | null;
  readonly lastPongTime: number | null;
  readonly lastPingRttMs: number | null;
  readonly connectedSince: number | null;
  readonly lastError: { readonly code: string; readonly message: string; readonly time: number } | null;
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly transitions: readonly StateTransition[];
}

export class ConnectionMetadata {
  readonly counters: MetadataCounters = {
    framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, dataFrames: 0, reconnects: 0, attempts: 0,
    failedAttempts: 0, rotations: 0, invalidTransitions: 0, preLiveFramesDropped: 0, listenerErrors: 0,
    staleEpisodes: 0, streamStaleEpisodes: 0, pingsSent: 0, pongsReceived: 0,
  };
  lastFrameTime: number | null = null;
  lastDataTime: number | null = null;
  lastPongTime: number | null = null;
  lastPingRttMs: number | null = null;
  connectedSince: number | null = null;
  private lastError: MetadataSnapshot['lastError'] = null;
  /** Codes are a closed set, so this map is bounded. */
  private readonly errorsByCode = new Map<string, number>();
  private readonly ring: (StateTransition | undefined)[];
  private head = 0;
  private count = 0;

  constructor(private readonly ringSize: number, private readonly maxAgeMs: number) {
    this.ring = new Array<StateTransition | undefined>(Math.max(1, ringSize));
  }

  /** Counters fed by a socket session (hot path: plain field updates). */
  socketHooks(): Pick<SessionHooks, 'frameIn' | 'frameOut' | 'pingSent' | 'pong' | 'preLiveDropped'> {
    const c = this.counters;
    return {
      frameIn: (bytes, time) => {
        c.framesIn++;
        c.bytesIn += bytes;
        this.lastFrameTime = time;
      },
      frameOut: (bytes) => {
        c.framesOut++;
        c.bytesOut += bytes;
      },
      pingSent: () => void c.pingsSent++,
      pong: (rttMs, time) => {
        c.pongsReceived++;
        this.lastPongTime = time;
        if (rttMs >= 0) this.lastPingRttMs = rttMs;
      },
      preLiveDropped: (n) => void (c.preLiveFramesDropped += n),
    };
  }

  recordTransition(t: StateTransition): void {
    this.ring[this.head] = t;
    this.head = (this.head + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
  }

  recordError(code: string, message: string, time: number): void {
    this.lastError = { code, message, time };
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
  }

  transitions(): StateTransition[] {
    const out: StateTransition[] = [];
    const start = (this.head - this.count + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.count; i++) {
      const t = this.ring[(start + i) % this.ring.length];
      if (t) out.push(t);
    }
    return out;
  }

  /** Drops ring entries older than maxAgeMs; returns how many were dropped. */
  cleanup(now: number): number {
    let dropped = 0;
    const start = (this.head - this.count + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.count; i++) {
      const idx = (start + i) % this.ring.length;
      const t = this.ring[idx];
      if (!t || now - t.time <= this.maxAgeMs) break;
      this.ring[idx] = undefined;
      dropped++;
    }
    this.count -= dropped;
    return dropped;
  }

  snapshot(): MetadataSnapshot {
    return {
      ...this.counters,
      lastFrameTime: this.lastFrameTime,
      lastDataTime: this.lastDataTime,
      lastPongTime: this.lastPongTime,
      lastPingRttMs: this.lastPingRttMs,
      connectedSince: this.connectedSince,
      lastError: this.lastError,
      errorsByCode: Object.fromEntries(this.errorsByCode),
      transitions: this.transitions(),
    };
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.ringSize;
  }
}
