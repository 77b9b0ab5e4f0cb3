/** Binance frame text builders: field names, order and types as the real streams send them. */
import type { PendingDepth, SimAggTrade, SimTrade, SymbolMarket } from '../market.js';
import { formatUnits } from '../symbols.js';

/** Binance spot prints every price and size with 8 decimals ("61837.63000000"). */
const D = 8;

/**
 * Fractional digits by value, per scale, padded to Binance's 8 decimals: printing a price or size
 * is then one division, one table read and one concat (this runs 2-3 times per frame).
 */
const FRACTIONS_MAX_SCALE = 5;
const fractions: string[][] = [];

function fractionTable(scale: number): string[] {
  let t = fractions[scale];
  if (!t) {
    const n = 10 ** scale;
    t = new Array<string>(n);
    for (let i = 0; i < n; i++) t[i] = String(i).padStart(scale, '0').padEnd(D, '0');
    fractions[scale] = t;
  }
  return t;
}

function print(units: number, scale: number): string {
  if (scale > FRACTIONS_MAX_SCALE || units < 0 || !Number.isSafeInteger(units)) return formatUnits(units, scale, D);
  if (scale === 0) return `${units}.00000000`;
  const p = POW10[scale] as number;
  const int = Math.floor(units / p);
  return `${int}.${fractionTable(scale)[units - int * p] as string}`;
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000];

export function px(m: SymbolMarket, units: number): string {
  return print(units, m.spec.priceScale);
}

export function qty(m: SymbolMarket, units: number): string {
  return print(units, m.spec.qtyScale);
}

/** quoteQty of one trade: exact, as a number while the product is a safe integer. */
export function quoteOf(m: SymbolMarket, priceUnits: number, qtyUnits: number): string {
  const p = priceUnits * qtyUnits;
  return Number.isSafeInteger(p) ? quoteText(m, p) : quoteText(m, BigInt(priceUnits) * BigInt(qtyUnits));
}

export function tradeText(m: SymbolMarket, t: SimTrade, eventMs: number): string {
  return `{"e":"trade","E":${eventMs},"s":"${m.spec.symbol}","t":${t.id},"p":"${px(m, t.price)}","q":"${qty(m, t.qty)}","T":${t.timeMs},"m":${t.buyerMaker},"M":true}`;
}

export function aggTradeText(m: SymbolMarket, a: SimAggTrade, eventMs: number): string {
  return `{"e":"aggTrade","E":${eventMs},"s":"${m.spec.symbol}","a":${a.a},"p":"${px(m, a.price)}","q":"${qty(m, a.qty)}","f":${a.firstId},"l":${a.lastId},"T":${a.timeMs},"m":${a.buyerMaker},"M":true}`;
}

/** REST /api/v3/aggTrades item text (no e/E/s), field order as Binance sends it. */
export function aggTradeRestText(m: SymbolMarket, a: number, priceUnits: number, qtyUnits: number, firstId: number, lastId: number, timeMs: number, buyerMaker: boolean): string {
  return `{"a":${a},"p":"${px(m, priceUnits)}","q":"${qty(m, qtyUnits)}","f":${firstId},"l":${lastId},"T":${timeMs},"m":${buyerMaker},"M":true}`;
}

/** REST /api/v3/trades and /historicalTrades item text; quoteQty is exact. */
export function tradeRestText(m: SymbolMarket, id: number, priceUnits: number, qtyUnits: number, timeMs: number, buyerMaker: boolean): string {
  return `{"id":${id},"price":"${px(m, priceUnits)}","qty":"${qty(m, qtyUnits)}","quoteQty":"${quoteOf(m, priceUnits, qtyUnits)}","time":${timeMs},"isBuyerMaker":${buyerMaker},"isBestMatch":true}`;
}

export function bookTickerText(m: SymbolMarket): string {
  const b = m.bestBid() ?? [0, 0];
  const a = m.bestAsk() ?? [0, 0];
  return `{"u":${m.updateId},"s":"${m.spec.symbol}","b":"${px(m, b[0])}","B":"${qty(m, b[1])}","a":"${px(m, a[0])}","A":"${qty(m, a[1])}"}`;
}

function levels(m: SymbolMarket, list: ReadonlyArray<readonly [number, number]>): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const l = list[i] as readonly [number, number];
    out += `${i > 0 ? ',' : ''}["${px(m, l[0])}","${qty(m, l[1])}"]`;
  }
  return `${out}]`;
}

export function depthText(m: SymbolMarket, d: PendingDepth, eventMs: number): string {
  return `{"e":"depthUpdate","E":${eventMs},"s":"${m.spec.symbol}","U":${d.firstId},"u":${d.lastId},"b":${levels(m, d.bids)},"a":${levels(m, d.asks)}}`;
}

