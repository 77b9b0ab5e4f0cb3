/**
 * Stream fan-out shared by the venues. A frame's JSON text is built once per publish, framed
 * once as an unmasked WebSocket text frame, and the same Buffer is queued to every subscriber;
 * each generator tick ends with one socket write per client (pre-framed batches). Faults that
 * act on delivery (silent, throttle, malformed, skip, repeat, stop-stream) are applied here.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { FaultController, VenueId } from './faults.js';
import { FrameBuffer, wsHeaderLength, writeWsHeader } from './frame-buffer.js';

/** Build an unmasked, final, text WebSocket frame (RFC 6455 5.2). */
export function wsTextFrame(text: string): Buffer {
  return wsFrame(Buffer.from(text, 'utf8'), 0x1);
}

export function wsFrame(payload: Buffer, opcode: number): Buffer {
  const out = Buffer.allocUnsafe(wsHeaderLength(payload.length) + payload.length);
  payload.copy(out, writeWsHeader(out, 0, opcode, payload.length));
  return out;
}

/** Combined-envelope prefixes kept per stream name (bounded: replays can publish any name). */
const MAX_PREFIXES = 10_000;

let nextClientId = 1;
const NO_SCOPE = {};

export class SimClient {
  readonly id = nextClientId++;
  readonly streams = new Set<string>();
  /** Binance: wrap frames in {"stream","data"} (combined path or SET_PROPERTY combined). */
  combined = false;
  /** Frames queued one by one (fault paths: throttle cuts at frame boundaries), sent before `out`. */
  pending: Buffer[] = [];
  /** Frames written in place (the hot path), sent after `pending`. */
  readonly out = new FrameBuffer();
  pendingBytes = 0;
  readonly connectedAtMs: number;
  lastPongAtMs: number;
  lastPingAtMs: number;
  /** Incoming message times within the last second (Binance 5 msgs/s rule). */
  incoming: number[] = [];
  /** Set once a `silent` fault caught this client: it stays half-open until it goes away. */
  silent = false;
  closed = false;
  /** A truncated ws frame was queued: destroy the socket right after writing it. */
  destroyAfterFlush = false;
  authenticated = true;
  /** Throttle credit in bytes. */
  credit = 0;
  creditAtMs = 0;
  readonly path: string;

  constructor(readonly venue: VenueId, readonly ws: WebSocket, readonly socket: Duplex, nowMs: number, path: string) {
    this.connectedAtMs = nowMs;
    this.lastPongAtMs = nowMs;
    this.lastPingAtMs = nowMs;
    this.path = path;
  }

  queue(frame: Buffer): void {
    this.seal();
    this.pending.push(frame);
    this.pendingBytes += frame.length;
  }

  /** One text frame, payload prefix + body + suffix, written in place. */
  queueText(body: string, prefix?: string, suffix?: string): void {
    this.pendingBytes += this.out.text(body, prefix, suffix);
  }

  /** Move the in-place frames to the end of `pending` (keeps order with queued Buffers). */
  seal(): void {
    const b = this.out.take();
    if (b) this.pending.push(b);
  }

  /** Forget everything queued. */
  discard(): void {
    this.pending = [];
    this.out.clear();
    this.pendingBytes = 0;
  }
}

export interface HubOptions {
  readonly venue: VenueId;
  readonly faults: FaultController;
  readonly now: () => number;
  /** Binance's combined envelope; other venues put the topic inside the frame. */
  readonly envelope: boolean;
  readonly maxBufferedBytes: number;
}

export interface PublishOptions {
  readonly symbol?: string;
  /** Honours skip/repeat faults (trade, aggTrade, depth...). */
  readonly sequenced?: boolean;
  /** The whole combined-envelope text, when it is not {"stream":..,"data":<data>}. */
  readonly buildCombined?: () => string;
}

export interface HubStats {
  clients: number;
  framesPublished: number;
  framesQueued: number;
  bytesWritten: number;
  slowConsumersDropped: number;
}

export class StreamHub {
  readonly venue: VenueId;
  readonly clients = new Set<SimClient>();
  private readonly subs = new Map<string, Set<SimClient>>();
  private readonly faults: FaultController;
  private readonly now: () => number;
  private readonly envelope: boolean;
  private readonly maxBufferedBytes: number;
  private readonly prefixes = new Map<string, string>();
  readonly counters: HubStats = { clients: 0, framesPublished: 0, framesQueued: 0, bytesWritten: 0, slowConsumersDropped: 0 };

