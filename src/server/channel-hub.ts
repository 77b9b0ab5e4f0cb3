/**
 * Channel state of the downstream server: seq and epoch per channel, the resume ring, and the
 * subscriber set. publish() builds the frame once (one Buffer per message, shared by every
 * subscriber and the ring) and hands it to each subscriber synchronously: O(subscribers), no await.
 *
 * State is bounded: a subscriber may only create a channel the publisher serves (`allowChannel`)
 * and only while fewer than `maxChannels` exist; a channel nobody subscribes to is freed at once
 * when it never carried a message, or after `channelIdleMs` without a publish (its ring is then
 * history nobody can still resume from in practice). A channel created again after being freed
 * starts in a new epoch, so an old (epoch, seq) can never be continued with the new history.
 *
 * Serialization is lazy: a message published while its channel has no subscriber is kept in the
 * ring as the data itself (published data must not be mutated afterwards) and turned into bytes
 * only if a resuming client asks for it, once (the bytes then replace it). A channel nobody
 * watches costs a ring slot per message, no JSON and no Buffer.
 */
import { parseChannel, isConflatable, type Channel } from './channels.js';
import { RingBuffer } from './ring-buffer.js';
import type { ChannelPosition, DataMessage, ErrorCode, ServerMessage, UpstreamGapMessage } from './protocol.js';

/** Turns a data message into its frame text. Injected for tests (counting calls) and custom encoders. */
export type Serializer = (message: DataMessage) => string;

/** What the hub needs from a client session. */
export interface Subscriber {
  /**
   * One frame (shared Buffer: never mutate). Replays and live messages both come through here.
   * `notice` marks an in-stream notice (upstream gap): rare, and never to be dropped.
   */
  deliver(channel: string, seq: number, frame: Buffer, conflatable: boolean, notice?: boolean): void;
  /** A per-client control message (subscribed, resync_required...). */
  sendControl(message: ServerMessage, channel?: string): void;
  /** The channel's epoch changed: anything queued for it is from the old history. */
  onEpochChanged?(channel: string): void;
}

/** A message kept unserialized in the ring until a replay needs its bytes. */
class PendingFrame {
  frame: Buffer | null = null;
  constructor(readonly seq: number, readonly epoch: number, readonly data: unknown) {}
}

type RingItem = Buffer | PendingFrame;

interface ChannelState {
  readonly name: string;
  /** `{"type":"data","channel":<name>,"seq":` — the part of every data frame fixed per channel. */
  readonly framePrefix: string;
  readonly parsed: Channel;
  readonly conflatable: boolean;
  epoch: number;
  seq: number;
  readonly ring: RingBuffer<RingItem>;
  readonly subscribers: Set<Subscriber>;
  messages: number;
  lastPublishMs: number;
}

/** Fields of an upstream gap notice the publisher provides (the hub adds channel, seq, epoch). */
export type UpstreamGapFields = Omit<UpstreamGapMessage, 'type' | 'reason' | 'channel' | 'seq' | 'epoch'>;

export interface ChannelHubOptions {
  readonly ringCapacityMessages: number;
  /** Epoch every channel starts in; a new process should use a new one (default Date.now()). */
  readonly initialEpoch?: number;
  readonly serializer?: Serializer;
  /**
   * Whether a subscriber may create this channel (one that does not exist yet). Return null to
   * allow, or the reason it is not served (sent to the client). Default: every valid name.
   */
  readonly allowChannel?: (channel: Channel) => string | null;
  /** Channels a subscriber may create while this many exist (publishers are not capped). Default: unlimited. */
  readonly maxChannels?: number;
  /** A channel without subscribers and without a publish for this long is freed by sweep(). Default: never. */
  readonly channelIdleMs?: number;
  readonly now?: () => number;
}

export interface ChannelInfo {
  readonly channel: string;
  readonly epoch: number;
  readonly seq: number;
  readonly subscribers: number;
  readonly ringSize: number;
  readonly messages: number;
}

/** Why a subscribe was refused before it reached a channel. */
export interface ChannelRefusal {
  readonly code: Extract<ErrorCode, 'channel_not_served' | 'channel_limit'>;
  readonly message: string;
}

export interface ChannelHubCounters {
  channelsCreated: number;
  channelsFreed: number;
  refusedNotServed: number;
  refusedLimit: number;
}

