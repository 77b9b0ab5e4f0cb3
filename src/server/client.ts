/**
 * Typed client for the downstream server (Node; uses `ws`). Reconnects with capped, jittered
 * exponential backoff and resumes every channel from its last (epoch, seq), so a consumer sees
 * each message once, in order, or is told explicitly why not (`resync`, `gap`).
 *
 *   const c = new TickgateClient({ url: 'ws://127.0.0.1:8080/ws', channels: ['trades.binance.BTCUSDT'] });
 *   c.on('data', (m) => ...); c.on('resync', (m) => ...);
 *   c.connect();
 *   for await (const ev of c.events()) ...   // or an async iterator of every event
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { serverClientDefaults } from '../config/defaults/server.js';
import { TickgateError } from '../model/errors.js';
import { isConflatable, isValidChannel } from './channels.js';
import type { BatchMessage, ChannelPosition, DataMessage, ErrorMessage, ResyncRequiredMessage, ServerMessage, SubscribedMessage, UpstreamGapMessage } from './protocol.js';

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * A hole in a channel: seqs `from..to` dropped for this client (`slow_consumer`, announced by the
 * server) or seen missing by the client (`missing`); or venue trades `fromTradeId..toTradeId`
 * declared unrecoverable upstream (`upstream`, in order with the data at its own `seq`).
 */
export type ClientGap =
  | { readonly channel: string; readonly from: number; readonly to: number; readonly reason: 'slow_consumer' | 'missing' }
  | UpstreamGapMessage;

export interface ClientStateChange {
  readonly state: ClientState;
  /** Close code and reason of the socket that ended (e.g. 1013 "connections"). */
  readonly code?: number;
  readonly reason?: string;
  /** Delay before the next attempt, when reconnecting. */
  readonly delayMs?: number;
}

export interface ClientEventMap<T = unknown> {
  data: DataMessage<T>;
  subscribed: SubscribedMessage;
  resync: ResyncRequiredMessage;
  gap: ClientGap;
  state: ClientStateChange;
  /** A request the server refused (invalid channel...). The connection stays up. */
  serverError: ErrorMessage;
}

export type ClientEvent<T = unknown> = { [K in keyof ClientEventMap<T>]: { readonly kind: K; readonly event: ClientEventMap<T>[K] } }[keyof ClientEventMap<T>];

export interface TickgateClientOptions {
  /** ws://host:port/ws */
  readonly url: string;
  /** Sent as `Authorization: Bearer`; never put in the URL. */
  readonly token?: string;
  readonly channels?: readonly string[];
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly reconnectFactor?: number;
  readonly reconnectJitter?: number;
  readonly iteratorMaxItems?: number;
  readonly random?: () => number;
  /**
   * Ask the server for batched frames (`?batch=1`: the messages of one server turn in one frame;
   * default true). Each message is still handled one by one, in order; a server that does not
   * batch sends single messages, which are read the same way.
   */
  readonly batch?: boolean;
}

export class ClientError extends TickgateError {
  constructor(code: 'E_CLIENT_ITERATOR_OVERFLOW' | 'E_CLIENT_CHANNEL', message: string) {
    super(code, message, { retryable: false });
  }
}

/** Delay before attempt n (0-based): initial·factor^n capped at max, ±jitter. */
export function backoffDelayMs(attempt: number, o: { initialMs: number; maxMs: number; factor: number; jitter: number }, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** attempt);
  return Math.max(0, Math.round(base * (1 + o.jitter * (2 * random() - 1))));
}

export class TickgateClient<T = unknown> {
  private readonly emitter = new EventEmitter();
  private readonly wanted = new Set<string>();
  /** Mutable per channel (one object per channel, not one per message); position() hands out copies. */
  private readonly positions = new Map<string, { epoch: number; seq: number }>();
  private readonly backoff: { initialMs: number; maxMs: number; factor: number; jitter: number };
  private readonly random: () => number;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private current: ClientState = 'idle';
  private closedByUser = false;

