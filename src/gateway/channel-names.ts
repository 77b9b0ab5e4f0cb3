/**
 * Channel names per (venue, symbol), built once: a name made by a template per event is a new
 * cons string that the hub's Map lookup flattens and hashes every time; a cached one carries its
 * hash. Bounded: past maxNames the name is built per call (still correct, just not cached).
 */
export const CHANNEL_NAME_CACHE_MAX_NAMES = 100_000;

export type ChannelNamer = (venue: string, symbol: string) => string;

export function channelNamer(kind: string, maxNames = CHANNEL_NAME_CACHE_MAX_NAMES): ChannelNamer {
  const byVenue = new Map<string, Map<string, string>>();
  let size = 0;
  return (venue, symbol) => {
    let bySymbol = byVenue.get(venue);
    const hit = bySymbol?.get(symbol);
    if (hit !== undefined) return hit;
    const name = `${kind}.${venue}.${symbol}`;
    if (size < maxNames) {
      if (!bySymbol) byVenue.set(venue, (bySymbol = new Map()));
      bySymbol.set(symbol, name);
      size++;
    }
    return name;
  };
}
