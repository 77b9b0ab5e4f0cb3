/**
 * A loopback TCP proxy to make a shared server (PostgreSQL, NATS) unreachable for one test
 * without touching the server: 'forward' pipes to the target, 'refuse' closes the listener
 * (connection refused), 'blackhole' accepts and never answers (a hung network).
 */
import { connect as netConnect, createConnection, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private mode: ProxyMode = 'forward';
  port = 0;

  constructor(private readonly targetPort: number, private readonly targetHost = '127.0.0.1') {}

  async start(): Promise<number> {
    await this.listen(0);
    return this.port;
  }

  /** Switches behaviour; existing connections are cut so clients notice at once. */
  async set(mode: ProxyMode): Promise<void> {
    this.mode = mode;
    this.cutAll();
    if (mode === 'refuse') await this.closeServer();
    else if (!this.server) await this.listen(this.port);
  }

  /** Outage: connections are cut and the port refuses new ones. */
  refuse(): Promise<void> {
    return this.set('refuse');
  }

  /** Back: forwarding again on the same port. */
  forward(): Promise<void> {
    return this.set('forward');
  }

  async stop(): Promise<void> {
    this.cutAll();
    await this.closeServer();
  }

  private listen(port: number): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const a = server.address();
        if (a && typeof a === 'object') this.port = a.port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.mode !== 'forward') return; // blackhole: hold the socket, say nothing
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    this.sockets.add(upstream);
    upstream.on('close', () => { this.sockets.delete(upstream); client.destroy(); });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private cutAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private closeServer(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.close(() => resolve()));
  }
}

/** Resolves when `cond` holds, polling every `everyMs`; rejects with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, everyMs = 25): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True when something accepts TCP connections on host:port. */
export function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port });
    s.setTimeout(2_000, () => { s.destroy(); resolve(false); });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
