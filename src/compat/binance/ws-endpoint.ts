/**
 * The WebSocket side of the Binance endpoint: `<prefix>/ws`, `<prefix>/ws/<stream>[/<stream>]`
 * and `<prefix>/stream?streams=a/b` (combined envelope; a URL name that is no stream is ignored,
 * as Binance does with ccxt's `/ws/<n>`), the live requests, Binance's limits
 * (incoming messages per second, streams per connection, payload size), its server pings with
 * a pong timeout, and the connection lifetime. Streams are held upstream through UpstreamDemand.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../../observability/logger.js';
import { CompatError, WS_ERR } from './errors.js';
import type { StreamHub } from './hub.js';
import { errorFrame, parseRequest, resultFrame, type StreamRequest } from './requests.js';
import { CompatSession, type DropReason } from './session.js';
import { ALL_SYMBOLS, parseStream, SPOT_STREAM_RULES, upstreamStreamOf, type StreamRules, type StreamSpec } from './streams.js';
import type { UpstreamDemand } from './upstream-demand.js';

export interface WsEndpointOptions {
  readonly prefix: string;
  readonly maxStreamsPerConnection: number;
  readonly maxIncomingMessagesPerSec: number;
  readonly maxConnections: number;
  readonly maxStreamsTotal: number;
  readonly connectionLifetimeMs: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly maxIncomingPayloadBytes: number;
  readonly maxSocketBufferedBytes: number;
  readonly klineSource: 'trade' | 'aggTrade';
  /** The dialect's stream names (default spot's). */
  readonly streamRules?: StreamRules;
  /** Path segments accepted before /ws and /stream (USD-M's '/public', '/market'); default ''. */
  readonly wsCategories?: readonly string[];
  /** Resolves true when the venue lists the symbol (upper case). */
  readonly isListed: (symbol: string) => Promise<boolean>;
  readonly logger: Logger;
  readonly now: () => number;
}

export class WsEndpoint {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<CompatSession>();
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  readonly counters = { connections: 0, refused: 0, requests: 0, errors: 0, drops: { slow: 0, rate: 0, pong_timeout: 0, lifetime: 0, payload: 0, shutdown: 0 } as Record<DropReason, number> };

