/**
 * The compat tests' independent reference: the simulator's ground-truth trades folded into what a
 * Binance kline or 24 h ticker says about them, in exact 8-decimal integers (test-side, shares no
 * code with src/). Quote volume is Binance's: each trade's price x qty truncated to 8 decimals.
 */

/** What the fold needs of a ground-truth trade (simulator TruthTrade). */
export interface FoldTrade {
  readonly price: string;
  readonly qty: string;
  /** false: the buyer was the taker (null where the venue does not say: not counted as taker buy). */
  readonly buyerMaker: boolean | null;
}

/** A decimal string as an integer scaled by 10^8 (digits past the 8th dropped). */
export const big8 = (s: string): bigint => {
  const [i, f = ''] = s.split('.');
  return BigInt(i!) * 100_000_000n + BigInt((f + '00000000').slice(0, 8));
};

/** An integer scaled by 10^8 as Binance prints it: 8 decimals, sign in front. */
export const str8 = (v: bigint): string => {
  const neg = v < 0n;
  const a = neg ? -v : v;
  return `${neg ? '-' : ''}${a / 100_000_000n}.${(a % 100_000_000n).toString().padStart(8, '0')}`;
};

/** Open, high, low, close, base volume, quote volume, taker-buy base volume (8-decimal strings) and count of a non-empty run of trades. */
export interface Fold {
  readonly o: string;
  readonly h: string;
  readonly l: string;
  readonly c: string;
  readonly v: string;
  readonly q: string;
  readonly V: string;
  readonly n: number;
  /** The same as integers scaled by 10^8, for derived figures (change, VWAP). */
  readonly units: { readonly o: bigint; readonly c: bigint; readonly v: bigint; readonly q: bigint };
}

export function foldTrades(trades: readonly FoldTrade[]): Fold {
  if (trades.length === 0) throw new Error('foldTrades: no trades to fold');
  const o = big8(trades[0]!.price);
  const c = big8(trades.at(-1)!.price);
  let h = o;
  let l = o;
  let v = 0n;
  let q = 0n;
  let takerBuy = 0n;
  for (const t of trades) {
    const p = big8(t.price);
    const x = big8(t.qty);
    if (p > h) h = p;
    if (p < l) l = p;
    v += x;
    q += (p * x) / 100_000_000n;
    if (t.buyerMaker === false) takerBuy += x;
  }
  return { o: str8(o), h: str8(h), l: str8(l), c: str8(c), v: str8(v), q: str8(q), V: str8(takerBuy), n: trades.length, units: { o, c, v, q } };
}
