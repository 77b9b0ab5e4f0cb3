/**
 * US-equities trade feed modelled on EODHD's real-time WebSocket (/ws/us?api_token=...):
 * on connect {"status_code":200,"message":"Authorized"}; a wrong token gets
 * {"status_code":401,"message":"Unauthorized"} and a close with authCloseCode (fatal: retrying
 * with the same token cannot succeed). {"action":"subscribe"|"unsubscribe","symbols":"AAPL,MSFT"}.
 * Trades: {"s","p","v","c","dp","ms","t"} with p as a JSON number whose text is the exact price.
 * Trades flow only while the market is open (09:30-16:00 America/New_York, weekdays) unless
 * overridden.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { rawToString } from '../binance/ws.js';
import type { FaultController } from '../faults.js';
import type { GroundTruth } from '../ground-truth.js';
import { SessionCalendar } from '../../src/aggregate/market-hours.js';
import { Prng } from '../prng.js';
import { equitySpec, formatUnitsTrimmed, type SymbolSpec } from '../symbols.js';
import { SimClient, type StreamHub } from '../ws-hub.js';

export type MarketHoursMode = 'real' | 'always-open' | 'always-closed';


/** True when the US equity market is open at `ms` (regular session, no holiday calendar). */
const US_SESSION = new SessionCalendar();

/** US regular session (09:30-16:00 America/New_York, weekdays): the gateway's own calendar. */
export function isUsMarketOpen(ms: number): boolean {
  return US_SESSION.isOpen(ms);
}

export interface EquitiesOptions {
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly token: string;
  readonly authCloseCode: number;
  readonly marketHours: MarketHoursMode;
  readonly hub: StreamHub;
  readonly truth: GroundTruth;
  readonly faults: FaultController;
  readonly now: () => number;
}

interface EqState {
  readonly spec: SymbolSpec;
  readonly rng: Prng;
  priceUnits: number;
  seq: number;
}

const CONDITIONS = ['[12]', '[37]', '[12,37]', '[14,41]', '[]'];

export class EquitiesVenue {
  private readonly states = new Map<string, EqState>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: false, maxPayload: 64 * 1024 });
  readonly hub: StreamHub;
  marketHours: MarketHoursMode;

  constructor(private readonly opts: EquitiesOptions) {
    this.hub = opts.hub;
    this.marketHours = opts.marketHours;
    for (const s of opts.symbols) {
      const spec = equitySpec(s);
      this.states.set(spec.symbol, { spec, rng: Prng.derive(opts.seed, `equities:${spec.symbol}`), priceUnits: spec.startTicks * spec.tickUnits, seq: 1 });
    }
  }

  get symbols(): string[] {
    return [...this.states.keys()];
  }

  isOpen(): boolean {
    if (this.marketHours === 'always-open') return true;
    if (this.marketHours === 'always-closed') return false;
    return isUsMarketOpen(this.opts.now());
  }

  step(symbol: string): void {
    const st = this.states.get(symbol);
    if (!st || !this.isOpen()) return;
    const now = this.opts.now();
    const r = st.rng.next();
    const move = r < 0.45 ? 0 : r < 0.72 ? 1 : r < 0.99 ? -1 : st.rng.int(-5, 5);
    st.priceUnits = Math.max(st.spec.tickUnits, st.priceUnits + move * st.spec.tickUnits);
    const size = st.rng.chance(0.4) ? 100 * st.rng.int(1, 5) : st.rng.int(1, 99);
    const price = formatUnitsTrimmed(st.priceUnits, st.spec.priceScale);
    const cond = CONDITIONS[st.rng.int(0, CONDITIONS.length - 1)] ?? '[]';
    const dp = st.rng.chance(0.1);
    const id = st.seq++;
    const published = this.hub.publish(symbol, () => `{"s":"${symbol}","p":${price},"v":${size},"c":${cond},"dp":${dp},"ms":"open","t":${now}}`, { symbol, sequenced: true });
    this.opts.truth.recordTrade('equities', symbol, { id, aggId: null, price, qty: String(size), timeMs: now, buyerMaker: null, published });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    if (url.pathname !== '/equities/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const token = url.searchParams.get('api_token');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (token !== this.opts.token) {
        ws.send(JSON.stringify({ status_code: 401, message: 'Unauthorized' }));
        ws.close(this.opts.authCloseCode, 'Unauthorized');
        return;
      }
      const client = new SimClient('equities', ws, socket, this.opts.now(), url.pathname);
      if (this.opts.faults.match('silent', { venue: 'equities' })) client.silent = true;
      this.hub.add(client);
      ws.on('close', () => this.hub.remove(client));
      ws.on('error', () => this.hub.remove(client));
      ws.on('ping', (data) => {
        if (!client.silent && !this.opts.faults.match('no-pong', { venue: 'equities' })) ws.pong(data);
      });
      ws.on('message', (data) => this.onMessage(client, ws, rawToString(data)));
      if (!client.silent) ws.send(JSON.stringify({ status_code: 200, message: 'Authorized' }));
    });
  }

  private onMessage(client: SimClient, ws: WebSocket, text: string): void {
    if (client.silent) return;
    let msg: { action?: unknown; symbols?: unknown };
    try {
      msg = JSON.parse(text) as { action?: unknown; symbols?: unknown };
    } catch {
      ws.send(JSON.stringify({ status_code: 400, message: 'Bad request' }));
      return;
    }
    const syms = typeof msg.symbols === 'string' ? msg.symbols.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s.length > 0) : [];
    if ((msg.action !== 'subscribe' && msg.action !== 'unsubscribe') || syms.length === 0) {
      ws.send(JSON.stringify({ status_code: 400, message: 'Bad request' }));
      return;
    }
    // EODHD sends no ack; unknown symbols simply never produce data.
    for (const s of syms) {
      if (msg.action === 'subscribe') this.hub.subscribe(client, s);
      else this.hub.unsubscribe(client, s);
    }
  }

  closeAll(code: number, reason: string): number {
    return this.hub.closeAll(code, reason);
  }

  dropAll(): void {
    this.hub.dropAll();
  }

  close(): void {
    this.hub.terminateAll();
    this.wss.close();
  }
}