/** USD-M futures depth: adds the transaction time T and `pu` (previous event's u). */
export function futuresDepthText(m: SymbolMarket, d: PendingDepth, eventMs: number, pu: number): string {
  return `{"e":"depthUpdate","E":${eventMs},"T":${eventMs},"s":"${m.spec.symbol}","U":${d.firstId},"u":${d.lastId},"pu":${pu},"b":${levels(m, d.bids)},"a":${levels(m, d.asks)}}`;
}

export function depthSnapshotBody(m: SymbolMarket, limit: number): { lastUpdateId: number; bids: string[][]; asks: string[][] } {
  const book = m.book(limit);
  return {
    lastUpdateId: book.lastUpdateId,
    bids: book.bids.map(([p, q]) => [px(m, p), qty(m, q)]),
    asks: book.asks.map(([p, q]) => [px(m, p), qty(m, q)]),
  };
}

/**
 * Exact running sum of integer products (price units x qty units): a Number while it stays a
 * safe integer, folded into a bigint only when it would not. A BigInt per trade cost more
 * than the rest of the kline.
 */
export class ProductSum {
  private big = 0n;
  private small = 0;

  add(a: number, b: number): void {
    const p = a * b;
    // p <= 2^53 - 1 means the true product is below 2^53, so p is exact.
    if (p > Number.MAX_SAFE_INTEGER) this.big += BigInt(a) * BigInt(b);
    else if (this.small + p > Number.MAX_SAFE_INTEGER) {
      this.big += BigInt(this.small);
      this.small = p;
    } else this.small += p;
  }

  value(): bigint {
    return this.big + BigInt(this.small);
  }

  clear(): void {
    this.big = 0n;
    this.small = 0;
  }
}

/** Running 1-minute kline of one symbol. Quote volumes are exact (ProductSum). */
export class KlineState {
  openMs = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  takerBuyVolume = 0;
  private readonly quote = new ProductSum();
  private readonly takerBuyQuoteSum = new ProductSum();
  count = 0;
  firstId = -1;
  lastId = -1;

  get quoteVolume(): bigint {
    return this.quote.value();
  }

  get takerBuyQuote(): bigint {
    return this.takerBuyQuoteSum.value();
  }

  add(t: SimTrade): void {
    const minute = Math.floor(t.timeMs / 60_000) * 60_000;
    if (minute !== this.openMs) this.reset(minute, t.price);
    if (this.count === 0) {
      this.open = this.high = this.low = t.price;
      this.firstId = t.id;
    }
    if (t.price > this.high) this.high = t.price;
    if (t.price < this.low) this.low = t.price;
    this.close = t.price;
    this.volume += t.qty;
    this.quote.add(t.price, t.qty);
    if (!t.buyerMaker) {
      this.takerBuyVolume += t.qty;
      this.takerBuyQuoteSum.add(t.price, t.qty);
    }
    this.count++;
    this.lastId = t.id;
  }

  reset(minute: number, price: number): void {
    this.openMs = minute;
    this.open = this.high = this.low = this.close = price;
    this.volume = this.takerBuyVolume = this.count = 0;
    this.quote.clear();
    this.takerBuyQuoteSum.clear();
    this.firstId = this.lastId = -1;
  }
}

function quoteText(m: SymbolMarket, v: bigint | number): string {
  const scale = m.spec.priceScale + m.spec.qtyScale;
  const s = v.toString().padStart(scale + 1, '0');
  const intPart = s.slice(0, s.length - scale);
  const frac = s.slice(s.length - scale).padEnd(D, '0').slice(0, D);
  return `${intPart}.${frac}`;
}

export function klineText(m: SymbolMarket, k: KlineState, eventMs: number, closed: boolean): string {
  const s = m.spec.symbol;
  return `{"e":"kline","E":${eventMs},"s":"${s}","k":{"t":${k.openMs},"T":${k.openMs + 59_999},"s":"${s}","i":"1m","f":${k.firstId},"L":${k.lastId},"o":"${px(m, k.open)}","c":"${px(m, k.close)}","h":"${px(m, k.high)}","l":"${px(m, k.low)}","v":"${qty(m, k.volume)}","n":${k.count},"x":${closed},"q":"${quoteText(m, k.quoteVolume)}","V":"${qty(m, k.takerBuyVolume)}","Q":"${quoteText(m, k.takerBuyQuote)}","B":"0"}}`;
}

export function forceOrderText(m: SymbolMarket, l: { side: 'BUY' | 'SELL'; price: number; qty: number; timeMs: number }, eventMs: number): string {
  const p = px(m, l.price);
  const q = qty(m, l.qty);
  return `{"e":"forceOrder","E":${eventMs},"o":{"s":"${m.spec.symbol}","S":"${l.side}","o":"LIMIT","f":"IOC","q":"${q}","p":"${p}","ap":"${p}","X":"FILLED","l":"${q}","z":"${q}","T":${l.timeMs}}}`;
}
