/**
 * Balanced shard ownership (cluster.balanceShards): with N live collectors each holds at most
 * ceil(shards × redundancy / N) lease slots. Which shards an instance prefers is rendezvous
 * hashing (highest hash of instance|shard first), so instances agree without talking, a new
 * instance takes shards from everyone a little, and a departure spreads its shards out. Pure.
 */
import { fnv1a32 } from './shards.js';

/** Lease slots one of `collectors` live instances may hold (an instance holds one slot per shard at most). */
export function fairShare(shards: number, redundancy: number, collectors: number): number {
  if (collectors <= 1) return shards;
  return Math.min(shards, Math.ceil((shards * redundancy) / collectors));
}

const weight = (instance: string, shard: number): number => fnv1a32(`${instance}|${shard}`);

/** Shards in this instance's order of preference (most preferred first); ties by shard number. */
export function byPreference(instance: string, shards: Iterable<number>): number[] {
  return [...shards].map((s) => ({ s, w: weight(instance, s) })).sort((a, b) => b.w - a.w || a.s - b.s).map((x) => x.s);
}

/** The held shards to give up to come down to `share`: the least preferred ones. */
export function shardsOverShare(instance: string, held: Iterable<number>, share: number): number[] {
  const ordered = byPreference(instance, held);
  return ordered.length > share ? ordered.slice(share) : [];
}
