import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardLeases, type ShardLeasesOptions } from '../../../src/cluster/leases.js';
import type { LeaseEvent } from '../../../src/cluster/lease-events.js';
import { dropNamespace, natsConnect, uniqueNamespace, until } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'lease-holder.ts');

let ns: string;
let nc: NatsConnection;
const open: ShardLeases[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => { ns = uniqueNamespace('lease'); nc = await natsConnect(); });
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const l of open.splice(0)) await l.stop().catch(() => undefined);
  await nc.close();
  await dropNamespace(ns);
});

const base = (instance: string, o: Partial<ShardLeasesOptions> = {}): ShardLeasesOptions => ({
  namespace: ns, instance, shards: 4, leaseTtlMs: 1_500, renewIntervalMs: 300, redundancy: 1, ...o,
});

async function leases(instance: string, o: Partial<ShardLeasesOptions> = {}): Promise<ShardLeases> {
  const l = await ShardLeases.open(nc, base(instance, o));
  open.push(l);
  return l;
}

function record(l: ShardLeases): LeaseEvent[] {
  const seen: LeaseEvent[] = [];
  l.on('lease', (e) => seen.push(e));
  return seen;
}

async function holderOf(shard: number, slot = 0): Promise<{ instance: string; revision: number } | null> {
  const kv = await new Kvm(nc).open(`${ns}-leases`);
  const e = await kv.get(`shard.${shard}.slot.${slot}`);
  if (!e || e.operation !== 'PUT') return null;
  return { instance: (e.json() as { instance: string }).instance, revision: e.revision };
}

