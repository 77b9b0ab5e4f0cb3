/**
 * Deterministic symbol -> shard mapping: every instance computes the same owner shard for a
 * (venue, symbol) without asking anyone. FNV-1a 32-bit over "venue:SYMBOL" (upper-cased so the
 * spelling of a config never moves a symbol), modulo the shard count.
 */

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function shardOf(venue: string, symbol: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  return fnv1a32(`${venue}:${symbol.toUpperCase()}`) % shards;
}

/** The symbols of one venue that fall on the given shards, in their configured order. */
export function symbolsOfShards(venue: string, symbols: readonly string[], shards: number, owned: ReadonlySet<number>): string[] {
  return symbols.filter((s) => owned.has(shardOf(venue, s, shards)));
}