export class ChannelHub {
  private readonly channels = new Map<string, ChannelState>();
  /** null: the default encoding (dataFrameText, the bytes JSON.stringify would give). */
  private readonly serializer: Serializer | null;
  private readonly initialEpoch: number;
  private readonly now: () => number;
  private readonly maxChannels: number;
  /** Frames that are notices (so a replay from the ring keeps them undroppable). */
  private readonly notices = new WeakSet<Buffer>();
  /** Above every epoch a freed channel had: where a re-created channel starts. */
  private epochFloor = 0;
  private published = 0;
  private failures = 0;
  readonly counters: ChannelHubCounters = { channelsCreated: 0, channelsFreed: 0, refusedNotServed: 0, refusedLimit: 0 };

  constructor(private readonly options: ChannelHubOptions) {
    this.serializer = options.serializer ?? null;
    this.initialEpoch = options.initialEpoch ?? Date.now();
    this.now = options.now ?? Date.now;
    this.maxChannels = options.maxChannels ?? Infinity;
  }

  private state(name: string): ChannelState {
    let s = this.channels.get(name);
    if (!s) {
      const parsed = parseChannel(name);
      s = {
        name, framePrefix: `{"type":"data","channel":${JSON.stringify(name)},"seq":`, parsed, conflatable: isConflatable(parsed), epoch: this.startEpoch(), seq: 0,
        ring: new RingBuffer<RingItem>(this.options.ringCapacityMessages), subscribers: new Set(), messages: 0,
        lastPublishMs: this.now(),
      };
      this.channels.set(name, s);
      this.counters.channelsCreated++;
    }
    return s;
  }

  private startEpoch(): number {
    return Math.max(this.initialEpoch, this.epochFloor);
  }

  /** Publishes one message; returns its seq. Throws ChannelError on an invalid channel name. */
  publish(channel: string, data: unknown): number {
    const s = this.state(channel);
    const seq = s.seq + 1;
    if (s.subscribers.size === 0) {
      s.seq = seq;
      s.messages++;
      s.lastPublishMs = this.now();
      this.published++;
      s.ring.push(seq, new PendingFrame(seq, s.epoch, data));
      return seq;
    }
    const frame = Buffer.from(this.dataFrameText(s, seq, s.epoch, data));
    return this.append(s, seq, frame, false);
  }

  /**
   * Publishes an upstream gap notice in the channel's order (it takes the next seq, sits in the
   * ring for resume, and is never dropped for a slow client). Returns its seq.
   */
  publishUpstreamGap(channel: string, fields: UpstreamGapFields): number {
    const s = this.state(channel);
    const seq = s.seq + 1;
    const msg: UpstreamGapMessage = { type: 'gap', reason: 'upstream', channel, seq, epoch: s.epoch, ...fields };
    const frame = Buffer.from(JSON.stringify(msg));
    this.notices.add(frame);
    return this.append(s, seq, frame, true);
  }

  /** The bytes of a ring item (serializing a pending one once). Throws what the serializer throws. */
  private bytes(s: ChannelState, item: RingItem): Buffer {
    if (!(item instanceof PendingFrame)) return item;
    if (item.frame === null) item.frame = Buffer.from(this.dataFrameText(s, item.seq, item.epoch, item.data));
    return item.frame;
  }

  /**
   * A data message's frame text. By default the exact text of JSON.stringify({type, channel, seq,
   * epoch, data}), built from the channel's fixed prefix and JSON.stringify(data) alone: per
   * trade, no envelope object and no re-quoting of the channel name (seq and epoch are integers,
   * whose JSON is their String()). Data JSON cannot represent as a value (undefined, a function)
   * takes the envelope path, which leaves the key out.
   */
  private dataFrameText(s: ChannelState, seq: number, epoch: number, data: unknown): string {
    if (this.serializer !== null) return this.serializer({ type: 'data', channel: s.name, seq, epoch, data });
    const d = JSON.stringify(data) as string | undefined;
    if (d === undefined || !Number.isSafeInteger(epoch)) return JSON.stringify({ type: 'data', channel: s.name, seq, epoch, data });
    return `${s.framePrefix}${seq},"epoch":${epoch},"data":${d}}`;
  }

  /** Ring items as bytes, or null when one cannot be serialized (the client then resyncs). */
  private replayFrames(s: ChannelState, items: readonly RingItem[]): Buffer[] | null {
    const out: Buffer[] = new Array(items.length);
    try {
      for (let i = 0; i < items.length; i++) out[i] = this.bytes(s, items[i]!);
    } catch {
      this.failures++;
      return null;
    }
    return out;
  }

