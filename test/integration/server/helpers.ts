import WebSocket from 'ws';
import { DownstreamServer, type DownstreamServerOptions } from '../../../src/server/server.js';
import type { ServerMessage } from '../../../src/server/protocol.js';

export type Msg = ServerMessage & { seq?: number; channel?: string; data?: unknown };

/** What the helpers opened, closed by closeAll() after each test (one teardown for every file). */
const opened = { servers: new Set<DownstreamServer>(), clients: new Set<RawClient>() };

export async function startServer(opts: DownstreamServerOptions = {}): Promise<DownstreamServer> {
  const s = new DownstreamServer({ host: '127.0.0.1', port: 0, ...opts });
  opened.servers.add(s);
  await s.start();
  return s;
}

/** Closes every client, then stops every server the helpers opened: `afterEach(closeAll)`. */
export async function closeAll(): Promise<void> {
  for (const c of opened.clients) c.close();
  opened.clients.clear();
  const servers = [...opened.servers];
  opened.servers.clear();
  await Promise.all(servers.map((s) => s.stop()));
}

/** A plain ws client that records every message and its close. */
export class RawClient {
  readonly messages: Msg[] = [];
  /** Frames that arrived as binary (the protocol is text frames only). */
  binaryFrames = 0;
  /** Frames received, and how many were batches (`?batch=1`); `messages` holds batches opened, in order. */
  frames = 0;
  batchFrames = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d, isBinary) => {
      if (isBinary) this.binaryFrames++;
      this.frames++;
      const m = JSON.parse(d.toString()) as Msg | { type: 'batch'; messages: Msg[] };
      if (m.type === 'batch') { this.batchFrames++; for (const x of (m as { messages: Msg[] }).messages) this.messages.push(x); } else this.messages.push(m as Msg);
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => { resolve({ code, reason: reason.toString() }); this.wake(); }));
    ws.on('error', () => { /* close follows */ });
  }

  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }

  send(msg: unknown): void { this.ws.send(JSON.stringify(msg)); }

  /** Resolves when pred holds over the received messages; rejects after timeoutMs with what was seen. */
  async waitFor(pred: (msgs: Msg[]) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.messages)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${this.messages.length} messages, last ${JSON.stringify(this.messages.at(-1))}`);
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 100).unref(); });
    }
  }

  data(channel?: string): Msg[] { return this.messages.filter((m) => m.type === 'data' && (channel === undefined || m.channel === channel)); }

  async subscribe(channels: string[], resume?: Record<string, { epoch: number; seq: number }>): Promise<void> {
    const before = this.messages.filter((m) => m.type === 'subscribed').length;
    this.send(resume ? { op: 'subscribe', channels, resume } : { op: 'subscribe', channels });
    await this.waitFor((ms) => ms.filter((m) => m.type === 'subscribed').length >= before + channels.length, 10_000, 'subscribed');
  }

  close(): void { this.ws.terminate(); }
}

export interface ConnectOptions { query?: string; headers?: Record<string, string>; path?: string }

/** Connects; resolves once open (or once closed, for refused connections: check `closed`). */
export function connect(server: DownstreamServer, o: ConnectOptions = {}): Promise<RawClient> {
  const url = `ws://127.0.0.1:${server.port}${o.path ?? '/ws'}${o.query ? `?${o.query}` : ''}`;
  const ws = new WebSocket(url, { headers: o.headers, perMessageDeflate: false });
  const c = new RawClient(ws);
  opened.clients.add(c);
  return new Promise((resolve) => {
    ws.once('open', () => resolve(c));
    void c.closed.then(() => resolve(c));
  });
}

/** Opens an upgrade and returns the HTTP status when it is refused (or 101). */
export function upgradeStatus(server: DownstreamServer, o: ConnectOptions = {}): Promise<number> {
  const url = `ws://127.0.0.1:${server.port}${o.path ?? '/ws'}${o.query ? `?${o.query}` : ''}`;
  const ws = new WebSocket(url, { headers: o.headers });
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); res.resume(); ws.terminate(); });
    ws.on('open', () => { resolve(101); ws.terminate(); });
    ws.on('error', () => { /* handled above */ });
  });
}

export function contiguous(seqs: number[], from: number): boolean {
  return seqs.every((s, i) => s === from + i);
}