  constructor(opts: HubOptions) {
    this.venue = opts.venue;
    this.faults = opts.faults;
    this.now = opts.now;
    this.envelope = opts.envelope;
    this.maxBufferedBytes = opts.maxBufferedBytes;
  }

  add(client: SimClient): void {
    this.clients.add(client);
  }

  remove(client: SimClient): void {
    client.closed = true;
    this.clients.delete(client);
    for (const s of client.streams) this.subs.get(s)?.delete(client);
    client.streams.clear();
    client.discard();
  }

  /** Close (any code, see closeClient) every client the filter selects; returns how many. */
  closeAll(code: number, reason: string, filter: (c: SimClient) => boolean = () => true): number {
    let n = 0;
    for (const c of [...this.clients]) {
      if (!filter(c)) continue;
      closeClient(c, code, reason);
      this.remove(c);
      n++;
    }
    return n;
  }

  /** Forget every client without a word to it (restart: their sockets die with the server). */
  dropAll(): void {
    for (const c of [...this.clients]) this.remove(c);
  }

  terminateAll(): void {
    for (const c of [...this.clients]) {
      c.ws.terminate();
      this.remove(c);
    }
  }

  subscribe(client: SimClient, stream: string): void {
    client.streams.add(stream);
    this.subscribers(stream).add(client);
  }

  /**
   * The live subscriber set of a stream, created when missing. Sets are never replaced, so a
   * venue keeps its own streams' sets and publishes without a Map lookup per frame (the
   * largest cost of a publish at 500 symbols).
   */
  subscribers(stream: string): Set<SimClient> {
    let set = this.subs.get(stream);
    if (!set) {
      set = new Set();
      this.subs.set(stream, set);
    }
    return set;
  }

  unsubscribe(client: SimClient, stream: string): void {
    client.streams.delete(stream);
    this.subs.get(stream)?.delete(client);
  }

  hasSubscribers(stream: string): boolean {
    const s = this.subs.get(stream);
    return s !== undefined && s.size > 0;
  }

  /**
   * Publish one frame on a stream. `build` returns the JSON text of the payload and is only
   * called when someone listens. `sequenced` streams honour skip/repeat faults. Returns how many
   * times the frame was published (0 = skipped or stream stopped, 2 = repeated).
   */
  publish(stream: string, build: () => string, opts: PublishOptions = {}): number {
    return this.publishTo(stream, this.subs.get(stream), build, opts);
  }

  /** publish() to a set from subscribers(stream). */
  publishTo(stream: string, set: Set<SimClient> | undefined, build: () => string, opts: PublishOptions = {}): number {
    const faulty = this.faults.size > 0;
    const scope = faulty ? { venue: this.venue, stream, ...(opts.symbol !== undefined ? { symbol: opts.symbol } : {}) } : NO_SCOPE;
    if (faulty) {
      if (this.faults.match('stop-stream', scope)) return 0;
      if (opts.sequenced) {
        const skip = this.faults.match('skip', scope);
        if (skip) {
          this.faults.consume(skip, stream);
          return 0;
        }
      }
    }
    let times = 1;
    if (opts.sequenced && faulty) {
      const rep = this.faults.match('repeat', scope);
      if (rep) {
        this.faults.consume(rep, stream);
        times = 2;
      }
    }
    this.counters.framesPublished += times;
    if (!set || set.size === 0) return times;
    const data = build();
    // Hot path: no fault can touch delivery, so each client gets the frame written in place.
    if (!faulty) {
      let wrapped: string | undefined;
      for (const c of set) {
        if (c.silent) continue;
        if (this.envelope && c.combined) {
          if (opts.buildCombined) c.queueText((wrapped ??= opts.buildCombined()));
          else c.queueText(data, this.prefix(stream), '}');
        } else c.queueText(data);
        this.counters.framesQueued++;
      }
      return times;
    }
    return this.publishBuffers(set, stream, data, times, opts, scope, faulty);
  }

  /** `{"stream":"<name>","data":` of a stream, cached (bounded). */
  private prefix(stream: string): string {
    let p = this.prefixes.get(stream);
    if (p === undefined) {
      if (this.prefixes.size >= MAX_PREFIXES) this.prefixes.clear();
      p = `{"stream":"${stream}","data":`;
      this.prefixes.set(stream, p);
    }
    return p;
  }

