/**
 * One client connection of the Binance endpoint: its subscriptions (in the order made, as
 * LIST_SUBSCRIPTIONS shows them), the combined flag, Binance's incoming-message limit, and a
 * send path that drops the client once its socket holds too much unsent data (a slow reader
 * is disconnected, as Binance does, and counted).
 */
import type { WebSocket } from 'ws';

export type DropReason = 'slow' | 'rate' | 'pong_timeout' | 'lifetime' | 'payload' | 'shutdown';

export interface SessionLimits {
  readonly maxIncomingMessagesPerSec: number;
  readonly maxSocketBufferedBytes: number;
}

export class CompatSession {
  readonly streams = new Set<string>();
  combined: boolean;
  lastPongAtMs: number;
  lastPingAtMs: number;
  closed = false;
  sent = 0;
  /** Requests run one after another (a SUBSCRIBE may wait for the symbol list). */
  chain: Promise<void> = Promise.resolve();
  private readonly incoming: number[] = [];

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    combined: boolean,
    readonly connectedAtMs: number,
    private readonly limits: SessionLimits,
    private readonly onDrop: (s: CompatSession, why: DropReason) => void,
  ) {
    this.combined = combined;
    this.lastPongAtMs = connectedAtMs;
    this.lastPingAtMs = connectedAtMs;
  }

  /** Counts an incoming message; false (and the session dropped) past the per-second limit. */
  countIncoming(nowMs: number): boolean {
    const q = this.incoming;
    q.push(nowMs);
    while (q.length > 0 && q[0]! <= nowMs - 1000) q.shift();
    if (q.length > this.limits.maxIncomingMessagesPerSec) {
      this.drop('rate', 1008, 'Too many requests');
      return false;
    }
    return true;
  }

  send(text: string): void {
    if (this.closed) return;
    if (this.ws.bufferedAmount > this.limits.maxSocketBufferedBytes) {
      this.drop('slow');
      return;
    }
    this.sent++;
    this.ws.send(text);
  }

  /** Ends the connection: with a close frame when a code is given, else at once (a slow reader would not read it). */
  drop(why: DropReason, code?: number, reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (code === undefined) this.ws.terminate();
    else this.ws.close(code, reason);
    this.onDrop(this, why);
  }
}
