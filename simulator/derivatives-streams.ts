/**
 * Derivatives-only streams of the simulator, published on a timer: Binance USD-M
 * `<sym>@markPrice@1s` (markPriceUpdate: mark = index = the last trade price, a fixed funding
 * rate, the next 8 h funding boundary) and Bybit `kline.1.<SYM>` (1-minute klines folded exactly
 * from the ground-truth trades, confirm=true once the minute is over). Only built when someone
 * listens.
 */
import type { GroundTruth } from './ground-truth.js';
import type { StreamHub } from './ws-hub.js';
import type { SymbolMarket } from './market.js';
import { formatUnits } from './symbols.js';

/** The simulated funding rate of every USD-M symbol. */
const FUNDING_RATE = '0.00010000';
const FUNDING_INTERVAL_MS = 8 * 60 * 60 * 1000;
const MINUTE_MS = 60_000;

const lastPrice = (m: SymbolMarket): number => m.lastTrade?.price ?? m.spec.startTicks * m.spec.tickUnits;

export function publishMarkPrices(hub: StreamHub, markets: ReadonlyMap<string, SymbolMarket>, now: number): void {
  for (const [symbol, m] of markets) {
    const stream = `${symbol.toLowerCase()}@markPrice@1s`;
    if (!hub.hasSubscribers(stream)) continue;
    const p = formatUnits(lastPrice(m), m.spec.priceScale, m.spec.priceScale);
    const next = Math.floor(now / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
    hub.publish(stream, () => `{"e":"markPriceUpdate","E":${now},"s":"${symbol}","p":"${p}","ap":"${p}","P":"${p}","i":"${p}","r":"${FUNDING_RATE}","T":${next}}`, { symbol });
  }
}

interface Candle {
  startMs: number;
  open: string;
  high: bigint;
  low: bigint;
  close: string;
  /** Sums in units of 10^-qtyScale and 10^-(priceScale+qtyScale): exact. */
  volume: bigint;
  turnover: bigint;
}

const units = (text: string, scale: number): bigint => {
  const [i, f = ''] = text.split('.');
  return BigInt(`${i}${f.padEnd(scale, '0').slice(0, scale)}`);
};
const text = (v: bigint, scale: number): string => {
  const s = v.toString().padStart(scale + 1, '0');
  return scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
};

/** Bybit 1-minute klines per symbol, folded from the truth trades after the last one seen. */
export class BybitKlines {
  private readonly candles = new Map<string, Candle>();
  private readonly lastId = new Map<string, number>();

  constructor(private readonly hub: StreamHub, private readonly markets: ReadonlyMap<string, SymbolMarket>, private readonly truth: GroundTruth) {}

  publish(now: number): void {
    for (const [symbol, m] of this.markets) {
      const topic = `kline.1.${symbol}`;
      const from = (this.lastId.get(symbol) ?? -1) + 1;
      const trades = this.truth.trades('bybit', symbol, from > 0 ? { fromId: from } : {});
      const ps = m.spec.priceScale;
      const qs = m.spec.qtyScale;
      let c = this.candles.get(symbol);
      for (const t of trades) {
        if (t.id < from) continue;
        this.lastId.set(symbol, t.id);
        const start = Math.floor(t.timeMs / MINUTE_MS) * MINUTE_MS;
        if (c !== undefined && start !== c.startMs) {
          this.send(topic, symbol, c, ps, qs, true, now);
          c = undefined;
        }
        const p = units(t.price, ps);
        const q = units(t.qty, qs);
        if (c === undefined) c = { startMs: start, open: t.price, high: p, low: p, close: t.price, volume: 0n, turnover: 0n };
        if (p > c.high) c.high = p;
        if (p < c.low) c.low = p;
        c.close = t.price;
        c.volume += q;
        c.turnover += p * q;
      }
      if (c === undefined) continue;
      const over = now >= c.startMs + MINUTE_MS;
      this.send(topic, symbol, c, ps, qs, over, now);
      if (over) this.candles.delete(symbol);
      else this.candles.set(symbol, c);
    }
  }

  private send(topic: string, symbol: string, c: Candle, ps: number, qs: number, confirm: boolean, now: number): void {
    if (!this.hub.hasSubscribers(topic)) return;
    this.hub.publish(topic, () =>
      `{"topic":"${topic}","data":[{"start":${c.startMs},"end":${c.startMs + MINUTE_MS - 1},"interval":"1","open":"${c.open}","close":"${c.close}","high":"${text(c.high, ps)}","low":"${text(c.low, ps)}","volume":"${text(c.volume, qs)}","turnover":"${text(c.turnover, ps + qs)}","confirm":${confirm},"timestamp":${now}}],"ts":${now},"type":"snapshot"}`, { symbol });
  }
}

/** Hub key of a Bybit topic for a client: linear `tickers.*` differ from spot's, so they get their own key. */
export function bybitHubTopic(path: string, topic: string): string {
  return path.endsWith('/linear') && topic.startsWith('tickers.') ? `linear:${topic}` : topic;
}

type Top = { bid1Price: string; bid1Size: string; ask1Price: string; ask1Size: string; lastPrice: string; markPrice: string };

/**
 * Bybit linear `tickers.<SYM>`: a snapshot when a client subscribed since the last tick, else a
 * delta carrying only the fields that changed (as Bybit does), with cs = the book's update id.
 */
export class BybitLinearTickers {
  private readonly last = new Map<string, Top>();
  private readonly served = new Map<string, Set<number>>();

  constructor(private readonly hub: StreamHub, private readonly markets: ReadonlyMap<string, SymbolMarket>) {}

  publish(now: number): void {
    for (const [symbol, m] of this.markets) {
      const topic = `tickers.${symbol}`;
      const key = `linear:${topic}`;
      if (!this.hub.hasSubscribers(key)) { this.served.delete(symbol); continue; }
      const ids = new Set<number>();
      for (const c of this.hub.clients) if (c.streams.has(key)) ids.add(c.id);
      const before = this.served.get(symbol);
      const fresh = before === undefined || [...ids].some((id) => !before.has(id));
      this.served.set(symbol, ids);
      const f = (u: number, scale: number): string => formatUnits(u, scale, scale);
      const bid = m.bestBid();
      const ask = m.bestAsk();
      if (bid === null || ask === null) continue;
      const p = f(lastPrice(m), m.spec.priceScale);
      const top: Top = {
        bid1Price: f(bid[0], m.spec.priceScale), bid1Size: f(bid[1], m.spec.qtyScale),
        ask1Price: f(ask[0], m.spec.priceScale), ask1Size: f(ask[1], m.spec.qtyScale), lastPrice: p, markPrice: p,
      };
      const prev = this.last.get(symbol);
      this.last.set(symbol, top);
      const changed = fresh || prev === undefined ? top : Object.fromEntries(Object.entries(top).filter(([k, v]) => prev[k as keyof Top] !== v));
      if (!fresh && prev !== undefined && Object.keys(changed).length === 0) continue;
      const type = fresh || prev === undefined ? 'snapshot' : 'delta';
      this.hub.publish(key, () => `{"topic":"${topic}","type":"${type}","data":${JSON.stringify({ symbol, ...changed })},"cs":${m.updateId},"ts":${now}}`, { symbol });
    }
  }
}
