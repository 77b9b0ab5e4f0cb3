/**
 * cluster.balanceShards against the real NATS server: collectors share the shards by their fair
 * share of the live collectors (presence keys), a newcomer gets shards released to it, a graceful
 * leaver's and a dead one's shards are spread over the rest; every shard is held by exactly one
 * instance once it settles, and it stays settled.
 * Rounds are driven by tick() (an instance that stops ticking is a dead one).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardLeases, type ShardLeasesOptions } from '../../../src/cluster/leases.js';
import { dropNamespace, natsConnect, uniqueNamespace, until } from './helpers.js';

const SHARDS = 12;
let ns: string;
let nc: NatsConnection;
const open: ShardLeases[] = [];

beforeEach(async () => { ns = uniqueNamespace('balance'); nc = await natsConnect(); });
afterEach(async () => {
  for (const l of open.splice(0)) await l.stop().catch(() => undefined);
  await nc.close();
  await dropNamespace(ns);
});

async function collector(instance: string, o: Partial<ShardLeasesOptions> = {}): Promise<ShardLeases> {
  const l = await ShardLeases.open(nc, { namespace: ns, instance, shards: SHARDS, leaseTtlMs: 1_500, renewIntervalMs: 300, redundancy: 1, balance: true, ...o });
  open.push(l);
  return l;
}

const owned = (l: ShardLeases): number[] => [...l.owned()].sort((a, b) => a - b);
const sizes = (ls: ShardLeases[]): number[] => ls.map((l) => l.owned().size);

/** Every shard held by exactly one instance among `ls`. */
function coverage(ls: ShardLeases[]): boolean {
  const count = new Map<number, number>();
  for (const l of ls) for (const s of l.owned()) count.set(s, (count.get(s) ?? 0) + 1);
  return count.size === SHARDS && [...count.values()].every((n) => n === 1);
}

async function settle(ls: ShardLeases[], want: number[], what: string): Promise<void> {
  await until(async () => {
    for (const l of ls) await l.tick();
    return coverage(ls) && sizes(ls).join() === want.join();
  }, `${what}: sizes ${want.join('/')} (have ${sizes(ls).join('/')})`, 15_000);
}

describe('balanced shard leases (cluster.balanceShards)', () => {
  it('a newcomer gets its share, a graceful leaver and a dead collector hand theirs on; settled ownership does not move', async () => {
    const a = await collector('A');
    await a.tick();
    expect(owned(a)).toHaveLength(SHARDS); // alone: everything

    const b = await collector('B');
    await settle([a, b], [6, 6], 'B joins');
    // Settled: more rounds change nothing (no release without a change in the live count).
    const before = [owned(a), owned(b)];
    const released = a.stats().released + b.stats().released;
    for (let i = 0; i < 5; i++) { await a.tick(); await b.tick(); }
    expect([owned(a), owned(b)]).toEqual(before);
    expect(a.stats().released + b.stats().released).toBe(released);

    const c = await collector('C');
    await settle([a, b, c], [4, 4, 4], 'C joins');

    await c.stop(); // graceful: leases and presence deleted at once
    open.splice(open.indexOf(c), 1);
    await settle([a, b], [6, 6], 'C left');

    // B dies (no more rounds): its presence and leases expire after the TTL; A takes everything.
    const t0 = Date.now();
    await settle([a], [SHARDS], 'B dead');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000); // not before B's keys expired
    expect(coverage([a])).toBe(true);
  }, 60_000);

  it('refuses redundancy 2 (an A/B pair holds every shard on both collectors)', async () => {
    await expect(collector('A', { redundancy: 2 })).rejects.toThrow(/redundancy 1/);
  });
});