  private append(s: ChannelState, seq: number, frame: Buffer, notice: boolean): number {
    s.seq = seq;
    s.messages++;
    s.lastPublishMs = this.now();
    this.published++;
    s.ring.push(seq, frame);
    for (const sub of s.subscribers) {
      // One broken subscriber must not cost the others their message.
      try { sub.deliver(s.name, seq, frame, s.conflatable, notice); } catch { this.failures++; }
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

  /** Current (epoch, seq); for a channel that does not exist, where it would start (nothing is created). */
  position(channel: string): ChannelPosition {
    const s = this.channels.get(channel);
    if (!s) { parseChannel(channel); return { epoch: this.startEpoch(), seq: 0 }; }
    return { epoch: s.epoch, seq: s.seq };
  }

  /**
   * Whether a subscriber may subscribe to a valid channel name: an existing channel always; a
   * new one only if served and under the cap. Returns null when allowed (counts refusals).
   */
  refusal(channel: string): ChannelRefusal | null {
    if (this.channels.has(channel)) return null;
    const why = this.options.allowChannel?.(parseChannel(channel)) ?? null;
    if (why !== null) {
      this.counters.refusedNotServed++;
      return { code: 'channel_not_served', message: `channel "${channel}" is not served: ${why}` };
    }
    if (this.channels.size >= this.maxChannels) {
      this.counters.refusedLimit++;
      return { code: 'channel_limit', message: `channel "${channel}" refused: the server already holds its limit of ${this.maxChannels} channels; subscribe to an existing channel or try again later` };
    }
    return null;
  }

  /**
   * Adds a subscriber and brings it up to date (see the rules in protocol.ts). Returns false if it
   * was already subscribed (nothing is sent then). Callers check refusal() first.
   */
  subscribe(channel: string, sub: Subscriber, resume?: ChannelPosition): boolean {
    const s = this.state(channel);
    if (s.subscribers.has(sub)) return false;
    if (resume !== undefined) {
      const held = resume.epoch === s.epoch ? s.ring.after(resume.seq, s.seq) : null;
      const missed = held === null ? null : this.replayFrames(s, held);
      if (missed !== null && resume.seq <= s.seq) {
        sub.sendControl({ type: 'subscribed', channel, epoch: s.epoch, seq: resume.seq }, channel);
        let seq = resume.seq;
        for (const frame of missed) sub.deliver(channel, ++seq, frame, s.conflatable, this.notices.has(frame));
      } else {
        // A client ahead of us in the same epoch has seen a history this process never had.
        const reason = resume.epoch === s.epoch && resume.seq <= s.seq ? 'too_far_behind' : 'epoch_changed';
        sub.sendControl({ type: 'resync_required', channel, reason, epoch: s.epoch, seq: s.seq }, channel);
        sub.sendControl({ type: 'subscribed', channel, epoch: s.epoch, seq: s.seq }, channel);
      }
    } else if (s.conflatable && s.seq > 0 && s.ring.size > 0 && this.replayFrames(s, [s.ring.last()!]) !== null) {
      sub.sendControl({ type: 'subscribed', channel, epoch: s.epoch, seq: s.seq - 1 }, channel);
      sub.deliver(channel, s.seq, this.bytes(s, s.ring.last()!), true);
    } else {
      sub.sendControl({ type: 'subscribed', channel, epoch: s.epoch, seq: s.seq }, channel);
    }
    s.subscribers.add(sub);
    return true;
  }

  /** Removes a subscriber; a channel left without subscribers that never carried a message is freed at once. */
  unsubscribe(channel: string, sub: Subscriber): boolean {
    const s = this.channels.get(channel);
    if (!s || !s.subscribers.delete(sub)) return false;
    if (s.subscribers.size === 0 && s.seq === 0) this.free(s);
    return true;
  }

  /** Frees channels without subscribers idle for channelIdleMs. Returns how many were freed. */
  sweep(): number {
    const idleMs = this.options.channelIdleMs;
    if (idleMs === undefined) return 0;
    const now = this.now();
    let freed = 0;
    for (const s of this.channels.values()) {
      if (s.subscribers.size === 0 && (s.seq === 0 || now - s.lastPublishMs >= idleMs)) { this.free(s); freed++; }
    }
    return freed;
  }

  private free(s: ChannelState): void {
    this.channels.delete(s.name);
    this.epochFloor = Math.max(this.epochFloor, s.epoch + 1);
    this.counters.channelsFreed++;
  }

  get size(): number { return this.channels.size; }

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
