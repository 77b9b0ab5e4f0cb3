/**
 * Exact decimal helpers for Binance-formatted output: sums and products as scaled bigints,
 * printed with Binance's 8 fractional digits ("61837.63000000").
 */
import { toScaled } from '../../model/decimal.js';

/** Binance spot prints prices and sizes with 8 decimals. */
export const BINANCE_DECIMALS = 8;
const SCALE = 10n ** BigInt(BINANCE_DECIMALS);

/** Parses a decimal string at 8 decimals (extra digits, which Binance never sends, are refused). */
export function to8(text: string): bigint {
  return toScaled(text, BINANCE_DECIMALS);
}

/** Prints a value scaled by 10^8 with exactly 8 decimals. */
export function print8(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % SCALE).toString().padStart(BINANCE_DECIMALS, '0');
  return `${neg ? '-' : ''}${a / SCALE}.${frac}`;
}

/** Price x size at 8 decimals, truncated (what Binance prints for quote quantities). */
export function mul8(price: string, size: string): bigint {
  return mulScaled8(to8(price), to8(size));
}

/** mul8 of values already scaled by 10^8 (a caller holding both parses saves two). */
export function mulScaled8(price8: bigint, size8: bigint): bigint {
  return (price8 * size8) / SCALE;
}

/** Any decimal string re-printed with 8 decimals ("0.01" -> "0.01000000"). */
export function fmt8(text: string): string {
  return print8(to8(text));
}
