/**
 * Bybit v5 public spot: /bybit/v5/public/spot. {"req_id","op":"subscribe","args":[...]} with
 * {"success","ret_msg","conn_id","req_id","op"} replies; {"op":"ping"} answered with the spot
 * pong; a client that sends no ping for pingTimeoutMs is dropped. Topics publicTrade.<SYM>,
 * orderbook.50.<SYM> (snapshot on subscribe, then deltas with u and seq), tickers.<SYM>,
 * allLiquidation.<SYM>. Every generated trade also goes into `history`, which the REST side
 * (rest.ts, /v5/market/recent-trade) serves.
 */
import { bybitHubTopic } from '../derivatives-streams.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { rawToString } from '../binance/ws.js';
import type { FaultController } from '../faults.js';
import type { GroundTruth, TruthBook } from '../ground-truth.js';
import { SymbolMarket } from '../market.js';
import { cryptoSpec, formatUnits } from '../symbols.js';
import { SimClient, type StreamHub } from '../ws-hub.js';
import { BybitRest, BybitTradeHistory } from './rest.js';

export interface BybitOptions {
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly levelsPerSide: number;
  readonly pingTimeoutMs: number;
  readonly hub: StreamHub;
  readonly truth: GroundTruth;
  readonly faults: FaultController;
  readonly now: () => number;
  /** Trades kept per symbol for /v5/market/recent-trade (the venue serves at most 1000). */
  readonly recentTradesPerSymbol?: number;
}

/** Bybit's largest recent-trade page (linear/inverse). */
const RECENT_TRADES_PER_SYMBOL = 1_000;

const TOPIC_RE = /^(publicTrade|orderbook\.50|orderbook\.1|tickers|allLiquidation|kline\.1)\.([A-Z0-9]+)$/;