  constructor(private readonly options: TickgateClientOptions) {
    for (const ch of options.channels ?? []) this.want(ch);
    this.backoff = {
      initialMs: options.reconnectInitialMs ?? serverClientDefaults.reconnectInitialMs,
      maxMs: options.reconnectMaxMs ?? serverClientDefaults.reconnectMaxMs,
      factor: options.reconnectFactor ?? serverClientDefaults.reconnectFactor,
      jitter: options.reconnectJitter ?? serverClientDefaults.reconnectJitter,
    };
    this.random = options.random ?? Math.random;
    this.emitter.setMaxListeners(0);
  }

  get state(): ClientState { return this.current; }

  on<K extends keyof ClientEventMap<T>>(event: K, listener: (e: ClientEventMap<T>[K]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  once<K extends keyof ClientEventMap<T>>(event: K, listener: (e: ClientEventMap<T>[K]) => void): void {
    this.emitter.once(event, listener);
  }

  /** Last (epoch, seq) received on a channel. */
  position(channel: string): ChannelPosition | undefined {
    const p = this.positions.get(channel);
    return p === undefined ? undefined : { epoch: p.epoch, seq: p.seq };
  }

  connect(): void {
    if (this.ws || this.timer) return;
    this.closedByUser = false;
    this.open();
  }

  subscribe(channels: readonly string[]): void {
    const added = channels.filter((ch) => !this.wanted.has(ch));
    for (const ch of added) this.want(ch);
    if (added.length > 0) this.send({ op: 'subscribe', channels: added, resume: this.resumeFor(added) });
  }

  unsubscribe(channels: readonly string[]): void {
    const removed = channels.filter((ch) => this.wanted.delete(ch));
    for (const ch of removed) this.positions.delete(ch);
    if (removed.length > 0) this.send({ op: 'unsubscribe', channels: removed });
  }

  /** Stops reconnecting and closes the socket. */
  async close(): Promise<void> {
    this.closedByUser = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => { ws.once('close', () => resolve()); ws.close(1000); });
    }
    this.setState({ state: 'closed' });
  }

