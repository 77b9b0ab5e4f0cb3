/**
 * One downstream client: its subscriptions and its send path with bounded buffering.
 *
 * Send path, in order of escalation:
 *  1. write straight to the socket while its buffered bytes stay under maxSocketBufferedBytes;
 *  2. otherwise the client is "backlogged": conflatable channels keep only their latest frame
 *     (one slot per channel, counted as conflations); other frames go to a FIFO queue bounded in
 *     messages and bytes;
 *  3. when that queue is full, frames are dropped and the client later gets one
 *     `gap {from, to}` per run of drops, before the next frame of that channel (in-stream
 *     notices, the upstream gaps, are never dropped);
 *  4. a client backlogged without catching up for slowConsumerCloseMs is closed with 4008.
 * The publisher never waits: every step is a synchronous O(1) decision.
 */
import type { Subscriber } from './channel-hub.js';
import { CLOSE_SLOW_CONSUMER, type GapMessage, type ServerMessage } from './protocol.js';

/** The part of a socket a session writes to (ws + its raw socket in production, a fake in tests). */
export interface SessionTransport {
  send(frame: Buffer | string): void;
  /** Bytes written but not yet handed to the kernel. */
  bufferedAmount(): number;
  close(code: number, reason: string): void;
  terminate(): void;
}

export interface SessionLimits {
  readonly maxSocketBufferedBytes: number;
  readonly maxQueueMessages: number;
  readonly maxQueueBytes: number;
  readonly slowConsumerCloseMs: number;
}

export interface SessionCounters {
  messagesSent: number;
  bytesSent: number;
  drops: number;
  conflations: number;
  gapNotices: number;
}

interface Queued {
  readonly frame: Buffer | string;
  readonly bytes: number;
}

export interface SessionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly connectedAtMs: number;
  readonly channels: readonly string[];
  readonly backlogged: boolean;
  readonly socketBufferedBytes: number;
  readonly queueMessages: number;
  readonly queueBytes: number;
  /** Most messages this client's queue ever held (how close bursts came to maxQueueMessages). */
  readonly peakQueueMessages: number;
  readonly conflatedPending: number;
  readonly messagesSent: number;
  readonly bytesSent: number;
  readonly drops: number;
  readonly conflations: number;
  readonly gapNotices: number;
}

function byteLength(frame: Buffer | string): number {
  return typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
}

export class ClientSession implements Subscriber {
  readonly subscriptions = new Set<string>();
  readonly counters: SessionCounters = { messagesSent: 0, bytesSent: 0, drops: 0, conflations: 0, gapNotices: 0 };
  /** Last time the client sent us anything (message or pong); for the idle sweep. */
  lastActivityMs: number;
  /** Set on a protocol ping, cleared by the pong. */
  awaitingPong = false;

  private readonly queue: Queued[] = [];
  private queueHead = 0;
  private queueBytes = 0;
  private peakQueue = 0;
  private readonly conflated = new Map<string, Buffer>();
  private readonly pendingGaps = new Map<string, { from: number; to: number }>();
  private backloggedSinceMs: number | null = null;
  private closed = false;

  constructor(
    readonly id: number,
    readonly remoteAddress: string,
    private readonly transport: SessionTransport,
    private readonly limits: SessionLimits,
    private readonly now: () => number,
    /** Called once when the session closes itself as a slow consumer. */
    private readonly onSlowConsumerClose: (session: ClientSession) => void,
    readonly connectedAtMs = now(),
  ) {
    this.lastActivityMs = connectedAtMs;
  }

  get isClosed(): boolean { return this.closed; }
  get backlogged(): boolean { return this.backloggedSinceMs !== null; }
  private get queueLength(): number { return this.queue.length - this.queueHead; }

  deliver(channel: string, seq: number, frame: Buffer, conflatable: boolean, notice = false): void {
    if (this.closed) return;
    if (this.backloggedSinceMs === null) {
      if (this.transport.bufferedAmount() + frame.length <= this.limits.maxSocketBufferedBytes) {
        this.write(frame, frame.length);
        return;
      }
      this.backloggedSinceMs = this.now();
    }
    if (conflatable) {
      if (this.conflated.has(channel)) this.counters.conflations++;
      this.conflated.set(channel, frame);
    } else if (!notice && (this.queueLength >= this.limits.maxQueueMessages || this.queueBytes + frame.length > this.limits.maxQueueBytes)) {
      // Notices (upstream gaps) are rare and carry what a seq range cannot: queued even when full.
      this.counters.drops++;
      const gap = this.pendingGaps.get(channel);
      if (gap) gap.to = seq;
      else this.pendingGaps.set(channel, { from: seq, to: seq });
    } else {
      this.flushGap(channel);
      this.enqueue(frame, frame.length);
    }
    this.checkSlow();
  }

