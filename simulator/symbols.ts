/**
 * Instrument specs: tick and step sizes as scaled integers, so every price and size the
 * simulator prints is an exact decimal string on the symbol's grid.
 */
export interface SymbolSpec {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** Decimal places of prices; a price is an integer number of 10^-priceScale units. */
  readonly priceScale: number;
  /** Tick size in price units (e.g. 1 with scale 2 = "0.01"). */
  readonly tickUnits: number;
  readonly qtyScale: number;
  readonly stepUnits: number;
  /** Starting mid price in ticks. */
  readonly startTicks: number;
}

const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'BTC', 'ETH', 'BNB'] as const;

const KNOWN: Record<string, Omit<SymbolSpec, 'symbol' | 'baseAsset' | 'quoteAsset'>> = {
  BTCUSDT: { priceScale: 2, tickUnits: 1, qtyScale: 5, stepUnits: 1, startTicks: 6_183_763 },
  ETHUSDT: { priceScale: 2, tickUnits: 1, qtyScale: 4, stepUnits: 1, startTicks: 265_012 },
  SOLUSDT: { priceScale: 2, tickUnits: 1, qtyScale: 3, stepUnits: 1, startTicks: 15_233 },
  BNBUSDT: { priceScale: 2, tickUnits: 1, qtyScale: 3, stepUnits: 1, startTicks: 51_870 },
  XRPUSDT: { priceScale: 4, tickUnits: 1, qtyScale: 0, stepUnits: 1, startTicks: 5_621 },
};

/** True when the symbol looks like a crypto pair (ends with a quote asset), else an equity ticker. */
export function isCryptoSymbol(symbol: string): boolean {
  const s = symbol.toUpperCase();
  return QUOTES.some((q) => s.length > q.length && s.endsWith(q));
}

export function cryptoSpec(symbol: string): SymbolSpec {
  const s = symbol.toUpperCase();
  const quote = QUOTES.find((q) => s.endsWith(q)) ?? 'USDT';
  const known = KNOWN[s];
  const base = { symbol: s, baseAsset: s.slice(0, s.length - quote.length), quoteAsset: quote };
  if (known) return { ...base, ...known };
  // Unknown pair: a stable pseudo-price from the name so it is the same on every run.
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return { ...base, priceScale: 2, tickUnits: 1, qtyScale: 3, stepUnits: 1, startTicks: 1_000 + (h % 50_000) };
}

export function equitySpec(symbol: string): SymbolSpec {
  const s = symbol.toUpperCase();
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return { symbol: s, baseAsset: s, quoteAsset: 'USD', priceScale: 2, tickUnits: 1, qtyScale: 0, stepUnits: 1, startTicks: 5_000 + (h % 40_000) };
}

const POW10 = Array.from({ length: 19 }, (_, i) => 10 ** i);

/**
 * Format an integer number of 10^-scale units as a decimal string with exactly `digits`
 * fractional digits (Binance pads to 8; Bybit prints the symbol's own precision).
 */
export function formatUnits(units: number, scale: number, digits: number): string {
  const p = POW10[scale] ?? 10 ** scale;
  const neg = units < 0;
  const abs = neg ? -units : units;
  const intPart = Math.floor(abs / p);
  let out = String(intPart);
  if (digits > 0) {
    let frac = scale > 0 ? String(abs - intPart * p).padStart(scale, '0') : '';
    if (digits > scale) frac = frac.padEnd(digits, '0');
    else if (digits < scale) frac = frac.slice(0, digits);
    out = `${out}.${frac}`;
  }
  return neg ? `-${out}` : out;
}

/** Shortest exact decimal text (trailing zeros trimmed), as a JSON number would print. */
export function formatUnitsTrimmed(units: number, scale: number): string {
  const full = formatUnits(units, scale, scale);
  return scale > 0 ? full.replace(/\.?0+$/, '') : full;
}