describe('shard leases in a JetStream KV bucket', () => {
  it('acquire is exclusive; renewals keep it past several TTLs; a graceful stop hands the shards over at once', async () => {
    const a = await leases('A');
    const b = await leases('B');
    const bSeen = record(b);
    await a.tick();
    await b.tick();
    expect([...a.owned()].sort()).toEqual([0, 1, 2, 3]);
    expect(b.owned().size).toBe(0);
    const rev0 = (await holderOf(0))!.revision;
    await a.start();
    // Three TTLs of renewals: A keeps every shard and the revision moves on.
    const t0 = Date.now();
    await until(() => Date.now() - t0 > 4_500, '3 TTLs');
    await b.tick();
    expect(b.owned().size).toBe(0);
    expect(a.owned().size).toBe(4);
    const h = await holderOf(0);
    expect(h?.instance).toBe('A');
    expect(h!.revision).toBeGreaterThan(rev0);
    expect(a.stats().renewed).toBeGreaterThanOrEqual(4 * 8);
    await a.stop();
    expect(a.stats().released).toBe(4);
    await b.tick();
    expect([...b.owned()].sort()).toEqual([0, 1, 2, 3]);
    expect(bSeen.filter((e) => e.type === 'acquired').map((e) => (e as { shard: number }).shard).sort()).toEqual([0, 1, 2, 3]);
  });

  it('a holder that stops renewing loses the lease to a second instance after the TTL and reports it as taken', async () => {
    const a = await leases('A');
    const aSeen = record(a);
    const b = await leases('B');
    await a.tick();
    expect(a.owned().size).toBe(4);
    // A is paused (no rounds): the bucket's max age removes its keys; B creates them.
    await until(async () => { await b.tick(); return b.owned().size === 4; }, 'B takes over after expiry', 10_000);
    await a.tick();
    expect(a.owned().size).toBe(0);
    const lost = aSeen.filter((e) => e.type === 'lost');
    expect(lost.map((e) => e.type === 'lost' && e.reason)).toEqual(['taken', 'taken', 'taken', 'taken']);
    expect(lost.every((e) => e.type === 'lost' && e.holder === 'B')).toBe(true);
    expect((await holderOf(2))?.instance).toBe('B');
  });

  it('events() yields the same lease changes as an async iterator', async () => {
    const a = await leases('A', { shards: 2 });
    const it = a.events()[Symbol.asyncIterator]();
    await a.tick();
    const first = await it.next();
    const second = await it.next();
    expect([first.value, second.value].map((e: LeaseEvent) => e.type)).toEqual(['acquired', 'acquired']);
  });

  it('redundancy 2: two instances hold every shard (one slot each), a third gets none', async () => {
    const a = await leases('A', { redundancy: 2 });
    const b = await leases('B', { redundancy: 2 });
    const c = await leases('C', { redundancy: 2 });
    await a.tick(); await b.tick(); await c.tick();
    expect(a.owned().size).toBe(4);
    expect(b.owned().size).toBe(4);
    expect(c.owned().size).toBe(0);
    const holders = await Promise.all([0, 1].map((slot) => holderOf(3, slot)));
    expect(holders.map((x) => x?.instance).sort()).toEqual(['A', 'B']);
  });

  it('a bucket made with another TTL is refused with E_CLUSTER_CONFIG', async () => {
    await leases('A');
    await expect(ShardLeases.open(nc, base('B', { leaseTtlMs: 3_000 }))).rejects.toMatchObject({ code: 'E_CLUSTER_CONFIG' });
  });

  it('two real processes: kill -9 of the holder, the other takes every shard within TTL + a renew round', async () => {
    const spawnHolder = (instance: string) => {
      const p = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify({ namespace: ns, instance, shards: 4, ttl: 1_500, renew: 300, redundancy: 1 })], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(p);
      const lines: { event: string; shard: number | null; at: number; owned?: number[] }[] = [];
      createInterface({ input: p.stdout! }).on('line', (l) => lines.push(JSON.parse(l)));
      let err = '';
      p.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
      return { p, lines, err: () => err };
    };
    const a = spawnHolder('A');
    await until(() => a.lines.some((l) => l.event === 'started'), `A started (${a.err()})`, 30_000);
    expect(a.lines.find((l) => l.event === 'started')!.owned!.sort()).toEqual([0, 1, 2, 3]);
    const b = spawnHolder('B');
    await until(() => b.lines.some((l) => l.event === 'started'), `B started (${b.err()})`, 30_000);
    expect(b.lines.find((l) => l.event === 'started')!.owned).toEqual([]);
    // B keeps trying for a while and gets nothing while A lives.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(b.lines.filter((l) => l.event === 'acquired')).toEqual([]);
    const killedAt = Date.now();
    a.p.kill('SIGKILL');
    await until(() => b.lines.filter((l) => l.event === 'acquired').length === 4, 'B acquires all 4 shards', 15_000);
    const takeoverMs = Math.max(...b.lines.filter((l) => l.event === 'acquired').map((l) => l.at)) - killedAt;
    expect(b.lines.filter((l) => l.event === 'acquired').map((l) => l.shard).sort()).toEqual([0, 1, 2, 3]);
    // Not before A's last renewal had aged out, not much after TTL + one renew round (+ server expiry sweep).
    expect(takeoverMs).toBeGreaterThan(1_500 - 300 - 100);
    expect(takeoverMs).toBeLessThan(1_500 + 300 + 2_500);
    expect((await holderOf(1))?.instance).toBe('B');
    console.log(JSON.stringify({ test: 'lease takeover after kill -9', takeoverMs, ttlMs: 1_500, renewMs: 300 }));
  }, 60_000);
  it('a renew that landed but whose reply was lost (NATS cut) is adopted, not taken for a lost lease', async () => {
    const a = await leases('A', { leaseTtlMs: 10_000, renewIntervalMs: 5_000 }); // not started: rounds only when ticked
    const seen = record(a);
    await a.tick();
    expect(a.holds(0)).toBe(true);
    // What our own renew does on the server, without A seeing the reply: same value, next revision.
    const kv = await new Kvm(nc).open(`${ns}-leases`);
    const e = (await kv.get('shard.0.slot.0'))!;
    const landed = await kv.update('shard.0.slot.0', e.value, e.revision);
    await a.tick(); // A renews with the revision it knew: a conflict, and the holder is A itself
    expect(a.holds(0)).toBe(true);
    expect(seen.filter((x) => x.type === 'lost')).toEqual([]);
    await a.tick(); // renewed on the adopted revision
    expect((await holderOf(0))!.revision).toBeGreaterThan(landed);
    expect(a.stats().lost).toBe(0);
    // Another instance's write is still a loss.
    const other = (await kv.get('shard.1.slot.0'))!;
    await kv.update('shard.1.slot.0', new TextEncoder().encode(JSON.stringify({ instance: 'X', acquiredAt: 1, renewedAt: 1, expiresAt: 1 })), other.revision);
    await a.tick();
    expect(a.holds(1)).toBe(false);
    expect(seen.filter((x) => x.type === 'lost').map((x) => (x.type === 'lost' ? [x.shard, x.reason, x.holder] : []))).toEqual([[1, 'taken', 'X']]);
  }, 30_000);
});