  private publishBuffers(set: Set<SimClient>, stream: string, data: string, times: number, opts: PublishOptions, scope: object, faulty: boolean): number {
    let raw: Buffer | null = null;
    let wrapped: Buffer | null = null;
    const bad = faulty ? this.faults.match('malformed', scope as Parameters<FaultController['match']>[1]) : undefined;
    for (const c of set) {
      if (c.silent) continue;
      let frame: Buffer;
      if (bad) {
        frame = malformedFrame(this.envelope && c.combined ? `{"stream":"${stream}","data":${data}}` : data, bad.mode ?? 'garbage');
      } else if (this.envelope && c.combined) {
        wrapped ??= wsTextFrame(opts.buildCombined ? opts.buildCombined() : `{"stream":"${stream}","data":${data}}`);
        frame = wrapped;
      } else {
        raw ??= wsTextFrame(data);
        frame = raw;
      }
      if (bad?.mode === 'truncated-frame') c.destroyAfterFlush = true;
      for (let i = 0; i < times; i++) c.queue(frame);
      this.counters.framesQueued += times;
    }
    if (bad) this.faults.consume(bad, `${stream} mode=${bad.mode ?? 'garbage'}`);
    return times;
  }

  /** Queue a frame to one client (snapshots on subscribe, private events). */
  sendTo(client: SimClient, text: string): void {
    if (client.silent || client.closed) return;
    client.queueText(text);
  }

  /** Write every client's queued frames in one socket write each. */
  flush(): void {
    const now = this.now();
    for (const c of this.clients) {
      if (c.pendingBytes === 0 || c.closed) continue;
      if (c.silent) {
        c.discard();
        continue;
      }
      const sock = c.socket;
      if (sock.destroyed) continue;
      if (sock.writableLength > this.maxBufferedBytes) {
        this.counters.slowConsumersDropped++;
        c.ws.terminate();
        continue;
      }
      const throttle = this.faults.size > 0 ? this.faults.match('throttle', { venue: this.venue }) : undefined;
      if (c.pending.length === 0 && throttle?.bytesPerSec === undefined) {
        // Hot path: the tick's frames are one contiguous run of bytes, one write.
        const b = c.out.take();
        if (!b) continue;
        c.pendingBytes -= b.length;
        this.counters.bytesWritten += b.length;
        sock.write(b);
        if (c.destroyAfterFlush) sock.end();
        continue;
      }
      c.seal();
      let toWrite = c.pending;
      if (throttle?.bytesPerSec !== undefined) {
        const elapsed = c.creditAtMs === 0 ? 0 : now - c.creditAtMs;
        c.creditAtMs = now;
        c.credit = Math.min(throttle.bytesPerSec, c.credit + (throttle.bytesPerSec * elapsed) / 1000);
        let budget = c.credit;
        let n = 0;
        while (n < c.pending.length && budget >= (c.pending[n]?.length ?? 0)) budget -= c.pending[n++]?.length ?? 0;
        if (n === 0) continue;
        toWrite = c.pending.slice(0, n);
        c.pending = c.pending.slice(n);
        c.credit = budget;
      } else {
        c.pending = [];
      }
      let bytes = 0;
      for (const b of toWrite) bytes += b.length;
      c.pendingBytes -= bytes;
      this.counters.bytesWritten += bytes;
      sock.write(toWrite.length === 1 ? (toWrite[0] as Buffer) : Buffer.concat(toWrite, bytes));
      if (c.destroyAfterFlush) sock.end();
    }
  }

  /** Bytes buffered in the most backed-up client socket (replay at max speed waits on it). */
  maxBuffered(): number {
    let max = 0;
    for (const c of this.clients) max = Math.max(max, c.socket.writableLength + c.pendingBytes);
    return max;
  }

  stats(): HubStats {
    return { ...this.counters, clients: this.clients.size };
  }
}

function malformedFrame(text: string, mode: 'garbage' | 'truncated-json' | 'truncated-frame'): Buffer {
  if (mode === 'garbage') return wsTextFrame(`${text.slice(0, 12)}\u0000garbage}{`);
  if (mode === 'truncated-json') return wsTextFrame(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
  // A frame header announcing the full length followed by half the bytes: the peer's parser
  // waits for the rest, and the next frame's bytes corrupt it.
  const full = wsTextFrame(text);
  return full.subarray(0, Math.max(3, Math.floor(full.length / 2)));
}

/** Close with any code: 1005/1006/1015 cannot travel in a close frame, so they become a reset. */
export function closeClient(c: SimClient, code: number, reason: string): void {
  if (code === 1005 || code === 1006 || code === 1015 || code < 1000) {
    c.socket.destroy();
    return;
  }
  try {
    c.ws.close(code, reason.slice(0, 120));
  } catch {
    c.socket.destroy(); // a code ws refuses to put on the wire (e.g. 1004, 2000)
  }
}
