/**
 * Typed field readers for decoded JSON. They throw FieldError, which decoders catch and turn
 * into a DecodeError; nothing here escapes a decoder.
 */
import type { DecimalString } from '../model/events.js';

export class FieldError extends Error {}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

export type Json = Record<string, unknown>;

export function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FieldError(`${what}: expected object`);
  return v as Json;
}

export function str(o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new FieldError(`field "${key}": expected string`);
  return v;
}

export function optStr(o: Json, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new FieldError(`field "${key}": expected string`);
  return v;
}

/** A decimal sent as a JSON string ("61837.63000000"), kept exactly. */
export function dec(o: Json, key: string): DecimalString {
  const v = o[key];
  if (typeof v !== 'string' || !DECIMAL_RE.test(v)) throw new FieldError(`field "${key}": expected decimal string`);
  return v;
}

export function int(o: Json, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new FieldError(`field "${key}": expected integer`);
  return v;
}

export function optInt(o: Json, key: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new FieldError(`field "${key}": expected integer`);
  return v;
}

/** An integer that some venues send as a string ("1672304486865"). */
export function intLike(o: Json, key: string): number {
  const v = o[key];
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,16}$/.test(v)) return Number(v);
  throw new FieldError(`field "${key}": expected integer`);
}

export function bool(o: Json, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new FieldError(`field "${key}": expected boolean`);
  return v;
}

export function arr(o: Json, key: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new FieldError(`field "${key}": expected array`);
  return v;
}

/** Price levels [["price","size"], ...] with both as decimal strings. */
export function levels(o: Json, key: string): [DecimalString, DecimalString][] {
  const raw = arr(o, key);
  const out: [DecimalString, DecimalString][] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i];
    if (!Array.isArray(l) || l.length < 2) throw new FieldError(`field "${key}[${i}]": expected [price, size]`);
    const p = l[0];
    const q = l[1];
    if (typeof p !== 'string' || typeof q !== 'string' || !DECIMAL_RE.test(p) || !DECIMAL_RE.test(q)) {
      throw new FieldError(`field "${key}[${i}]": expected decimal strings`);
    }
    out[i] = [p, q];
  }
  return out;
}

export function side(v: string, key: string): 'buy' | 'sell' {
  const s = v.toLowerCase();
  if (s === 'buy' || s === 'sell') return s;
  throw new FieldError(`field "${key}": expected BUY/SELL`);
}

export function whyOf(err: unknown): string {
  if (err instanceof FieldError) return err.message;
  if (err instanceof SyntaxError) return `invalid JSON (${err.message.slice(0, 60)})`;
  return err instanceof Error ? err.message.slice(0, 80) : 'unknown error';
}
