/**
 * One socket attempt: open (connect timeout), requests with acks (login, subscribe; paced by the
 * message bucket, each ack due within the handshake timeout), then live: heartbeat, venue pings
 * answered at once, data frames handed out synchronously. Everything the attempt owns (socket,
 * timers, pending acks) dies in end(); afterwards every callback of this socket is a no-op.
 */
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import type { FrameClass, Request, VenueProtocol, ClosePolicy } from './protocol.js';
import { ConnectionError, type ConnectionErrorCode } from './errors.js';
import type { TokenBucket } from './token-bucket.js';
import type { ErrorContext } from '../model/errors.js';

export type SocketFactory = (url: string, options: ClientOptions) => WebSocket;

export const defaultSocketFactory: SocketFactory = (url, options) => new WebSocket(url, options);

export interface SessionHooks {
  /** Every inbound frame (before classification); `bytes` of the payload. */
  frameIn(bytes: number, time: number): void;
  frameOut(bytes: number): void;
  /** A data frame of a live session. Synchronous: called from the socket's message handler. */
  data(text: string, stream: string | undefined, receiveTime: number, session: SocketSession): void;
  pingSent(): void;
  pong(rttMs: number, time: number): void;
  /** A venue error frame that does not end the session. */
  venueError(error: string): void;
  /** Data frames dropped because the pre-live buffer was full. */
  preLiveDropped(count: number): void;
}

export interface SessionSettings {
  readonly url: string;
  readonly protocol: VenueProtocol;
  readonly generation: number;
  readonly connectionKey: string;
  readonly heartbeatIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly preLiveBufferFrames: number;
  readonly maxPayloadBytes: number;
  readonly now: () => number;
  readonly socketFactory: SocketFactory;
  readonly messages: TokenBucket;
  readonly hooks: SessionHooks;
  /** URL without secrets, for errors. */
  readonly safeUrl: string;
}

export interface RequestOutcome {
  readonly request: Request;
  readonly ok: boolean;
  readonly error?: string;
}

/** Default policy of a refused upgrade when the venue gives none. */
export function defaultUpgradePolicy(status: number, headers: Readonly<Record<string, string | string[] | undefined>>): ClosePolicy {
  if (status === 429 || status === 418) {
    const raw = headers['retry-after'];
    const secs = Number(Array.isArray(raw) ? raw[0] : raw);
    return { action: 'rate_limited', retryAfterMs: Number.isFinite(secs) && secs > 0 ? secs * 1000 : 60_000, reason: `HTTP ${status}` };
  }
  if (status >= 400 && status < 500 && status !== 408) return { action: 'fatal', reason: `HTTP ${status}` };
  return { action: 'transient', reason: `HTTP ${status}` };
}

export class SocketSession {
  readonly generation: number;
  private ws: WebSocket | null = null;
  private readonly abort = new AbortController();
  private endError: ConnectionError | null = null;
  private resolveEnded!: (e: ConnectionError) => void;
  /** Resolves (never rejects) with the reason this session ended. */
  readonly ended: Promise<ConnectionError>;
  private readonly endedAsRejection: Promise<never>;
  private resolveSocketClosed!: () => void;
  private readonly socketClosed: Promise<void>;
  private live = false;
  private opened = false;
  private buffer: [string, string | undefined, number][] = [];
  private readonly acks = new Map<string, (c: { ok: boolean; error?: string }) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly intervals = new Set<NodeJS.Timeout>();
  private pingDeadline: NodeJS.Timeout | null = null;
  /** A ping waiting for a message token (the bucket was spent on requests). */
  private pingDeferred: NodeJS.Timeout | null = null;
  private pingSentAt = 0;
  private lastSocketError: Error | null = null;
  private cachedTime = 0;
  private timeCached = false;

  constructor(private readonly s: SessionSettings) {
    this.generation = s.generation;
    this.ended = new Promise((r) => (this.resolveEnded = r));
    this.endedAsRejection = this.ended.then((e) => Promise.reject(e));
    this.endedAsRejection.catch(() => {});
    this.socketClosed = new Promise((r) => (this.resolveSocketClosed = r));
  }

  get isLive(): boolean {
    return this.live && this.endError === null;
  }

  get endReason(): ConnectionError | null {
    return this.endError;
  }

