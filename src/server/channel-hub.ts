/**
 * Channel state of the downstream server: seq and epoch per channel, the resume ring, and the
 * subscriber set. publish() builds the frame once (one Buffer per message, shared by every
 * subscriber and the ring) and hands it to each subscriber synchronously: O(subscribers), no await.
 */
import { parseChannel, isConflatable, type Channel } from './channels.js';
import { RingBuffer } from './ring-buffer.js';
import type { ChannelPosition, DataMessage, ServerMessage } from './protocol.js';

/** Turns a data message into its frame text. Injected for tests (counting calls) and custom encoders. */
export type Serializer = (message: DataMessage) => string;

/** What the hub needs from a client session. */
export interface Subscriber {
  /** One data frame (shared Buffer: never mutate). Replays and live messages both come through here. */
  deliver(channel: string, seq: number, frame: Buffer, conflatable: boolean): void;
  /** A per-client control message (subscribed, resync_required...). */
  sendControl(message: ServerMessage, channel?: string): void;
  /** The channel's epoch changed: anything queued for it is from the old history. */
  onEpochChanged?(channel: string): void;
}

interface ChannelState {
  readonly name: string;
  readonly parsed: Channel;
  readonly conflatable: boolean;
  epoch: number;
  seq: number;
  readonly ring: RingBuffer<Buffer>;
  readonly subscribers: Set<Subscriber>;
  messages: number;
}

export interface ChannelHubOptions {
  readonly ringCapacityMessages: number;
  /** Epoch every channel starts in; a new process should use a new one (default Date.now()). */
  readonly initialEpoch?: number;
  readonly serializer?: Serializer;
}

export interface ChannelInfo {
  readonly channel: string;
  readonly epoch: number;
  readonly seq: number;
  readonly subscribers: number;
  readonly ringSize: number;
  readonly messages: number;
}

export class ChannelHub {
  private readonly channels = new Map<string, ChannelState>();
  private readonly serializer: Serializer;
  private readonly initialEpoch: number;
  private published = 0;
  private failures = 0;

  constructor(private readonly options: ChannelHubOptions) {
    this.serializer = options.serializer ?? JSON.stringify;
    this.initialEpoch = options.initialEpoch ?? Date.now();
  }

  private state(name: string): ChannelState {
    let s = this.channels.get(name);
    if (!s) {
      const parsed = parseChannel(name);
      s = {
        name, parsed, conflatable: isConflatable(parsed), epoch: this.initialEpoch, seq: 0,
        ring: new RingBuffer<Buffer>(this.options.ringCapacityMessages), subscribers: new Set(), messages: 0,
      };
      this.channels.set(name, s);
    }
    return s;
  }

  /** Publishes one message; returns its seq. Throws ChannelError on an invalid channel name. */
  publish(channel: string, data: unknown): number {
    const s = this.state(channel);
    const seq = s.seq + 1;
    const frame = Buffer.from(this.serializer({ type: 'data', channel, seq, epoch: s.epoch, data }));
    s.seq = seq;
    s.messages++;
    this.published++;
    s.ring.push(seq, frame);
    for (const sub of s.subscribers) {
      // One broken subscriber must not cost the others their message.
      try { sub.deliver(channel, seq, frame, s.conflatable); } catch { this.failures++; }
    }
    return seq;
  }

  /**
   * Starts a new epoch on a channel (gateway restart, book resync): seq restarts at 0, the ring
   * is emptied, and current subscribers get resync_required(epoch_changed). Without an argument
   * the new epoch is max(previous + 1, now). Returns the new epoch.
   */
  setEpoch(channel: string, epoch?: number): number {
    const s = this.state(channel);
    const next = epoch ?? Math.max(s.epoch + 1, Date.now());
    if (!Number.isSafeInteger(next)) throw new RangeError(`epoch must be a safe integer, got ${next}`);
    if (next === s.epoch) return next;
    s.epoch = next;
    s.seq = 0;
    s.ring.clear();
    for (const sub of s.subscribers) {
      sub.onEpochChanged?.(channel);
      sub.sendControl({ type: 'resync_required', channel, reason: 'epoch_changed', epoch: next, seq: 0 }, channel);
    }
    return next;
  }

  position(channel: string): ChannelPosition {
    const s = this.state(channel);
    return { epoch: s.epoch, seq: s.seq };
  }

  /**
   * Adds a subscriber and brings it up to date (see the rules in protocol.ts). Returns false if it
   * was already subscribed (nothing is sent then).
   */
  subscribe(channel: string, sub: Subscriber, resume?: ChannelPosition): boolean {
    const s = this.state(channel);
    if (s.subscribers.has(sub)) return false;
    if (resume !== undefined) {
      const missed = resume.epoch === s.epoch ? s.ring.after(resume.seq, s.seq) : null;
      if (missed !== null && resume.seq <= s.seq) {
        sub.sendControl({ type: 'subscribed', channel, epoch: s.epoch, seq: resume.seq }, channel);
        let seq = resume.seq;
        for (const frame of missed) sub.deliver(channel, ++seq, frame, s.conflatable);
      } else {
        // A client ahead of us in the same epoch has seen a history this process never had.
        const reason = resume.epoch === s.epoch && resume.seq <= s.seq ? 'too_far_behind' : 'epoch_changed';
        sub.sendControl({ type: 'resync_required', channel, reason, epoch: s.epoch, seq: s.seq }, channel);
        sub.sendControl({ type: 'subscribed', channel, epoch: s.epoch, seq: s.seq }, channel);
      }
    } else if (s.conflatable && s.seq > 0 && s.ring.size > 0) {
      sub.sendControl({ type: 'subscribed', channel, epoch: s.epoch, seq: s.seq - 1 }, channel);
      sub.deliver(channel, s.seq, s.ring.last()!, true);
    } else {
      sub.sendControl({ type: 'subscribed', channel, epoch: s.epoch, seq: s.seq }, channel);
    }
    s.subscribers.add(sub);
    return true;
  }

  unsubscribe(channel: string, sub: Subscriber): boolean {
    return this.channels.get(channel)?.subscribers.delete(sub) ?? false;
  }

  /** Subscriber count per channel (channels with none are left out). */
  subscriptionsByChannel(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.channels.values()) if (s.subscribers.size > 0) out[s.name] = s.subscribers.size;
    return out;
  }

  channelInfo(): ChannelInfo[] {
    return [...this.channels.values()].map((s) => ({
      channel: s.name, epoch: s.epoch, seq: s.seq, subscribers: s.subscribers.size, ringSize: s.ring.size, messages: s.messages,
    }));
  }

  get messagesPublished(): number { return this.published; }

  /** Deliveries that threw (a subscriber bug); the message still reached everyone else. */
  get deliveryFailures(): number { return this.failures; }
}