  /** Every event as an async iterator (bounded; throws E_CLIENT_ITERATOR_OVERFLOW if not read fast enough). */
  events(): AsyncIterableIterator<ClientEvent<T>> {
    const max = this.options.iteratorMaxItems ?? serverClientDefaults.iteratorMaxItems;
    const items: ClientEvent<T>[] = [];
    let waiting: ((r: IteratorResult<ClientEvent<T>>) => void) | null = null;
    let overflow = false;
    let done = false;
    const kinds = ['data', 'subscribed', 'resync', 'gap', 'state', 'serverError'] as const;
    const offs = kinds.map((kind) => this.on(kind, (event) => {
      const item = { kind, event } as ClientEvent<T>;
      if (waiting) { const w = waiting; waiting = null; w({ value: item, done: false }); return; }
      if (items.length >= max) overflow = true; else items.push(item);
    }));
    const finish = (): IteratorResult<ClientEvent<T>> => {
      done = true;
      for (const off of offs) off();
      return { value: undefined, done: true };
    };
    const it: AsyncIterableIterator<ClientEvent<T>> = {
      next: () => {
        if (items.length > 0) return Promise.resolve({ value: items.shift()!, done: false });
        if (overflow) { finish(); return Promise.reject(new ClientError('E_CLIENT_ITERATOR_OVERFLOW', `client event iterator fell ${max} events behind`)); }
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => { waiting = resolve; });
      },
      return: () => {
        const r = finish();
        if (waiting) { const w = waiting; waiting = null; w(r); }
        return Promise.resolve(r);
      },
      [Symbol.asyncIterator]() { return it; },
    };
    return it;
  }

  private want(ch: string): void {
    if (!isValidChannel(ch)) throw new ClientError('E_CLIENT_CHANNEL', `invalid channel "${ch}"`);
    this.wanted.add(ch);
  }

  private resumeFor(channels: readonly string[]): Record<string, ChannelPosition> | undefined {
    const r: Record<string, ChannelPosition> = {};
    let any = false;
    for (const ch of channels) {
      const p = this.positions.get(ch);
      if (p) { r[ch] = p; any = true; }
    }
    return any ? r : undefined;
  }

  private send(msg: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private setState(change: ClientStateChange): void {
    this.current = change.state;
    this.emitter.emit('state', change);
  }

  private open(): void {
    this.timer = null;
    const url = new URL(this.options.url);
    const venues = [...this.wanted].join(',');
    if (venues.length > 0 && venues.length < 2000) url.searchParams.set('channels', venues);
    if (this.options.batch !== false) url.searchParams.set('batch', '1');
    const headers: Record<string, string> = this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
    this.setState({ state: this.attempt === 0 ? 'connecting' : 'reconnecting' });
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      this.setState({ state: 'open' });
      const channels = [...this.wanted];
      if (channels.length > 0) this.send({ op: 'subscribe', channels, resume: this.resumeFor(channels) });
    });
    ws.on('message', (data) => this.onMessage(data.toString()));
    // A 'close' always follows an error; the error text (e.g. "Unexpected server response: 401") becomes its reason.
    let lastError = '';
    ws.on('error', (err) => { lastError = err.message; });
    let ended = false;
    ws.on('close', (code: number, reason: Buffer) => {
      if (ended) return;
      ended = true;
      if (this.ws === ws) this.ws = null;
      if (this.closedByUser) return;
      const delayMs = backoffDelayMs(this.attempt++, this.backoff, this.random);
      this.setState({ state: 'reconnecting', code, reason: reason.toString() || lastError, delayMs });
      this.timer = setTimeout(() => this.open(), delayMs);
    });
  }

  private onMessage(text: string): void {
    let m: ServerMessage<T> | BatchMessage<T>;
    try { m = JSON.parse(text) as ServerMessage<T> | BatchMessage<T>; } catch { return; }
    if (m.type !== 'batch') { this.handle(m); return; }
    if (!Array.isArray(m.messages)) return;
    for (const x of m.messages) this.handle(x);
  }

  private handle(m: ServerMessage<T>): void {
    switch (m.type) {
      case 'data': {
        if (!this.advance(m.channel, m.epoch, m.seq)) return;
        this.emitter.emit('data', m);
        return;
      }
      case 'subscribed':
        this.attempt = 0;
        this.positions.set(m.channel, { epoch: m.epoch, seq: m.seq });
        this.emitter.emit('subscribed', m);
        return;
      case 'resync_required':
        this.positions.set(m.channel, { epoch: m.epoch, seq: m.seq });
        this.emitter.emit('resync', m);
        return;
      case 'gap': {
        if (m.reason === 'upstream') {
          // An in-stream notice: it holds a seq of its own, like data.
          if (this.advance(m.channel, m.epoch, m.seq)) this.emitter.emit('gap', m satisfies ClientGap);
          return;
        }
        const p = this.positions.get(m.channel);
        if (p) this.positions.set(m.channel, { epoch: p.epoch, seq: Math.max(p.seq, m.to) });
        this.emitter.emit('gap', { channel: m.channel, from: m.from, to: m.to, reason: m.reason } satisfies ClientGap);
        return;
      }
      case 'error':
        this.emitter.emit('serverError', m);
        return;
      default:
        return;
    }
  }

  /** Moves a channel's position to (epoch, seq) of an in-stream message; false to skip it (unwanted or already seen). */
  private advance(channel: string, epoch: number, seq: number): boolean {
    if (!this.wanted.has(channel)) return false;
    const p = this.positions.get(channel);
    if (p && p.epoch === epoch) {
      if (seq <= p.seq) return false; // already seen (overlap after a resume)
      if (seq > p.seq + 1 && !isConflatable(channel)) {
        this.emitter.emit('gap', { channel, from: p.seq + 1, to: seq - 1, reason: 'missing' } satisfies ClientGap);
      }
      p.seq = seq;
      return true;
    }
    this.positions.set(channel, { epoch, seq });
    return true;
  }
}