  constructor(private readonly opts: WsEndpointOptions, private readonly hub: StreamHub, private readonly demand: UpstreamDemand) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: opts.maxIncomingPayloadBytes });
  }

  start(): void {
    this.timer ??= setInterval(() => this.heartbeat(), Math.max(10, Math.min(this.opts.pingIntervalMs, 1_000)));
    this.timer.unref?.();
  }

  get clients(): number {
    return this.sessions.size;
  }

  /** Paths this endpoint upgrades; anything else under the prefix is a 404. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let rest = url.pathname.slice(this.opts.prefix.length);
    // USD-M's split hosts (`/public/ws`, `/market/ws`, what ccxt now builds) serve every stream here.
    const category = (this.opts.wsCategories ?? []).find((c) => c !== '' && (rest === `${c}/stream` || rest === `${c}/ws` || rest.startsWith(`${c}/ws/`)));
    if (category !== undefined) rest = rest.slice(category.length);
    let names: string[] = [];
    let combined = false;
    if (rest === '/stream') {
      combined = true;
      names = (url.searchParams.get('streams') ?? '').split('/').filter((s) => s.length > 0);
    } else if (rest.startsWith('/ws/')) {
      names = decodeURIComponent(rest.slice(4)).split('/').filter((s) => s.length > 0);
    } else if (rest !== '/ws') return refuse(socket, 404, 'Not Found');
    if (this.sessions.size >= this.opts.maxConnections) {
      this.counters.refused++;
      return refuse(socket, 503, 'Service Unavailable');
    }
    if (names.length > this.opts.maxStreamsPerConnection) return refuse(socket, 400, 'Bad Request');
    // A name in the URL that is no stream (ccxt appends a connection number: /ws/1) or names an
    // unlisted symbol opens a connection that carries nothing for it, as Binance's does.
    const specs: StreamSpec[] = [];
    for (const n of new Set(names)) {
      const spec = this.parse(n);
      if (spec !== null && (spec.symbol === ALL_SYMBOLS || (await this.opts.isListed(spec.symbol)))) specs.push(spec);
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = this.open(ws, combined);
      if (specs.length > 0) session.chain = session.chain.then(() => this.subscribe(session, specs)).catch((err: unknown) => this.logRequestError(err));
    });
  }

  private parse(name: string): StreamSpec | null {
    return parseStream(name, this.opts.streamRules ?? SPOT_STREAM_RULES);
  }

  private open(ws: WebSocket, combined: boolean): CompatSession {
    const limits = { maxIncomingMessagesPerSec: this.opts.maxIncomingMessagesPerSec, maxSocketBufferedBytes: this.opts.maxSocketBufferedBytes };
    const session = new CompatSession(this.nextId++, ws, combined, this.opts.now(), limits, (s, why) => this.onDrop(s, why));
    this.sessions.add(session);
    this.counters.connections++;
    ws.on('close', (code) => {
      if (code === 1009) this.counters.drops.payload++;
      this.closeSession(session);
    });
    ws.on('error', () => this.closeSession(session));
    ws.on('ping', () => { session.countIncoming(this.opts.now()); });
    ws.on('pong', () => {
      session.lastPongAtMs = this.opts.now();
      session.countIncoming(this.opts.now());
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!session.countIncoming(this.opts.now()) || isBinary) return;
      const text = rawToString(data);
      session.chain = session.chain.then(() => this.onRequest(session, text)).catch((err: unknown) => this.logRequestError(err));
    });
    return session;
  }

  private async onRequest(session: CompatSession, text: string): Promise<void> {
    if (session.closed) return;
    this.counters.requests++;
    const parsed = parseRequest(text);
    if (!parsed.ok) {
      this.counters.errors++;
      session.send(errorFrame(parsed.error, parsed.id));
      return;
    }
    const r: StreamRequest = parsed.request;
    try {
      switch (r.method) {
        case 'SUBSCRIBE': {
          const specs: StreamSpec[] = [];
          for (const p of r.params) {
            const spec = this.parse(p);
            if (spec === null) throw WS_ERR.invalidRequest(`invalid stream name ${p}`);
            specs.push(spec);
          }
          for (const s of specs) if (s.symbol !== ALL_SYMBOLS && !(await this.opts.isListed(s.symbol))) throw WS_ERR.invalidRequest(`invalid symbol ${s.symbol}`);
          await this.subscribe(session, specs);
          session.send(resultFrame(null, r.id));
          return;
        }
        case 'UNSUBSCRIBE':
          for (const p of r.params) this.unsubscribe(session, p);
          session.send(resultFrame(null, r.id));
          return;
        case 'LIST_SUBSCRIPTIONS':
          session.send(resultFrame([...session.streams], r.id));
          return;
        case 'SET_PROPERTY':
          session.combined = r.combined;
          session.send(resultFrame(null, r.id));
          return;
        case 'GET_PROPERTY':
          session.send(resultFrame(session.combined, r.id));
          return;
      }
    } catch (err) {
      if (!(err instanceof CompatError)) throw err;
      this.counters.errors++;
      session.send(errorFrame(err, r.id));
    }
  }

  /** Adds streams not yet subscribed (a repeated one is a no-op); all or nothing. */
  private async subscribe(session: CompatSession, specs: readonly StreamSpec[]): Promise<void> {
    const fresh = [...new Map(specs.filter((s) => !session.streams.has(s.name)).map((s) => [s.name, s])).values()];
    if (session.streams.size + fresh.length > this.opts.maxStreamsPerConnection) {
      throw WS_ERR.invalidRequest(`too many streams: at most ${this.opts.maxStreamsPerConnection} per connection`);
    }
    if (this.hub.size + fresh.filter((s) => !this.hub.has(s.name)).length > this.opts.maxStreamsTotal) {
      throw WS_ERR.invalidRequest(`too many streams on this server (${this.opts.maxStreamsTotal})`);
    }
    const taken: string[] = [];
    try {
      for (const s of fresh) {
        const up = upstreamStreamOf(s, this.opts.klineSource);
        if (up === null) continue;
        await this.demand.acquire(up);
        taken.push(up);
      }
    } catch (err) {
      for (const up of taken) this.demand.release(up);
      throw err;
    }
    if (session.closed) {
      for (const up of taken) this.demand.release(up);
      return;
    }
    for (const s of fresh) this.hub.add(session, s);
  }

  private unsubscribe(session: CompatSession, name: string): void {
    if (!session.streams.has(name)) return;
    const spec = this.parse(name)!;
    this.hub.remove(session, name);
    const up = upstreamStreamOf(spec, this.opts.klineSource);
    if (up !== null) this.demand.release(up);
  }

  private closeSession(session: CompatSession): void {
    if (!this.sessions.delete(session)) return;
    session.closed = true;
    for (const name of [...session.streams]) this.unsubscribe(session, name);
  }

  private onDrop(session: CompatSession, why: DropReason): void {
    this.counters.drops[why]++;
    this.opts.logger.info({ client: session.id, why, streams: session.streams.size }, 'compat client dropped');
    this.closeSession(session);
  }

  private heartbeat(): void {
    const now = this.opts.now();
    for (const s of [...this.sessions]) {
      if (now - s.connectedAtMs >= this.opts.connectionLifetimeMs) s.drop('lifetime', 1000, 'connection lifetime reached');
      else if (now - s.lastPongAtMs >= this.opts.pongTimeoutMs) s.drop('pong_timeout');
      else if (now - s.lastPingAtMs >= this.opts.pingIntervalMs) {
        s.lastPingAtMs = now;
        s.ws.ping(String(now));
      }
    }
  }

  private logRequestError(err: unknown): void {
    this.opts.logger.warn({ err: { message: (err as Error).message } }, 'compat request failed');
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const s of [...this.sessions]) s.drop('shutdown', 1001, 'server shutting down');
    this.wss.close();
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
