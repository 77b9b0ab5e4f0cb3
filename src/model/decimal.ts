/**
 * Exact decimals as scaled integers. A value v with scale s is the integer v * 10^s.
 * Money never becomes a float sum: parse strings to bigint at a scale, add/multiply exactly,
 * format back to a string.
 */
import { TickgateError } from './errors.js';

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

export class DecimalError extends TickgateError {
  constructor(value: string, why: string) {
    super('E_DECIMAL', `invalid decimal "${value.slice(0, 40)}": ${why}`, { context: { value: value.slice(0, 40) } });
  }
}

export function isDecimalString(text: string): boolean {
  return DECIMAL_RE.test(text);
}

/** Number of fractional digits written in the string ("1.50" -> 2, "3" -> 0). */
export function decimalPlaces(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * Parse a decimal string to an integer scaled by 10^scale. Throws DecimalError on a malformed
 * string or when the value has more fractional digits than `scale` (unless they are zeros),
 * because silently rounding money is a bug.
 */
export function toScaled(text: string, scale: number): bigint {
  if (!DECIMAL_RE.test(text)) throw new DecimalError(text, 'expected digits with an optional fraction');
  const neg = text.charCodeAt(0) === 45;
  const body = neg ? text.slice(1) : text;
  const dot = body.indexOf('.');
  let intPart = dot < 0 ? body : body.slice(0, dot);
  let frac = dot < 0 ? '' : body.slice(dot + 1);
  if (frac.length > scale) {
    const extra = frac.slice(scale);
    if (!/^0*$/.test(extra)) throw new DecimalError(text, `more than ${scale} fractional digits`);
    frac = frac.slice(0, scale);
  }
  frac = frac.padEnd(scale, '0');
  if (intPart === '') intPart = '0';
  const v = BigInt(intPart + frac);
  return neg ? -v : v;
}

/** Format an integer scaled by 10^scale as a plain decimal string, trailing zeros trimmed. */
export function fromScaled(value: bigint, scale: number): string {
  const neg = value < 0n;
  let digits = (neg ? -value : value).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    const intPart = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
    digits = frac.length > 0 ? `${intPart}.${frac}` : intPart;
  }
  return neg && digits !== '0' ? `-${digits}` : digits;
}

/** Compare two decimal strings exactly: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const scale = Math.max(decimalPlaces(a), decimalPlaces(b));
  const x = toScaled(a, scale);
  const y = toScaled(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Canonical form of a decimal string ("0.0100" -> "0.01", "-0" -> "0"). */
export function normalizeDecimal(text: string): string {
  const scale = decimalPlaces(text);
  return fromScaled(toScaled(text, scale), scale);
}
