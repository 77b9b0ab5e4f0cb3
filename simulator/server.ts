/**
 * One HTTP server on one loopback port, routing by path prefix to the venues' WebSocket and
 * REST handlers and the admin API. Owns the listening socket, so it also carries out the
 * connection-level faults: refuse (port closed), restart (drop everything, come back on the
 * same port), delay/stall/reset of upgrades.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../src/observability/logger.js';
import type { FaultController, VenueId } from './faults.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;

interface HttpRoute { readonly prefix: string; readonly handle: HttpHandler }
interface WsRoute { readonly prefix: string; readonly venue: VenueId; readonly handle: UpgradeHandler }

export interface SimServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly faults: FaultController;
}

export class SimServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly stalled = new Set<Duplex>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly httpRoutes: HttpRoute[] = [];
  private readonly wsRoutes: WsRoute[] = [];
  private readonly dropHooks: Array<() => void> = [];
  private readonly host: string;
  private readonly logger: Logger;
  private readonly faults: FaultController;
  port: number;
  private closed = false;
  listening = false;

  constructor(opts: SimServerOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.logger = opts.logger;
    this.faults = opts.faults;
  }

  http(prefix: string, handle: HttpHandler): void {
    this.httpRoutes.push({ prefix, handle });
    this.httpRoutes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  ws(prefix: string, venue: VenueId, handle: UpgradeHandler): void {
    this.wsRoutes.push({ prefix, venue, handle });
    this.wsRoutes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Called by restart() so venues forget their clients. */
  onDropAll(hook: () => void): void {
    this.dropHooks.push(hook);
  }

  async listen(): Promise<number> {
    const server = createServer((req, res) => this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    this.server = server;
    this.listening = true;
    return this.port;
  }

  /** Stop accepting (ECONNREFUSED for new connections); established sockets stay. */
  async closeListener(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    this.listening = false;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      // close() waits for open connections; the listening handle is already gone, which is all we need.
      setImmediate(resolve);
    });
  }

  dropAllSockets(): void {
    for (const hook of this.dropHooks) hook();
    for (const s of this.stalled) s.destroy();
    this.stalled.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Refuse connections for `ms`, then listen again on the same port. */
  async refuseFor(ms: number): Promise<void> {
    await this.closeListener();
    await this.sleep(ms);
    if (!this.closed) await this.listenRetrying();
  }

  async restart(downMs: number): Promise<void> {
    await this.closeListener();
    this.dropAllSockets();
    await this.sleep(downMs);
    if (!this.closed) await this.listenRetrying();
  }

  private async listenRetrying(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.listen();
        return;
      } catch (err) {
        if (attempt >= 50 || this.closed) throw err;
        await this.sleep(20);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const s = this.server;
    this.server = null;
    this.dropAllSockets();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    const route = this.httpRoutes.find((r) => url.pathname === r.prefix || url.pathname.startsWith(`${r.prefix}/`));
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: -1, msg: `no route for ${url.pathname}` }));
      return;
    }
    Promise.resolve(route.handle(req, res, url)).catch((err: unknown) => {
      this.logger.warn({ err, path: url.pathname }, 'simulator http handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: -1000, msg: err instanceof Error ? err.message : String(err) }));
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    const route = this.wsRoutes.find((r) => url.pathname === r.prefix || url.pathname.startsWith(`${r.prefix}/`));
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const scope = { venue: route.venue, stream: url.pathname };
    const reset = this.faults.match('reset', scope);
    if (reset) {
      this.faults.consume(reset, url.pathname);
      socket.destroy();
      return;
    }
    const stall = this.faults.match('stall-upgrade', scope);
    if (stall) {
      this.faults.consume(stall, url.pathname);
      this.stalled.add(socket);
      socket.on('close', () => this.stalled.delete(socket));
      return;
    }
    const delay = this.faults.match('delay-upgrade', scope);
    if (delay) {
      this.faults.consume(delay, `${url.pathname} delayMs=${delay.delayMs ?? 0}`);
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (!socket.destroyed) route.handle(req, socket, head, url);
      }, delay.delayMs ?? 0);
      this.timers.add(t);
      return;
    }
    route.handle(req, socket, head, url);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Same as sendJson for a body already serialized (REST history pages built from templates). */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function readBody(req: IncomingMessage, maxBytes = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) throw new Error(`request body over ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
