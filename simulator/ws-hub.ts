/**
 * Stream fan-out shared by the venues. A frame's JSON text is built once per publish, framed
 * once as an unmasked WebSocket text frame, and the same Buffer is queued to every subscriber;
 * each generator tick ends with one socket write per client (pre-framed batches). Faults that
 * act on delivery (silent, throttle, malformed, skip, repeat, stop-stream) are applied here.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { FaultController, VenueId } from './faults.js';

/** Build an unmasked, final, text WebSocket frame (RFC 6455 5.2). */
export function wsTextFrame(text: string): Buffer {
  // One allocation (small ones come from Node's pool) and one native write: this runs per frame.
  const len = Buffer.byteLength(text, 'utf8');
  const headerLen = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLen + len);
  writeHeader(out, 0x1, len);
  out.write(text, headerLen, len, 'utf8');
  return out;
}

function writeHeader(out: Buffer, opcode: number, len: number): void {
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = len;
  else if (len < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }
}

export function wsFrame(payload: Buffer, opcode: number): Buffer {
  const len = payload.length;
  const headerLen = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLen + len);
  writeHeader(out, opcode, len);
  payload.copy(out, headerLen);
  return out;
}

/**
 * The whole WebSocket frame of an ASCII text as a latin1 string (header bytes as chars), or null
 * when the text is not ASCII or too long for a 4-byte header: the hot path then costs one
 * string append per client instead of one Buffer per frame.
 */
/** Longest payload the text path frames (a 4-byte header covers < 65,536). */
const ASCII_FRAME_MAX = 60_000;

export function asciiFrame(text: string): string | null {
  const len = text.length;
  if (len >= 65_536 || Buffer.byteLength(text, 'utf8') !== len) return null;
  return frameText(text);
}

/** asciiFrame without the check (the caller knows the text is ASCII and < 65,536 chars). */
function frameText(text: string): string {
  const len = text.length;
  return len < 126 ? `\x81${String.fromCharCode(len)}${text}` : `\x81~${String.fromCharCode(len >> 8, len & 255)}${text}`;
}

let nextClientId = 1;
const NO_SCOPE = {};

export class SimClient {
  readonly id = nextClientId++;
  readonly streams = new Set<string>();
  /** Binance: wrap frames in {"stream","data"} (combined path or SET_PROPERTY combined). */
  combined = false;
  pending: Buffer[] = [];
  /** Pre-framed ASCII frames as latin1 text, appended (cheap string ropes) and encoded once per flush. */
  pendingText = '';
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
    this.takeText();
    this.pending.push(frame);
    this.pendingBytes += frame.length;
  }

  /** A frame from asciiFrame(): header + payload as latin1 text. */
  queueText(framed: string): void {
    this.pendingText += framed;
    this.pendingBytes += framed.length;
  }

  /** Move queued text into the Buffer list (keeps order with Buffer frames). */
  takeText(): void {
    if (this.pendingText.length === 0) return;
    this.pending.push(Buffer.from(this.pendingText, 'latin1'));
    this.pendingText = '';
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
    client.pending = [];
    client.pendingText = '';
    client.pendingBytes = 0;
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
    let set = this.subs.get(stream);
    if (!set) {
      set = new Set();
      this.subs.set(stream, set);
    }
    set.add(client);
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
  publish(stream: string, build: () => string, opts: { symbol?: string; sequenced?: boolean; buildCombined?: () => string } = {}): number {
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
    const set = this.subs.get(stream);
    if (!set || set.size === 0) return times;
    const data = build();
    // Hot path: no fault can touch delivery and the frame is ASCII (all generated data is), so
    // each client gets one string append; anything else takes the Buffer path below.
    if (!faulty && data.length < ASCII_FRAME_MAX && Buffer.byteLength(data, 'utf8') === data.length) {
      let rawT: string | undefined;
      let wrappedT: string | undefined;
      for (const c of set) {
        if (c.silent) continue;
        // data is ASCII and short (checked once above); the envelope adds only ASCII.
        const t = this.envelope && c.combined
          ? (wrappedT ??= frameText(opts.buildCombined ? opts.buildCombined() : `{"stream":"${stream}","data":${data}}`))
          : (rawT ??= frameText(data));
        for (let i = 0; i < times; i++) c.queueText(t);
        this.counters.framesQueued += times;
      }
      return times;
    }
    return this.publishBuffers(set, stream, data, times, opts, scope, faulty);
  }

  private publishBuffers(set: Set<SimClient>, stream: string, data: string, times: number, opts: { buildCombined?: () => string }, scope: object, faulty: boolean): number {
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
    client.queue(wsTextFrame(text));
  }

  /** Write every client's queued frames in one socket write each. */
  flush(): void {
    const now = this.now();
    for (const c of this.clients) {
      if (c.pendingBytes === 0 || c.closed) continue;
      if (c.silent) {
        c.pending = [];
        c.pendingText = '';
        c.pendingBytes = 0;
        continue;
      }
      c.takeText();
      const sock = c.socket;
      if (sock.destroyed) continue;
      if (sock.writableLength > this.maxBufferedBytes) {
        this.counters.slowConsumersDropped++;
        c.ws.terminate();
        continue;
      }
      let toWrite = c.pending;
      const throttle = this.faults.size > 0 ? this.faults.match('throttle', { venue: this.venue }) : undefined;
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
