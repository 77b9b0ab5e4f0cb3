/**
 * Binance WebSocket endpoints: /ws/<stream>, /ws/<listenKey>, /stream?streams=a/b (combined
 * envelope) and raw /ws with SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY /
 * GET_PROPERTY. Server ping every pingIntervalMs, drop without pong within pongTimeoutMs,
 * lifetime, 5 incoming msgs/s (close 1008), 1024 streams per connection.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { FaultController } from '../faults.js';
import { SimClient, type StreamHub } from '../ws-hub.js';
import { UserDataStreams } from './user-data.js';
import type { BinanceVenue } from './venue.js';

export interface BinanceWsOptions {
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly lifetimeMs: number;
  readonly maxIncomingPerS: number;
  readonly maxStreams: number;
}

export class BinanceWs {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: false, maxPayload: 64 * 1024 });
  private readonly hub: StreamHub;
  private pingTimer: NodeJS.Timeout | null = null;
  private readonly prefix: string;

  constructor(
    private readonly venue: BinanceVenue,
    private readonly faults: FaultController,
    private readonly users: UserDataStreams | null,
    private readonly opts: BinanceWsOptions,
    private readonly now: () => number,
  ) {
    this.hub = venue.hub;
    this.prefix = venue.venue === 'binance' ? '/binance' : '/binance-futures';
    this.pingTimer = setInterval(() => this.heartbeat(), Math.max(10, Math.min(opts.pingIntervalMs, 1000)));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const rest = url.pathname.slice(this.prefix.length);
    let streams: string[] = [];
    let combined = false;
    let listenKey: string | null = null;
    if (rest === '/stream') {
      combined = true;
      streams = (url.searchParams.get('streams') ?? '').split('/').filter((s) => s.length > 0);
    } else if (rest.startsWith('/ws/')) {
      const name = decodeURIComponent(rest.slice(4));
      if (this.users && UserDataStreams.isListenKey(name)) {
        if (!this.users.valid(name)) {
          socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        listenKey = name;
      } else streams = name.split('/').filter((s) => s.length > 0);
    } else if (rest !== '/ws' && rest !== '/ws/') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (streams.length > this.opts.maxStreams) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client = new SimClient(this.venue.venue, ws, socket, this.now(), url.pathname);
      client.combined = combined;
      if (this.faults.match('silent', { venue: this.venue.venue })) client.silent = true;
      this.hub.add(client);
      for (const s of streams) this.hub.subscribe(client, s);
      if (listenKey && this.users) this.users.attach(listenKey, client);
      this.wire(client, ws);
    });
  }

  private wire(client: SimClient, ws: WebSocket): void {
    ws.on('close', () => this.hub.remove(client));
    ws.on('error', () => this.hub.remove(client));
    ws.on('ping', (data) => {
      if (!this.countIncoming(client)) return;
      if (client.silent || this.faults.match('no-pong', { venue: this.venue.venue })) return;
      ws.pong(data);
    });
    ws.on('pong', () => {
      client.lastPongAtMs = this.now();
      this.countIncoming(client);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!this.countIncoming(client) || client.silent) return;
      if (isBinary) return;
      this.onRequest(client, ws, rawToString(data));
    });
  }

  /** Records an incoming message; closes with 1008 over the per-second limit. */
  private countIncoming(client: SimClient): boolean {
    const now = this.now();
    client.incoming.push(now);
    while ((client.incoming[0] ?? now) <= now - 1000) client.incoming.shift();
    if (client.incoming.length > this.opts.maxIncomingPerS) {
      client.ws.close(1008, 'Too many requests');
      this.hub.remove(client);
      return false;
    }
    return true;
  }

  private reply(client: SimClient, ws: WebSocket, body: unknown): void {
    if (client.silent) return;
    ws.send(JSON.stringify(body));
  }

  private onRequest(client: SimClient, ws: WebSocket, text: string): void {
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch {
      this.reply(client, ws, { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null });
      return;
    }
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      this.reply(client, ws, { error: { code: 2, msg: 'Invalid request: request must be an object' }, id: null });
      return;
    }
    const r = req as Record<string, unknown>;
    const id = r.id;
    const idOk = id === null || (typeof id === 'number' && Number.isInteger(id) && id >= 0) || (typeof id === 'string' && /^[A-Za-z0-9-_]{1,36}$/.test(id));
    if (!idOk) {
      this.reply(client, ws, { error: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' }, id: null });
      return;
    }
    for (const key of Object.keys(r)) {
      if (key !== 'method' && key !== 'params' && key !== 'id') {
        this.reply(client, ws, { error: { code: 0, msg: `Unknown property: ${key}` }, id });
        return;
      }
    }
    const params = r.params ?? [];
    switch (r.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (!Array.isArray(params) || !params.every((p): p is string => typeof p === 'string')) {
          this.reply(client, ws, { error: { code: 2, msg: 'Invalid request: invalid type: expected a sequence of strings for "params"' }, id });
          return;
        }
        if (r.method === 'SUBSCRIBE') {
          const adding = params.filter((p) => !client.streams.has(p));
          if (client.streams.size + adding.length > this.opts.maxStreams) {
            this.reply(client, ws, { error: { code: 2, msg: `Invalid request: too many streams (max ${this.opts.maxStreams} per connection)` }, id });
            return;
          }
          const bad = params.find((p) => !this.venue.isKnownStream(p));
          if (bad !== undefined) {
            this.reply(client, ws, { error: { code: 2, msg: `Invalid request: unknown stream ${bad}` }, id });
            return;
          }
          for (const p of params) this.hub.subscribe(client, p);
        } else for (const p of params) this.hub.unsubscribe(client, p);
        this.reply(client, ws, { result: null, id });
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        this.reply(client, ws, { result: [...client.streams], id });
        return;
      case 'SET_PROPERTY':
        if (Array.isArray(params) && params[0] === 'combined' && typeof params[1] === 'boolean') {
          client.combined = params[1];
          this.reply(client, ws, { result: null, id });
        } else this.reply(client, ws, { error: { code: 1, msg: 'Invalid value type: expected Boolean' }, id });
        return;
      case 'GET_PROPERTY':
        if (Array.isArray(params) && params[0] === 'combined') this.reply(client, ws, { result: client.combined, id });
        else this.reply(client, ws, { error: { code: 2, msg: 'Invalid request: unknown property' }, id });
        return;
      default:
        this.reply(client, ws, { error: { code: 2, msg: `Invalid request: unknown variant \`${String(r.method)}\`, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\`` }, id });
    }
  }

  /** Ping every pingIntervalMs; drop clients silent past pongTimeoutMs or older than lifetimeMs. */
  private heartbeat(): void {
    const now = this.now();
    for (const c of this.hub.clients) {
      if (now - c.connectedAtMs >= this.opts.lifetimeMs) {
        c.ws.close(1000, 'connection lifetime reached');
        this.hub.remove(c);
        continue;
      }
      // A half-open (silent) socket must stay open: the simulator plays dead, it does not hang up.
      if (!c.silent && now - c.lastPongAtMs >= this.opts.pongTimeoutMs) {
        c.ws.terminate();
        this.hub.remove(c);
        continue;
      }
      if (!c.silent && now - c.lastPingAtMs >= this.opts.pingIntervalMs) {
        c.lastPingAtMs = now;
        c.ws.ping(String(now));
      }
    }
  }

  closeAll(code: number, reason: string, filter: (c: SimClient) => boolean = () => true): number {
    return this.hub.closeAll(code, reason, filter);
  }

  dropAll(): void {
    this.hub.dropAll();
  }

  close(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.hub.terminateAll();
    this.wss.close();
  }
}

export function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

