/**
 * The cluster view (`tickgate status`): leases of two collectors, one processor's durable with
 * its lag, the stream, read from NATS alone; and the status command prints it.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readClusterView } from '../../../src/cluster/cluster-view.js';
import { EventConsumer } from '../../../src/cluster/consumer.js';
import { ensureEventStream } from '../../../src/cluster/event-stream.js';
import { ShardLeases } from '../../../src/cluster/leases.js';
import { EventPublisher } from '../../../src/cluster/publisher.js';
import { CollectorPresence } from '../../../src/cluster/presence.js';
import { leaseBucketName } from '../../../src/cluster/names.js';
import { Kvm } from '@nats-io/kv';
import { tempDir } from '../gateway/helpers.js';
import { makeEvents } from './events-fixture.js';
import { dropNamespace, natsConnect, uniqueNamespace } from './helpers.js';

const run = promisify(execFile);

describe('cluster view', () => {
  const ns = uniqueNamespace('cv');
  const tmp = tempDir('cluster-view');
  afterAll(async () => { tmp.remove(); await dropNamespace(ns); });

  it('instances with roles and shards, leases, consumer lag; printed by tickgate status', async () => {
    const nc = await natsConnect();
    const lease = (instance: string) => ShardLeases.open(nc, { namespace: ns, instance, shards: 4, leaseTtlMs: 10_000, renewIntervalMs: 2_000, redundancy: 2, maxShards: 2 });
    const a = await lease('col-a'); await a.start();
    const b = await lease('col-b'); await b.start();
    const jsm = await ensureEventStream(nc, { namespace: ns, duplicateWindowMs: 60_000, maxAgeMs: 0, maxBytes: 10_000_000 });
    const pub = new EventPublisher(nc, { namespace: ns, maxInFlight: 64, publishTimeoutMs: 5_000 });
    for (const e of makeEvents(50)) await pub.publish(e);
    await pub.flush();
    const c = await EventConsumer.open(nc, jsm, { namespace: ns, durable: 'processor-proc-1', maxAckPending: 100, ackWaitMs: 30_000 });
    let n = 0;
    for await (const m of c) { m.ack(); if (++n === 20) break; }
    await c.close();

    // A standby collector holding no lease shows by its presence key alone.
    await new CollectorPresence(await new Kvm(nc).open(leaseBucketName(ns)), 'col-standby').beat();

    const v = await readClusterView(nc, ns);
    expect(v.errors).toEqual([]);
    expect(v.stream?.messages).toBe(50);
    expect(v.leases.length).toBe(4);
    expect(v.instances.map((i) => [i.instance, i.role, i.shards.length])).toEqual([['col-a', 'collector', 2], ['col-b', 'collector', 2], ['col-standby', 'collector', 0], ['proc-1', 'processor', 0]]);
    expect(v.instances.find((i) => i.instance === 'proc-1')!.lagMessages).toBeGreaterThanOrEqual(0);
    expect(v.consumers[0]!.ackFloorSeq).toBeGreaterThan(0);

    // The CLI: the cluster part needs only NATS (no gateway answers on this port).
    const cfg = join(tmp.dir, 'status.json');
    writeFileSync(cfg, JSON.stringify({ server: { port: 1 }, cluster: { namespace: ns, role: 'processor' } }));
    const out = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', cfg, 'status'], { timeout: 30_000 }).catch((e: { stdout: string; stderr: string }) => e);
    expect(out.stdout).toMatch(new RegExp(`cluster ${ns}: stream 50 messages`));
    expect(out.stdout).toMatch(/col-a\s+collector/);
    expect(out.stdout).toMatch(/col-standby\s+collector/);
    expect(out.stdout).toMatch(/proc-1\s+processor/);
    expect(out.stdout).toMatch(/processor-proc-1/);

    await a.stop(); await b.stop();
    await nc.close();
  }, 60_000);
});
