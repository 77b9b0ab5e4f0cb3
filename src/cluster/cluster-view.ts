/**
 * The whole cluster as NATS sees it, for `tickgate status` and the dashboard: who holds which
 * shard lease (collectors), which durable consumers read the events stream and how far behind
 * each is (processors), and the stream itself. Read-only; bounded by the shard count and the
 * consumer count.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { errorText } from './errors.js';
import type { LeaseValue } from './lease-events.js';
import { eventStreamName, leaseBucketName, parseLeaseKey } from './names.js';
import { instanceOfPresenceKey } from './presence.js';

export interface LeaseRow { shard: number; slot: number; instance: string; renewedAgoMs: number; expiresInMs: number }
export interface ConsumerRow { durable: string; instance: string | null; pending: number; ackPending: number; redelivered: number; ackFloorSeq: number }
export interface InstanceRow { instance: string; role: 'collector' | 'processor' | 'all'; shards: number[]; lagMessages: number | null }

export interface ClusterView {
  namespace: string;
  stream: { messages: number; bytes: number; firstSeq: number; lastSeq: number } | null;
  leases: LeaseRow[];
  consumers: ConsumerRow[];
  instances: InstanceRow[];
  /** What could not be read (a missing bucket or stream is not an error: nothing started yet). */
  errors: string[];
}

const PROCESSOR_PREFIX = 'processor-';

export async function readClusterView(nc: NatsConnection, namespace: string, now = Date.now()): Promise<ClusterView> {
  const view: ClusterView = { namespace, stream: null, leases: [], consumers: [], instances: [], errors: [] };
  const collectors = new Set<string>();
  const jsm = await jetstreamManager(nc);
  try {
    const info = await jsm.streams.info(eventStreamName(namespace));
    view.stream = { messages: info.state.messages, bytes: info.state.bytes, firstSeq: info.state.first_seq, lastSeq: info.state.last_seq };
    for await (const c of jsm.consumers.list(eventStreamName(namespace))) {
      const name = c.config.durable_name ?? c.name;
      view.consumers.push({
        durable: name, instance: name.startsWith(PROCESSOR_PREFIX) ? name.slice(PROCESSOR_PREFIX.length) : null,
        pending: c.num_pending, ackPending: c.num_ack_pending, redelivered: c.num_redelivered, ackFloorSeq: c.ack_floor.stream_seq,
      });
    }
  } catch (err) {
    if (!/not found/i.test(errorText(err))) view.errors.push(`stream ${eventStreamName(namespace)}: ${errorText(err)}`);
  }
  try {
    const kv = await new Kvm(nc).open(leaseBucketName(namespace));
    const keys = await kv.keys();
    for await (const key of keys) {
      const present = instanceOfPresenceKey(key);
      if (present !== null) { collectors.add(present); continue; }
      const at = parseLeaseKey(key);
      if (!at) continue;
      const e = await kv.get(key);
      if (!e || e.operation !== 'PUT') continue;
      const v = e.json<LeaseValue>();
      view.leases.push({ shard: at.shard, slot: at.slot, instance: v.instance, renewedAgoMs: now - v.renewedAt, expiresInMs: v.expiresAt - now });
    }
  } catch (err) {
    if (!/not found|does not exist/i.test(errorText(err))) view.errors.push(`lease bucket ${leaseBucketName(namespace)}: ${errorText(err)}`);
  }
  view.leases.sort((a, b) => a.shard - b.shard || a.slot - b.slot);
  const by = new Map<string, InstanceRow>();
  // A collector beating its presence but holding no lease is a standby.
  for (const c of collectors) by.set(c, { instance: c, role: 'collector', shards: [], lagMessages: null });
  for (const l of view.leases) {
    let r = by.get(l.instance);
    if (!r) by.set(l.instance, (r = { instance: l.instance, role: 'collector', shards: [], lagMessages: null }));
    r.shards.push(l.shard);
  }
  for (const c of view.consumers) {
    if (c.instance === null) continue;
    const r = by.get(c.instance);
    if (r) { r.role = 'all'; r.lagMessages = c.pending; } else by.set(c.instance, { instance: c.instance, role: 'processor', shards: [], lagMessages: c.pending });
  }
  view.instances = [...by.values()].sort((a, b) => a.instance.localeCompare(b.instance));
  return view;
}