  get isEnded(): boolean {
    return this.endError !== null;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** TCP + TLS + upgrade within `timeoutMs`. Rejects with the reason the session ended. */
  open(timeoutMs: number): Promise<void> {
    const { protocol } = this.s;
    const ws = this.s.socketFactory(this.s.url, { perMessageDeflate: false, maxPayload: this.s.maxPayloadBytes, autoPong: true });
    this.ws = ws;
    // Kept for the socket's whole life: an 'error' without listener would crash the process.
    ws.on('error', (err) => {
      this.lastSocketError = err;
    });
    ws.on('close', (code, reasonBuf) => {
      this.resolveSocketClosed();
      if (this.endError) return;
      const reason = reasonBuf.toString();
      if (!this.opened) {
        const cause = this.lastSocketError;
        this.end(this.error('E_CONNECT_FAILED', `connect failed${cause ? `: ${cause.message}` : ` (close ${code})`}`, { cause, context: { closeCode: code } }));
        return;
      }
      const policy = safePolicy(() => protocol.closePolicy(code, reason), code);
      const fatal = policy.action === 'fatal';
      this.end(this.error(fatal ? 'E_FATAL_CLOSE' : 'E_SOCKET_CLOSED', `socket closed by peer: ${code} ${reason || policy.reason}`.trim(), {
        policy,
        context: { closeCode: code, closeReason: reason.slice(0, 120) },
      }));
    });
    ws.on('unexpected-response', (req, res) => {
      const status = res.statusCode ?? 0;
      const headers = res.headers as Record<string, string | string[] | undefined>;
      const policy = safeUpgradePolicy(protocol, status, headers);
      res.resume();
      req.destroy();
      this.end(this.error('E_UPGRADE_REFUSED', `upgrade refused with HTTP ${status} (${policy.reason})`, { policy, context: { status } }));
    });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => this.onPong());
    const opened = new Promise<void>((resolve) => {
      ws.once('open', () => {
        if (this.endError) return;
        this.opened = true;
        resolve();
      });
    });
    this.timer(() => {
      if (!this.opened) this.end(this.error('E_CONNECT_TIMEOUT', `no upgrade within ${timeoutMs} ms`, { context: { timeoutMs } }));
    }, timeoutMs);
    return this.untilEnd(opened);
  }

  /**
   * Sends requests paced by the message bucket; each must be acked within `ackTimeoutMs` of its
   * sending or the session ends with `timeoutCode`. Refusals are returned, not thrown.
   */
  async request(requests: readonly Request[], ackTimeoutMs: number, timeoutCode: ConnectionErrorCode): Promise<RequestOutcome[]> {
    const pending: Promise<RequestOutcome>[] = [];
    for (const request of requests) {
      await this.untilEnd(this.s.messages.take(this.abort.signal));
      if (request.expectAck === false) {
        // The venue never acknowledges this request (EODHD subscribe): sent is done.
        this.send(request.payload);
        pending.push(Promise.resolve({ request, ok: true }));
        continue;
      }
      const acked = new Promise<RequestOutcome>((resolve) => {
        const t = this.timer(() => {
          this.acks.delete(request.id);
          this.end(this.error(timeoutCode, `no ack for request ${request.id} (${request.streams.slice(0, 5).join(',')}) within ${ackTimeoutMs} ms`, {
            context: { requestId: request.id, streams: request.streams.length, timeoutMs: ackTimeoutMs },
          }));
        }, ackTimeoutMs);
        this.acks.set(request.id, (c) => {
          this.clearTimer(t);
          resolve({ request, ok: c.ok, error: c.error });
        });
      });
      pending.push(acked);
      this.send(request.payload);
    }
    return this.untilEnd(Promise.all(pending));
  }

  /** All acks are in: hand out buffered data and start the heartbeat. */
  goLive(appPing: VenueProtocol['appPing']): void {
    if (this.endError || this.live) return;
    this.live = true;
    const buffered = this.buffer;
    this.buffer = [];
    for (const [text, stream, time] of buffered) {
      if (this.endError) return;
      this.s.hooks.data(text, stream, time, this);
    }
    this.interval(() => this.ping(() => this.ws?.ping()), this.s.heartbeatIntervalMs);
    if (appPing) this.interval(() => this.ping(() => this.send(appPing.message())), appPing.intervalMs);
  }

