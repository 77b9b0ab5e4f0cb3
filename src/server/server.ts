/**
 * The downstream server: one HTTP server on one port serving the HTTP routes (http.ts) and the
 * WebSocket upgrade at /ws (protocol.ts). The gateway publishes with publish(channel, data).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { serverDefaults } from '../config/defaults/server.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { Admission } from './admission.js';
import { Authenticator, isLoopbackHost, pathOnly } from './auth.js';
import { ChannelHub, type ChannelInfo, type UpstreamGapFields } from './channel-hub.js';
import { tradesChannel } from './channels.js';
import type { TradeGap } from '../model/events.js';
import { ClientSession, type SessionInfo, type SessionTransport } from './client-session.js';
import { ServerError } from './errors.js';
import { FrameBatcher, wantsBatch } from './frame-batch.js';
import type { DownstreamServerOptions, DownstreamServerStats, ServerLimits } from './server-options.js';
import { WriteCoalescer } from './write-coalescer.js';
import { createHttpHandler, defaultVendorFiles, type HttpHandler } from './http.js';
import { CLOSE_GOING_AWAY, CLOSE_IDLE, CLOSE_SETUP_FAILED, CLOSE_TRY_AGAIN_LATER, type ChannelPosition } from './protocol.js';
import { declaredVenues, RequestHandler } from './requests.js';

export type { ConnectionSetupInfo, DownstreamServerOptions, DownstreamServerStats, ServerLimits, ServerMount } from './server-options.js';

/** Text frames from a Buffer without a copy: ws frames a Buffer as is. */
const TEXT_FRAME = { binary: false } as const;

export class DownstreamServer {
  readonly limits: ServerLimits;
  private readonly hub: ChannelHub;
  private readonly auth: Authenticator;
  private readonly admission: Admission;
  private readonly requests: RequestHandler;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly sessions = new Map<number, { session: ClientSession; ws: WebSocket }>();
  private readonly totals = { messagesSent: 0, bytesSent: 0, drops: 0, conflations: 0, gapNotices: 0 };
  private counts = { authRejections: 0, slowConsumerCloses: 0, heartbeatTerminations: 0, idleCloses: 0, connectionsAccepted: 0 };
  private nextId = 1;
  private http: Server | null = null;
  private wss: WebSocketServer | null = null;
  private timers: NodeJS.Timeout[] = [];
  private boundPort: number | null = null;
  /** One write per socket per turn of the event loop (batches flushed first). */
  private readonly writes = new WriteCoalescer();
  private readonly batchCounters = { batchFrames: 0, batchedMessages: 0 };

  constructor(private readonly options: DownstreamServerOptions = {}) {
    const { host, token, admission, http, staticDir, files, initialEpoch, serializer, logger, now, remoteAddress, onConnection, allowChannel, mounts, ...limits } = options;
    void admission; void http; void staticDir; void files; void onConnection; void mounts;
    const merged: ServerLimits = { ...serverDefaults, ...stripUndefined(limits), host: host ?? serverDefaults.host };
    for (const [k, v] of Object.entries(merged)) {
      if (k !== 'host' && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
        throw new ServerError('E_SERVER_OPTIONS', `server option ${k} must be a non-negative number, got ${String(v)}`, { context: { key: k } });
      }
    }
    if (!isLoopbackHost(merged.host) && !token) {
      throw new ServerError('E_SERVER_AUTH_REQUIRED',
        `refusing to bind ${merged.host}: a non-loopback host requires server.token (TICKGATE_TOKEN); bind 127.0.0.1 or set a token`,
        { context: { host: merged.host } });
    }
    this.limits = merged;
    this.now = now ?? Date.now;
    this.logger = logger ?? silentLogger();
    this.hub = new ChannelHub({
      ringCapacityMessages: merged.ringCapacityMessages, initialEpoch, serializer, allowChannel,
      maxChannels: merged.maxChannels, channelIdleMs: merged.channelIdleMs, now: this.now,
    });
    this.auth = new Authenticator(token, remoteAddress);
    this.admission = new Admission(merged, options.admission);
    const breakerOpen = admission?.breakerOpen?.bind(admission);
    this.requests = new RequestHandler(this.hub, merged, this.now, breakerOpen);
  }

