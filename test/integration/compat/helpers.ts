/**
 * Shared fixture of the compat tests: the simulator + a gateway pointed at it (startDemo) with the
 * Binance-compatible endpoint on the gateway's port, and a small Binance stream client over a real
 * WebSocket that records frames and answers requests by id.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { startDemo, type Demo } from '../../../src/gateway/demo.js';
import type { PlainObject } from '../../../src/config/layers.js';
import { deepMerge } from '../../../src/config/layers.js';
import { FAST_CONNECTION, tempDir, waitFor } from '../gateway/helpers.js';

export { waitFor } from '../gateway/helpers.js';

export interface CompatDemo {
  readonly demo: Demo;
  /** http://127.0.0.1:P/binance */
  readonly rest: string;
  /** ws://127.0.0.1:P/binance */
  readonly ws: string;
  /** http://127.0.0.1:P/binance-futures and ws://127.0.0.1:P/binance-futures (USD-M, when asked). */
  readonly futuresRest: string;
  readonly futuresWs: string;
  stop(): Promise<void>;
}

export interface CompatDemoOptions {
  /** Also carry USD-M (venue binanceFutures, BTCUSDT) with these streams. */
  readonly futuresStreams?: readonly string[];
}

/** A loopback port free right now (the simulator's, so the futures venue URL is known up front). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Simulator with BTCUSDT and ETHUSDT; the gateway carries BTCUSDT only (ETHUSDT is on-demand). */
export async function startCompatDemo(overrides: PlainObject = {}, rate = 200, opts: CompatDemoOptions = {}): Promise<CompatDemo> {
  const tmp = tempDir('compat');
  const simulatorPort = opts.futuresStreams ? await freePort() : 0;
  const base = `127.0.0.1:${simulatorPort}`;
  const futures: PlainObject = opts.futuresStreams
    ? { binanceFutures: { enabled: true, wsBaseUrl: `ws://${base}/binance-futures`, restBaseUrl: `http://${base}/binance-futures`, symbols: ['BTCUSDT'], streams: [...opts.futuresStreams] } }
    : {};
  const demo = await startDemo({
    port: 0, dataDir: tmp.dir, rate, cryptoSymbols: ['BTCUSDT', 'ETHUSDT'], equitySymbols: [], simulatorPort,
    overrides: deepMerge(deepMerge(FAST_CONNECTION, {
      venues: { binance: { symbols: ['BTCUSDT'], streams: ['trade', 'bookTicker', 'depth'] }, bybit: { enabled: false }, ...futures },
      compat: { binance: { upstreamReleaseGraceMs: 300 } },
    }), overrides),
  });
  // The endpoint is mounted on the gateway's own server port, beside /ws and the API.
  const http = demo.gateway.url!;
  const ws = http.replace(/^http/, 'ws');
  return {
    demo, rest: `${http}/binance`, ws: `${ws}/binance`, futuresRest: `${http}/binance-futures`, futuresWs: `${ws}/binance-futures`,
    async stop() {
      await demo.stop();
      tmp.remove();
    },
  };
}

/** A CompatDemo of one test file, plus the stream clients it opened (closed before the demo). */
export interface CompatFixture extends CompatDemo {
  /** A StreamClient on `<ws><path>`, closed after the file's tests. */
  client(path: string): StreamClient;
  /** Clients opened elsewhere that the fixture closes too. */
  readonly clients: StreamClient[];
}

/**
 * The compat tests' shared setup: the demo started (and the gateway ready) before the file's
 * tests, its stream clients closed and the demo stopped after them. A file's own beforeAll runs
 * after this one's (the demo is up) and its own afterAll before the stop (vitest's stacked hooks).
 */
export function useCompatDemo(overrides: PlainObject = {}, rate = 200, opts: CompatDemoOptions = {}): CompatFixture {
  let d: CompatDemo | null = null;
  const clients: StreamClient[] = [];
  const up = (): CompatDemo => {
    if (d === null) throw new Error('the compat demo is not started (used outside a test?)');
    return d;
  };
  beforeAll(async () => {
    d = await startCompatDemo(overrides, rate, opts);
    await waitFor(() => d!.demo.gateway.readiness().ready, 'gateway ready', 20_000);
  }, 40_000);
  afterAll(async () => {
    await Promise.all(clients.map((x) => x.close()));
    await d?.stop();
  });
  return {
    get demo() { return up().demo; },
    get rest() { return up().rest; },
    get ws() { return up().ws; },
    get futuresRest() { return up().futuresRest; },
    get futuresWs() { return up().futuresWs; },
    stop: () => up().stop(),
    clients,
    client(path: string): StreamClient {
      const x = new StreamClient(`${up().ws}${path}`);
      clients.push(x);
      return x;
    },
  };
}

export interface Frame { readonly at: number; readonly text: string; readonly json: Record<string, unknown> }

/** A Binance stream client: every text frame recorded in order, requests matched by id. */
export class StreamClient {
  readonly frames: Frame[] = [];
  closeCode: number | null = null;
  private readonly ws: WebSocket;
  private readonly opened: Promise<void>;
  private nextId = 1;

  constructor(url: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.ws.on('message', (data) => {
      const text = data.toString();
      this.frames.push({ at: Date.now(), text, json: JSON.parse(text) as Record<string, unknown> });
    });
    this.ws.on('close', (code) => { this.closeCode = code; });
  }

  open(): Promise<void> {
    return this.opened;
  }

  sendText(text: string): void {
    this.ws.send(text);
  }

  /** Sends `{method, params, id}` and resolves with the answer of that id. */
  async request(method: string, params?: unknown[]): Promise<Record<string, unknown>> {
    await this.opened;
    const id = this.nextId++;
    const from = this.frames.length;
    this.ws.send(JSON.stringify(params === undefined ? { method, id } : { method, params, id }));
    return this.answer(id, from);
  }

  async answer(id: number | null, from = 0, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.slice(from).find((x) => x.json.id === id && ('result' in x.json || 'error' in x.json));
      if (f) return f.json;
      if (Date.now() > end) throw new Error(`no answer to request ${id}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stream frames (no request answers), unwrapped from the combined envelope. */
  data(filter?: (d: Record<string, unknown>, stream: string | null) => boolean): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const f of this.frames) {
      if ('id' in f.json && ('result' in f.json || 'error' in f.json)) continue;
      const combined = typeof f.json.stream === 'string' && 'data' in f.json;
      const d = (combined ? f.json.data : f.json) as Record<string, unknown>;
      if (!filter || filter(d, combined ? (f.json.stream as string) : null)) out.push(d);
    }
    return out;
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  get socket(): WebSocket {
    return this.ws;
  }
}