  /** Graceful close: close frame, wait up to `timeoutMs` for the peer, then destroy. */
  async close(code: number, reason: string, timeoutMs: number): Promise<{ timedOut: boolean }> {
    const ws = this.ws;
    const wasOpen = ws !== null && ws.readyState === WebSocket.OPEN;
    this.end(this.error('E_CLOSED', `closed locally: ${reason}`, { retryable: false }), false);
    if (!ws || !wasOpen) {
      ws?.terminate();
      return { timedOut: false };
    }
    ws.close(code, reason);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.socketClosed.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) ws.terminate();
    return { timedOut };
  }

  /** Ends the session: pending operations reject with `reason`, the socket is destroyed. */
  end(reason: ConnectionError, destroy = true): void {
    if (this.endError) return;
    this.endError = reason;
    this.live = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.intervals) clearInterval(t);
    this.intervals.clear();
    this.pingDeadline = null;
    this.pingDeferred = null;
    this.acks.clear();
    this.buffer = [];
    this.abort.abort(reason);
    if (destroy) this.ws?.terminate();
    this.resolveEnded(reason);
  }

  /** Sends without pacing (ping replies, app pings) or after a token was taken (requests). */
  send(text: string): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.endError) return;
    ws.send(text);
    this.s.hooks.frameOut(Buffer.byteLength(text));
  }

  /**
   * Receive time, read once per burst: frames parsed from one socket chunk are emitted in one
   * synchronous run and arrived together; a clock read costs ~0.2 µs on some VMs.
   */
  private receiveTime(): number {
    if (this.timeCached) return this.cachedTime;
    this.cachedTime = this.s.now();
    this.timeCached = true;
    queueMicrotask(this.expireTime);
    return this.cachedTime;
  }

  private readonly expireTime = (): void => {
    this.timeCached = false;
  };

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.endError) return;
    const time = this.receiveTime();
    const text = Buffer.isBuffer(data) ? data.toString() : Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data).toString();
    this.s.hooks.frameIn(isBinary || !Buffer.isBuffer(data) ? Buffer.byteLength(text) : data.length, time);
    let c: FrameClass;
    try {
      c = this.s.protocol.classify(text);
    } catch {
      c = { kind: 'ignore' };
    }
    switch (c.kind) {
      case 'data':
        if (this.live) this.s.hooks.data(text, c.stream, time, this);
        else if (this.buffer.length < this.s.preLiveBufferFrames) this.buffer.push([text, c.stream, time]);
        else this.s.hooks.preLiveDropped(1);
        return;
      case 'ack': {
        const done = this.acks.get(c.id);
        if (done) {
          this.acks.delete(c.id);
          done({ ok: c.ok, error: c.error });
        }
        return;
      }
      case 'pong':
        this.onPong();
        return;
      case 'ping':
        if (c.reply !== undefined) this.send(c.reply);
        return;
      case 'error':
        if (c.fatal) {
          this.end(this.error('E_VENUE_ERROR', `venue error: ${c.error}`, { policy: { action: 'fatal', reason: c.error } }));
        } else this.s.hooks.venueError(c.error);
        return;
      default:
        return;
    }
  }

  private ping(send: () => void): void {
    if (this.endError || this.pingDeadline || this.pingDeferred) return; // one outstanding ping at a time
    // Venues count ping frames in their message limit (Binance: ping, pong and JSON messages,
    // 5/s): a ping takes a token like a request, or waits for one instead of tripping close 1008.
    if (!this.s.messages.tryTake()) {
      this.pingDeferred = this.timer(() => {
        this.pingDeferred = null;
        this.ping(send);
      }, Math.max(1, this.s.messages.msUntilAvailable()));
      return;
    }
    this.pingSentAt = this.s.now();
    send();
    this.s.hooks.pingSent();
    const timeoutMs = this.s.pingTimeoutMs;
    this.pingDeadline = this.timer(() => {
      this.end(this.error('E_PING_TIMEOUT', `no pong within ${timeoutMs} ms (half-open socket)`, { context: { timeoutMs } }));
    }, timeoutMs);
  }

  private onPong(): void {
    if (this.endError) return;
    const time = this.s.now();
    if (this.pingDeadline) {
      this.clearTimer(this.pingDeadline);
      this.pingDeadline = null;
      this.s.hooks.pong(time - this.pingSentAt, time);
    } else this.s.hooks.pong(-1, time);
  }

  private untilEnd<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.endedAsRejection]);
  }

  private timer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private interval(fn: () => void, ms: number): void {
    this.intervals.add(setInterval(fn, ms));
  }

  private clearTimer(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  private error(code: ConnectionErrorCode, message: string, opts: { policy?: ClosePolicy; context?: ErrorContext; cause?: unknown; retryable?: boolean } = {}): ConnectionError {
    return new ConnectionError(code, `${this.s.protocol.name} ${this.s.connectionKey} (${this.s.safeUrl}): ${message}`, {
      ...opts,
      context: { venue: this.s.protocol.name, connectionKey: this.s.connectionKey, url: this.s.safeUrl, generation: this.generation, ...opts.context },
    });
  }
}

function safePolicy(fn: () => ClosePolicy, code: number): ClosePolicy {
  try {
    return fn();
  } catch {
    return { action: 'transient', reason: `close ${code}` };
  }
}

function safeUpgradePolicy(protocol: VenueProtocol, status: number, headers: Readonly<Record<string, string | string[] | undefined>>): ClosePolicy {
  try {
    return protocol.upgradePolicy?.(status, headers) ?? defaultUpgradePolicy(status, headers);
  } catch {
    return defaultUpgradePolicy(status, headers);
  }
}