  /** Publishes one message on a channel to every subscriber (never waits); returns its seq. */
  publish(channel: string, data: unknown): number {
    return this.hub.publish(channel, data);
  }

  /**
   * Announces a declared upstream trade gap on a channel, in order with its data (it takes the
   * next seq; see UpstreamGapMessage in protocol.ts). Returns its seq.
   */
  publishUpstreamGap(channel: string, gap: UpstreamGapFields): number {
    return this.hub.publishUpstreamGap(channel, gap);
  }

  /** Announces a model TradeGap on its trades.<venue>.<symbol> channel (see publishUpstreamGap). */
  publishTradeGap(gap: TradeGap): number {
    return this.hub.publishUpstreamGap(tradesChannel(gap.venue, gap.symbol), {
      source: gap.source, fromTradeId: gap.fromId, toTradeId: gap.toId, code: gap.reason, detail: gap.detail,
    });
  }

  /** Starts a new epoch on a channel; subscribers get resync_required(epoch_changed). */
  setEpoch(channel: string, epoch?: number): number {
    return this.hub.setEpoch(channel, epoch);
  }

  position(channel: string): ChannelPosition {
    return this.hub.position(channel);
  }

  /** Actual listening port (after start). */
  get port(): number {
    if (this.boundPort === null) throw new ServerError('E_SERVER_OPTIONS', 'server is not started');
    return this.boundPort;
  }