export class BybitVenue {
  readonly markets = new Map<string, SymbolMarket>();
  /** orderbook.50 message counter per symbol (Bybit's `u`). */
  private readonly bookU = new Map<string, number>();
  private readonly open24h = new Map<string, number>();
  private readonly volume24h = new Map<string, number>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: false, maxPayload: 64 * 1024 });
  private readonly timer: NodeJS.Timeout;
  readonly hub: StreamHub;
  readonly history: BybitTradeHistory;
  /** HTTP handler of /bybit/v5/market/... (route it under the '/bybit' prefix). */
  readonly rest: BybitRest;
  private connSeq = 0;

  constructor(private readonly opts: BybitOptions) {
    this.hub = opts.hub;
    this.history = new BybitTradeHistory(opts.recentTradesPerSymbol ?? RECENT_TRADES_PER_SYMBOL);
    this.rest = new BybitRest(this.history, () => new Set(this.markets.keys()), opts.faults, opts.now);
    let i = 0;
    for (const s of opts.symbols) {
      const spec = cryptoSpec(s);
      const m = new SymbolMarket(spec, {
        seed: opts.seed, venue: 'bybit', levelsPerSide: opts.levelsPerSide, aggHistory: 10,
        firstTradeId: 2_290_000_000 + i * 10_000_000, firstUpdateId: 40_000_000_000 + i * 1_000_000_000,
      });
      this.markets.set(spec.symbol, m);
      this.bookU.set(spec.symbol, 1);
      this.open24h.set(spec.symbol, spec.startTicks * spec.tickUnits);
      this.volume24h.set(spec.symbol, 0);
      i++;
    }
    this.timer = setInterval(() => this.checkPings(), Math.max(10, Math.min(1000, opts.pingTimeoutMs / 4)));
  }

  private p(m: SymbolMarket, units: number): string {
    return formatUnits(units, m.spec.priceScale, m.spec.priceScale);
  }

  private q(m: SymbolMarket, units: number): string {
    return formatUnits(units, m.spec.qtyScale, m.spec.qtyScale);
  }

  step(symbol: string): void {
    const m = this.markets.get(symbol);
    if (!m) return;
    const now = this.opts.now();
    let prev = m.lastTrade?.price ?? null;
    const r = m.step(now);
    for (const t of r.trades) {
      const side = t.buyerMaker ? 'Sell' : 'Buy';
      const tick = prev === null || t.price === prev ? 'ZeroPlusTick' : t.price > prev ? 'PlusTick' : 'MinusTick';
      prev = t.price;
      const published = this.hub.publish(`publicTrade.${symbol}`, () =>
        `{"topic":"publicTrade.${symbol}","ts":${now},"type":"snapshot","data":[{"i":"${t.id}","T":${t.timeMs},"p":"${this.p(m, t.price)}","v":"${this.q(m, t.qty)}","S":"${side}","s":"${symbol}","BT":false,"L":"${tick}"}]}`,
      { symbol, sequenced: true });
      this.history.record({
        execId: String(t.id), symbol, price: this.p(m, t.price), size: this.q(m, t.qty), side, time: String(t.timeMs), isBlockTrade: false, isRPITrade: false,
      });
      this.opts.truth.recordTrade('bybit', symbol, {
        id: t.id, aggId: null, price: this.p(m, t.price), qty: this.q(m, t.qty), timeMs: t.timeMs, buyerMaker: t.buyerMaker, published,
      });
      this.volume24h.set(symbol, (this.volume24h.get(symbol) ?? 0) + t.qty);
    }
    if (r.trades.length > 0 && m.rng.chance(0.02)) {
      const l = m.liquidation(now);
      this.hub.publish(`allLiquidation.${symbol}`, () =>
        `{"topic":"allLiquidation.${symbol}","type":"snapshot","ts":${now},"data":[{"T":${l.timeMs},"s":"${symbol}","S":"${l.side === 'BUY' ? 'Buy' : 'Sell'}","v":"${this.q(m, l.qty)}","p":"${this.p(m, l.price)}"}]}`, { symbol });
    }
  }

  private bookLevels(m: SymbolMarket, list: ReadonlyArray<readonly [number, number]>): string {
    return `[${list.map(([p, q]) => `["${this.p(m, p)}","${this.q(m, q)}"]`).join(',')}]`;
  }

  /** orderbook.50 deltas (every 20 ms on spot). */
  publishBooks(): void {
    for (const [symbol, m] of this.markets) this.publishBook(symbol, m);
  }

  private publishBook(symbol: string, m: SymbolMarket): void {
    const now = this.opts.now();
    const d = m.takePending();
    if (!d) return;
    const u = (this.bookU.get(symbol) ?? 1) + 1;
    this.bookU.set(symbol, u);
    const seq = d.lastId;
    const published = this.hub.publish(`orderbook.50.${symbol}`, () =>
      `{"topic":"orderbook.50.${symbol}","type":"delta","ts":${now},"data":{"s":"${symbol}","b":${this.bookLevels(m, d.bids)},"a":${this.bookLevels(m, d.asks)},"u":${u},"seq":${seq}},"cts":${now}}`,
    { symbol, sequenced: true });
    this.opts.truth.recordDepth('bybit', symbol, { firstId: u, lastId: u, prevLastId: u - 1, timeMs: now, published });
  }

  publishTickers(): void {
    const now = this.opts.now();
    for (const [symbol, m] of this.markets) {
      const stream = `tickers.${symbol}`;
      if (!this.hub.hasSubscribers(stream)) continue;
      const last = m.lastTrade?.price ?? m.spec.startTicks * m.spec.tickUnits;
      const open = this.open24h.get(symbol) ?? last;
      const pct = ((last - open) / open).toFixed(4);
      this.hub.publish(stream, () =>
        `{"topic":"tickers.${symbol}","ts":${now},"type":"snapshot","cs":${m.updateId},"data":{"symbol":"${symbol}","lastPrice":"${this.p(m, last)}","highPrice24h":"${this.p(m, Math.max(open, last))}","lowPrice24h":"${this.p(m, Math.min(open, last))}","prevPrice24h":"${this.p(m, open)}","volume24h":"${this.q(m, this.volume24h.get(symbol) ?? 0)}","turnover24h":"0","price24hPcnt":"${pct}","usdIndexPrice":"${this.p(m, last)}"}}`, { symbol });
    }
  }

  private snapshotText(symbol: string, m: SymbolMarket): string {
    const b = m.book(50);
    const now = this.opts.now();
    return `{"topic":"orderbook.50.${symbol}","type":"snapshot","ts":${now},"data":{"s":"${symbol}","b":${this.bookLevels(m, b.bids)},"a":${this.bookLevels(m, b.asks)},"u":${this.bookU.get(symbol) ?? 1},"seq":${b.lastUpdateId}},"cts":${now}}`;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    // Linear serves the same markets (for configs with categoryPath /v5/public/linear).
    if (url.pathname !== '/bybit/v5/public/spot' && url.pathname !== '/bybit/v5/public/linear') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client = new SimClient('bybit', ws, socket, this.opts.now(), url.pathname);
      if (this.opts.faults.match('silent', { venue: 'bybit' })) client.silent = true;
      this.hub.add(client);
      const connId = `sim${(++this.connSeq).toString(36)}-${client.id}`;
      ws.on('close', () => this.hub.remove(client));
      ws.on('error', () => this.hub.remove(client));
      ws.on('ping', (data) => {
        if (!client.silent && !this.opts.faults.match('no-pong', { venue: 'bybit' })) ws.pong(data);
      });
      ws.on('message', (data) => this.onMessage(client, ws, connId, rawToString(data)));
    });
  }

  private onMessage(client: SimClient, ws: WebSocket, connId: string, text: string): void {
    if (client.silent) return;
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      msg = parsed as Record<string, unknown>;
    } catch {
      ws.send(JSON.stringify({ success: false, ret_msg: `error:handler not found,topic:${text.slice(0, 40)}`, conn_id: connId, op: '' }));
      return;
    }
    const reqId = typeof msg.req_id === 'string' ? msg.req_id : undefined;
    const base = (op: string, success: boolean, retMsg: string): Record<string, unknown> => ({
      success, ret_msg: retMsg, conn_id: connId, ...(reqId !== undefined ? { req_id: reqId } : {}), op,
    });
    if (msg.op === 'ping') {
      client.lastPongAtMs = this.opts.now();
      if (!this.opts.faults.match('no-pong', { venue: 'bybit' })) ws.send(JSON.stringify(base('ping', true, 'pong')));
      return;
    }
    if (msg.op === 'subscribe' || msg.op === 'unsubscribe') {
      const args = Array.isArray(msg.args) ? msg.args.filter((a): a is string => typeof a === 'string') : [];
      const bad = args.find((a) => {
        const mt = TOPIC_RE.exec(a);
        return !mt || !this.markets.has(mt[2] ?? '');
      });
      if (bad !== undefined || args.length === 0) {
        ws.send(JSON.stringify(base(msg.op, false, `error:handler not found,topic:${bad ?? ''}`)));
        return;
      }
      if (msg.op === 'subscribe' && args.some((a) => client.streams.has(a))) {
        ws.send(JSON.stringify(base('subscribe', false, `error:already subscribed,topic:${args.find((a) => client.streams.has(a)) ?? ''}`)));
        return;
      }
      ws.send(JSON.stringify(base(msg.op, true, '')));
      for (const a of args) {
        if (msg.op === 'unsubscribe') {
          this.hub.unsubscribe(client, bybitHubTopic(client.path, a));
          continue;
        }
        const mt = TOPIC_RE.exec(a);
        const sym = mt?.[2] ?? '';
        const m = this.markets.get(sym);
        // Publish pending changes to existing subscribers first, so the snapshot is exactly the
        // state after delta u and the next delta holds only later changes (seq strictly grows).
        if (m && mt?.[1] === 'orderbook.50') this.publishBook(sym, m);
        this.hub.subscribe(client, bybitHubTopic(client.path, a));
        if (m && mt?.[1] === 'orderbook.50') this.hub.sendTo(client, this.snapshotText(sym, m));
      }
      this.hub.flush();
      return;
    }
    ws.send(JSON.stringify(base(typeof msg.op === 'string' ? msg.op : '', false, `error:handler not found,op:${String(msg.op)}`)));
  }

  /** Drop clients that have not pinged within pingTimeoutMs (lastPongAtMs = last client ping). */
  private checkPings(): void {
    const now = this.opts.now();
    for (const c of [...this.hub.clients]) {
      if (!c.silent && now - c.lastPongAtMs >= this.opts.pingTimeoutMs) {
        c.ws.terminate();
        this.hub.remove(c);
      }
    }
  }

  truthBook(symbol: string): TruthBook | null {
    const m = this.markets.get(symbol);
    if (!m) return null;
    const b = m.book();
    return {
      venue: 'bybit', symbol, lastUpdateId: this.bookU.get(symbol) ?? 1,
      bids: b.bids.map(([p, q]) => [this.p(m, p), this.q(m, q)] as const),
      asks: b.asks.map(([p, q]) => [this.p(m, p), this.q(m, q)] as const),
    };
  }

  closeAll(code: number, reason: string): number {
    return this.hub.closeAll(code, reason);
  }

  dropAll(): void {
    this.hub.dropAll();
  }

  close(): void {
    clearInterval(this.timer);
    this.hub.terminateAll();
    this.wss.close();
  }
}