  sendControl(message: ServerMessage, channel?: string): void {
    if (this.closed) return;
    if (channel !== undefined) this.flushGap(channel);
    const text = JSON.stringify(message);
    if (this.backloggedSinceMs === null && this.transport.bufferedAmount() <= this.limits.maxSocketBufferedBytes) {
      this.write(text, Buffer.byteLength(text));
    } else {
      this.backloggedSinceMs ??= this.now();
      // Control messages are few (answers to requests, epoch changes): never dropped.
      this.enqueue(text, Buffer.byteLength(text));
    }
  }

  onEpochChanged(channel: string): void {
    // What is pending belongs to the old epoch, which the client is told to drop anyway.
    this.conflated.delete(channel);
    this.pendingGaps.delete(channel);
  }

  /** Forget a channel's pending conflated frame and gap after an unsubscribe. */
  forgetChannel(channel: string): void {
    this.onEpochChanged(channel);
  }

  /**
   * Moves queued frames to the socket while it has room. Called on the socket's 'drain' and by
   * the server's periodic tick. Returns true when fully caught up.
   */
  drain(): boolean {
    if (this.closed) return true;
    if (this.backloggedSinceMs === null) return true;
    const max = this.limits.maxSocketBufferedBytes;
    while (this.transport.bufferedAmount() < max) {
      if (this.queueLength > 0) {
        const q = this.queue[this.queueHead]!;
        this.queue[this.queueHead++] = undefined as unknown as Queued;
        this.queueBytes -= q.bytes;
        this.write(q.frame, q.bytes);
        if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
          this.queue.splice(0, this.queueHead);
          this.queueHead = 0;
        }
        continue;
      }
      const c = this.conflated.entries().next();
      if (!c.done) {
        this.conflated.delete(c.value[0]);
        this.write(c.value[1], c.value[1].length);
        continue;
      }
      const g = this.pendingGaps.keys().next();
      if (!g.done) { this.flushGap(g.value); continue; }
      this.queue.length = 0;
      this.queueHead = 0;
      this.backloggedSinceMs = null;
      return true;
    }
    this.checkSlow();
    return false;
  }

  /** Closes the client as a slow consumer once it has been backlogged for too long. */
  checkSlow(): void {
    if (this.closed || this.backloggedSinceMs === null) return;
    if (this.now() - this.backloggedSinceMs < this.limits.slowConsumerCloseMs) return;
    this.close(CLOSE_SLOW_CONSUMER, 'slow consumer');
    this.onSlowConsumerClose(this);
  }

  /** Stops sending and frees buffers; the caller removes the subscriptions from the hub. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queueHead = 0;
    this.queueBytes = 0;
    this.conflated.clear();
    this.pendingGaps.clear();
    this.transport.close(code, reason);
  }

  /** Marks the session closed after the socket went away on its own. */
  markClosed(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queueHead = 0;
    this.queueBytes = 0;
    this.conflated.clear();
    this.pendingGaps.clear();
  }

  info(): SessionInfo {
    return {
      id: this.id,
      remoteAddress: this.remoteAddress,
      connectedAtMs: this.connectedAtMs,
      channels: [...this.subscriptions],
      backlogged: this.backlogged,
      socketBufferedBytes: this.closed ? 0 : this.transport.bufferedAmount(),
      queueMessages: this.queueLength,
      queueBytes: this.queueBytes,
      peakQueueMessages: this.peakQueue,
      conflatedPending: this.conflated.size,
      ...this.counters,
    };
  }

  private flushGap(channel: string): void {
    const gap = this.pendingGaps.get(channel);
    if (!gap) return;
    this.pendingGaps.delete(channel);
    const msg: GapMessage = { type: 'gap', channel, from: gap.from, to: gap.to, reason: 'slow_consumer' };
    const text = JSON.stringify(msg);
    this.counters.gapNotices++;
    if (this.backloggedSinceMs === null || this.queueLength === 0 && this.transport.bufferedAmount() < this.limits.maxSocketBufferedBytes) {
      this.write(text, text.length);
    } else {
      this.enqueue(text, text.length);
    }
  }

  private enqueue(frame: Buffer | string, bytes: number): void {
    this.queue.push({ frame, bytes });
    this.queueBytes += bytes;
    if (this.queueLength > this.peakQueue) this.peakQueue = this.queueLength;
  }

  private write(frame: Buffer | string, bytes: number): void {
    this.transport.send(frame);
    this.counters.messagesSent++;
    this.counters.bytesSent += bytes;
  }
}
