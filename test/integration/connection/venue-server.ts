/**
 * Loopback WebSocket server for the test venue, with faults the tests switch on: refuse or stall
 * the upgrade, never ack, stop answering pings, close with a code, restart on the same port.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { EventEmitter, once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';

export interface ServerClient {
  readonly ws: WebSocket;
  readonly streams: Set<string>;
  readonly received: string[];
}

export type UpgradeMode = 'accept' | 'stall' | 'partial' | { status: number; headers?: Record<string, string> };

export class VenueServer extends EventEmitter {
  port = 0;
  upgrade: UpgradeMode = 'accept';
  ackSubscribes = true;
  ackLogin = true;
  answerPings = true;
  refuseStreams = new Set<string>();
  readonly clients = new Set<ServerClient>();
  /** Every subscribe request seen, in order, across restarts. */
  readonly subscribeLog: string[][] = [];
  upgrades = 0;
  private http: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly rawSockets = new Set<Socket>();

  async start(port = this.port): Promise<this> {
    const wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
    const http = createServer((_req, res) => res.writeHead(404).end());
    http.on('connection', (s: Socket) => {
      this.rawSockets.add(s);
      s.on('close', () => this.rawSockets.delete(s));
    });
    http.on('upgrade', (req, socket, head) => {
      this.upgrades++;
      this.emit('event');
      const mode = this.upgrade;
      if (mode === 'stall') return;
      if (mode === 'partial') {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n');
        return;
      }
      if (typeof mode === 'object') {
        const headers = Object.entries(mode.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        socket.end(`HTTP/1.1 ${mode.status} Refused\r\n${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.onClient(ws));
    });
    http.listen(port, '127.0.0.1');
    await once(http, 'listening');
    const addr = http.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    this.http = http;
    this.wss = wss;
    return this;
  }

  /** Stops listening and drops every socket (clients see 1006). */
  async stop(): Promise<void> {
    const http = this.http;
    this.http = null;
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    for (const s of this.rawSockets) s.destroy();
    this.rawSockets.clear();
    this.wss?.close();
    this.wss = null;
    if (http) await new Promise<void>((r) => http.close(() => r()));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.port);
  }

  publish(stream: string, data: unknown = {}): number {
    let n = 0;
    const text = `{"stream":"${stream}","data":${JSON.stringify(data)}}`;
    for (const c of this.clients) {
      if (c.streams.has(stream) && c.ws.readyState === WebSocket.OPEN) {
        c.ws.send(text);
        n++;
      }
    }
    return n;
  }

  closeAll(code: number, reason = ''): void {
    for (const c of this.clients) c.ws.close(code, reason);
  }

  terminateAll(): void {
    for (const c of this.clients) c.ws.terminate();
  }

  openClients(): number {
    let n = 0;
    for (const c of this.clients) if (c.ws.readyState === WebSocket.OPEN) n++;
    return n;
  }

  /** Resolves when `pred` holds, checked after every server event. */
  async waitFor(pred: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (pred()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('VenueServer.waitFor timed out'));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('event', check);
      };
      this.on('event', check);
    });
  }

  private onClient(ws: WebSocket): void {
    const client: ServerClient = { ws, streams: new Set(), received: [] };
    this.clients.add(client);
    ws.on('ping', (data) => {
      if (this.answerPings) ws.pong(data);
    });
    ws.on('message', (raw) => {
      const text = raw.toString();
      client.received.push(text);
      const m = JSON.parse(text) as { op: string; id?: string; args?: string[] };
      if (m.op === 'ping') {
        if (this.answerPings) ws.send('{"op":"pong"}');
      } else if (m.op === 'login') {
        if (this.ackLogin) ws.send(JSON.stringify({ id: m.id, ok: true }));
      } else if (m.op === 'subscribe') {
        const args = m.args ?? [];
        this.subscribeLog.push(args);
        const refused = args.filter((a) => this.refuseStreams.has(a));
        if (refused.length > 0) ws.send(JSON.stringify({ id: m.id, ok: false, error: `unknown stream ${refused.join(',')}` }));
        else {
          for (const a of args) client.streams.add(a);
          if (this.ackSubscribes) ws.send(JSON.stringify({ id: m.id, ok: true }));
        }
      } else if (m.op === 'unsubscribe') {
        for (const a of m.args ?? []) client.streams.delete(a);
        ws.send(JSON.stringify({ id: m.id, ok: true }));
      }
      this.emit('event');
    });
    ws.on('close', () => {
      this.clients.delete(client);
      this.emit('event');
    });
    ws.on('error', () => {});
    this.emit('event');
  }
}

export async function startVenueServer(): Promise<VenueServer> {
  return new VenueServer().start(0);
}

/** A port with nothing listening (bound, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const addr = s.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