  get url(): string {
    const h = this.limits.host.includes(':') ? `[${this.limits.host}]` : this.limits.host;
    return `http://${h}:${this.port}`;
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.http) return { host: this.limits.host, port: this.port };
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxIncomingPayloadBytes, perMessageDeflate: false, clientTracking: false });
    const handler = createHttpHandler({
      providers: this.options.http ?? {},
      auth: this.auth,
      staticDir: this.options.staticDir,
      files: this.options.files ?? defaultVendorFiles(),
      jsonRoutes: { '/api/server': () => ({ stats: this.stats(), channels: this.channels(), clients: this.clients() }) },
      onError: (err, path) => this.logger.warn({ err, path }, 'http handler failed'),
    });
    const server = createServer(this.withMounts(handler));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(wss, req, socket as Socket, head));
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new ServerError('E_SERVER_LISTEN', `cannot listen on ${this.limits.host}:${this.limits.port}: ${err.message}`, { cause: err, context: { host: this.limits.host, port: this.limits.port } }));
      server.once('error', onError);
      server.listen(this.limits.port, this.limits.host, () => { server.off('error', onError); resolve(); });
    });
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : this.limits.port;
    this.http = server;
    this.wss = wss;
    const every = (ms: number, fn: () => void): void => { if (ms > 0) this.timers.push(setInterval(fn, ms).unref()); };
    every(this.limits.heartbeatIntervalMs, () => this.heartbeat());
    every(this.limits.cleanupIntervalMs, () => this.sweepIdle());
    every(this.limits.backlogTickMs, () => this.tickBacklogged());
    this.logger.info({ host: this.limits.host, port: this.boundPort, auth: this.auth.tokenRequired ? 'token' : 'loopback' }, 'downstream server listening');
    return { host: this.limits.host, port: this.boundPort };
  }

  /** Closes every client (1001) and the port. The channel state stays: start() again resumes it. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const server = this.http;
    if (!server) return;
    this.http = null;
    for (const { session, ws } of [...this.sessions.values()]) {
      session.close(CLOSE_GOING_AWAY, 'server shutting down');
      this.remove(session.id);
      ws.terminate();
    }
    this.wss?.close();
    this.wss = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.boundPort = null;
  }

  stats(): DownstreamServerStats {
    const t = { ...this.totals };
    let backlogged = 0;
    for (const { session } of this.sessions.values()) {
      const c = session.counters;
      t.messagesSent += c.messagesSent; t.bytesSent += c.bytesSent; t.drops += c.drops; t.conflations += c.conflations; t.gapNotices += c.gapNotices;
      if (session.backlogged) backlogged++;
    }
    const byChannel = this.hub.subscriptionsByChannel();
    return {
      clients: this.sessions.size,
      backloggedClients: backlogged,
      channels: this.hub.size,
      channelsCreated: this.hub.counters.channelsCreated,
      channelsFreed: this.hub.counters.channelsFreed,
      channelRefusals: { notServed: this.hub.counters.refusedNotServed, limit: this.hub.counters.refusedLimit, breakerOpen: this.requests.breakerRefusals },
      subscriptions: Object.values(byChannel).reduce((a, b) => a + b, 0),
      subscriptionsByChannel: byChannel,
      messagesPublished: this.hub.messagesPublished,
      ...this.batchCounters,
      deliveryFailures: this.hub.deliveryFailures,
      ...t,
      admissionRejections: this.admission.rejections(),
      ...this.counts,
      rateLimited: this.requests.rateLimited,
      rateLimitCloses: this.requests.rateLimitCloses,
    };
  }

  clients(): SessionInfo[] {
    return [...this.sessions.values()].map(({ session }) => session.info());
  }

  channels(): ChannelInfo[] {
    return this.hub.channelInfo();
  }

  /** Requests under a mount's prefix go to it after the same auth check as the API; the rest to `handler`. */
  private withMounts(handler: HttpHandler): HttpHandler {
    const mounts = this.options.mounts ?? [];
    if (mounts.length === 0) return handler;
    return (req, res) => {
      const mount = mounts.find((m) => m.owns(pathOnly(req.url)));
      if (mount === undefined) { handler(req, res); return; }
      const auth = this.auth.check(req);
      if (!auth.ok) {
        this.counts.authRejections++;
        res.writeHead(auth.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: auth.reason }));
        return;
      }
      mount.handleRequest(req, res);
    };
  }

  private onUpgrade(wss: WebSocketServer, req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = pathOnly(req.url);
    const mount = this.options.mounts?.find((m) => m.owns(path));
    if (path !== '/ws' && mount === undefined) { refuseUpgrade(socket, 404, 'Not Found'); return; }
    const auth = this.auth.check(req);
    if (!auth.ok) {
      this.counts.authRejections++;
      this.logger.warn({ peer: this.auth.peer(req), path, reason: auth.reason }, 'downstream connection refused');
      refuseUpgrade(socket, auth.status, auth.status === 401 ? 'Unauthorized' : 'Forbidden');
      return;
    }
    if (mount !== undefined) { mount.handleUpgrade(req, socket, head); return; }
    wss.handleUpgrade(req, socket, head, (ws) => this.onOpen(ws, req, socket));
  }

  private onOpen(ws: WebSocket, req: IncomingMessage, socket: Socket): void {
    const venues = declaredVenues(req.url);
    const decision = this.admission.check(this.sessions.size, venues);
    const peer = this.auth.peer(req);
    if (!decision.ok) {
      this.logger.warn({ peer, reason: decision.reason }, 'downstream connection refused by admission');
      ws.close(CLOSE_TRY_AGAIN_LATER, decision.closeReason);
      setTimeout(() => ws.terminate(), this.limits.closeGraceMs).unref();
      return;
    }
    const id = this.nextId++;
    let graceTimer: NodeJS.Timeout | undefined;
    // Opted in with ?batch=1: what is written this turn leaves as one frame (frame-batch.ts).
    const batcher = wantsBatch(req.url) ? new FrameBatcher((frame) => { if (ws.readyState === WebSocket.OPEN) ws.send(frame, TEXT_FRAME); }, this.batchCounters, { maxBytes: this.limits.batchMaxBytes, maxMessages: this.limits.batchMaxMessages }) : null;
    const transport: SessionTransport = {
      send: (frame) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        this.writes.cork(socket, typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);
        if (batcher === null) { ws.send(frame, TEXT_FRAME); return; }
        if (batcher.add(frame)) this.writes.addBatch(batcher);
      },
      // Bytes corked (or batched) this turn leave at setImmediate; up to one budget of them is a burst, not a backlog.
      bufferedAmount: () => Math.max(0, ws.bufferedAmount + (batcher?.pendingBytes ?? 0) - Math.min(this.writes.corkedBytes(socket), this.limits.maxSocketBufferedBytes)),
      close: (code, reason) => {
        // Closed by us: out of the hub and the count at once, not when the peer finishes closing.
        this.remove(id);
        // What was written before the close (e.g. an error) still leaves first.
        if (batcher !== null) { batcher.flush(); this.writes.dropBatch(batcher); }
        if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
        graceTimer = setTimeout(() => ws.terminate(), this.limits.closeGraceMs).unref();
      },
      terminate: () => ws.terminate(),
    };
    let session: ClientSession;
    try {
      session = new ClientSession(id, peer, transport, this.limits, this.now, () => {
        this.counts.slowConsumerCloses++;
        this.logger.warn({ id, peer }, 'downstream client closed: slow consumer');
      });
      this.sessions.set(id, { session, ws });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        this.requests.handle(session, data.toString());
      });
      ws.on('pong', () => { session.awaitingPong = false; session.lastActivityMs = this.now(); });
      ws.on('close', () => {
        clearTimeout(graceTimer);
        if (batcher !== null) { batcher.clear(); this.writes.dropBatch(batcher); }
        this.remove(id);
      });
      ws.on('error', (err) => this.logger.debug({ id, err: err.message }, 'downstream socket error'));
      socket.on('drain', () => session.drain());
      this.options.onConnection?.({ id, remoteAddress: peer, venues });
    } catch (err) {
      this.admission.countSetupFailure();
      this.remove(id);
      this.logger.error({ peer, err }, 'downstream connection setup failed');
      ws.close(CLOSE_SETUP_FAILED, 'setup failed');
      setTimeout(() => ws.terminate(), this.limits.closeGraceMs).unref();
      return;
    }
    this.counts.connectionsAccepted++;
    this.logger.debug({ id, peer }, 'downstream client connected');
  }

  private remove(id: number): void {
    const entry = this.sessions.get(id);
    if (!entry) return;
    this.sessions.delete(id);
    const { session } = entry;
    for (const ch of session.subscriptions) this.hub.unsubscribe(ch, session);
    const c = session.counters;
    this.totals.messagesSent += c.messagesSent; this.totals.bytesSent += c.bytesSent; this.totals.drops += c.drops;
    this.totals.conflations += c.conflations; this.totals.gapNotices += c.gapNotices;
    session.markClosed();
  }

  private heartbeat(): void {
    for (const { session, ws } of this.sessions.values()) {
      if (session.awaitingPong) {
        this.counts.heartbeatTerminations++;
        ws.terminate();
        continue;
      }
      session.awaitingPong = true;
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }
  }

  private sweepIdle(): void {
    const freed = this.hub.sweep();
    if (freed > 0) this.logger.debug({ freed, channels: this.hub.size }, 'idle channels freed');
    const now = this.now();
    for (const { session } of [...this.sessions.values()]) {
      if (session.subscriptions.size === 0 && now - session.lastActivityMs >= this.limits.idleTimeoutMs) {
        this.counts.idleCloses++;
        session.close(CLOSE_IDLE, 'idle');
      }
    }
  }

  private tickBacklogged(): void {
    for (const { session } of this.sessions.values()) if (session.backlogged) session.drain();
  }
}

function refuseUpgrade(socket: Socket, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroySoon?.();
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
