/**
 * The fast-path ≡ full-decoder harness shared by the venues' fast-path tests: what a consumer can
 * observe of a result, the equality check that also says which path took the frame, byte-level
 * mutations for the fuzz tests, and arbitraries of the pieces every shape is made of.
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import type { DecodeResult } from '../../../src/venues/decode-result.js';

/** What a consumer can observe of a result: events (with key order), error message, signal. */
export function observable(r: DecodeResult): string {
  return JSON.stringify({ events: r.events, error: r.error?.message ?? null, signal: r.signal ?? null });
}

export interface FastDecoder {
  decode(frame: string, receiveTime: number): DecodeResult;
  fastPathStats(): { fast: number; fallback: number };
}

/**
 * `fresh` (a new decoder with the fast path on) decodes `frame` exactly as `want` (the full
 * decoder's result): same observable result, deep-equal events. Returns whether the fast path
 * took the frame (else it was counted as a fallback: exactly one of the two).
 */
export function expectSameDecode(fresh: FastDecoder, want: DecodeResult, frame: string, rt: number): { fast: boolean } {
  const got = fresh.decode(frame, rt);
  expect(observable(got)).toBe(observable(want));
  expect(got.events).toStrictEqual(want.events);
  const s = fresh.fastPathStats();
  expect(s.fast + s.fallback).toBe(1);
  return { fast: s.fast === 1 };
}

/** Characters the mutations insert or put in place of one: JSON syntax, digits, whitespace, controls. */
export const MUTATION_CHARS = [' ', '\\', '"', ',', ':', '0', '1', '9', '.', '-', 'e', 'E', 'x', '{', '}', '[', ']', '\n', '\t', '\u0001', 't', 'n'];

export interface Mutation { readonly op: 'insert' | 'delete' | 'replace' | 'truncate'; readonly at: number; readonly ch: string }

/** One to three byte-level mutations (`extra`: venue-specific characters added to MUTATION_CHARS). */
export function mutationsArb(extra: readonly string[] = []): fc.Arbitrary<Mutation[]> {
  const chars = [...MUTATION_CHARS, ...extra];
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), ch: fc.constantFrom(...chars) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), ch: fc.constant('') }),
    fc.record({ op: fc.constant('replace' as const), at: fc.nat(), ch: fc.constantFrom(...chars) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), ch: fc.constant('') }),
  );
  return fc.array(one, { minLength: 1, maxLength: 3 });
}

export function mutate(frame: string, ms: readonly Mutation[]): string {
  let f = frame;
  for (const m of ms) {
    const at = m.at % (f.length + 1);
    if (m.op === 'insert') f = f.slice(0, at) + m.ch + f.slice(at);
    else if (m.op === 'delete') f = f.slice(0, at) + f.slice(at + 1);
    else if (m.op === 'replace') f = f.slice(0, at) + m.ch + f.slice(at + 1);
    else f = f.slice(0, at);
  }
  return f;
}

export const symArb = fc.stringMatching(/^[A-Z0-9]{1,12}$/);
export const idArb = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
export const decimalArb = fc.stringMatching(/^-?\d{1,12}(\.\d{1,10})?$/);
/** A JSON list of up to six [price, size] levels of decimal strings. */
export const levelsArb = fc.array(fc.tuple(decimalArb, decimalArb).map(([p, q]) => `["${p}","${q}"]`), { maxLength: 6 }).map((ls) => `[${ls.join(',')}]`);
