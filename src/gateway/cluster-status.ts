/**
 * What the cluster wiring shows outside: its counters (ClusterWiringStats), the
 * tickgate_cluster_* metrics read from them at scrape time, and the `cluster` part of the gateway
 * status. Read only: nothing here changes the wiring.
 */
import type { MetricsRegistry, Sample } from '../observability/metrics.js';
import type { ClusterWiring, ClusterConfig } from './cluster-wiring.js';

export interface ClusterWiringStats {
  queued: number;
  maxQueued: number;
  /** Feed events lost: memory queue full without a spool, or the spool full / failing. */
  dropped: number;
  notOwned: number;
  consumed: number;
  /** Events re-published from the standby ring on taking shards over. */
  handoverReplayed: number;
  /** Takeovers where the ring did not reach back to the stream's last trade and no REST backfill could fill it (a gap remains). */
  handoverGaps: number;
  /** Trade streams whose first trade after a takeover was past the stream's last one: REST-backfilled from it. */
  handoverBackfills: number;
  /** Stream look-ups of a takeover that failed (that stream then resumes without a floor: the duplicate window applies). */
  handoverLookupFailures: number;
  /** Collector: trades not re-published because this collector queued them already. */
  skippedOwnTrades: number;
  /** Collector: trades not re-published because the stream holds them (peer or old owner). */
  skippedStreamTrades: number;
  /** Collector: stream look-ups after its own trade stream fell behind (venue outage, gap). */
  catchUpLookups: number;
  /** Collector: events released unfiltered because a look-up's buffer was full. */
  catchUpOverflows: number;
  /** Processor: trades dropped as already stored (re-read after a restart). */
  consumedBelowFloor: number;
  /** Processor: trades dropped because the stream held them twice. */
  consumedDoubles: number;
  /** Processor: stream sequence it was positioned at from storage on start (0: the consumer's own position). */
  startSeqFromStorage: number;
}

/** tickgate_cluster_* series, read from the wiring's stats at scrape time (labels: fixed enums only). */
export function registerClusterMetrics(m: MetricsRegistry, c: ClusterWiring): void {
  const one = (v: number | undefined): Sample[] => (v === undefined ? [] : [[{}, v]]);
  m.gauge('tickgate_cluster_shards_owned', 'Shards this instance holds a lease on', [], () => one(c.stats().owned.length));
  m.counter('tickgate_cluster_lease_changes_total', 'Lease changes of this instance', ['change'], () => {
    const l = c.stats().leases;
    return l ? [[{ change: 'acquired' }, l.acquired], [{ change: 'lost' }, l.lost], [{ change: 'released' }, l.released]] : [];
  });
  m.counter('tickgate_cluster_published_total', 'Bus publishes acked, by result', ['result'], () => {
    const p = c.stats().publisher;
    return p ? [[{ result: 'stored' }, p.published], [{ result: 'duplicate' }, p.duplicates]] : [];
  });
  m.counter('tickgate_cluster_publish_retries_total', 'Bus publishes re-sent after a failure', [], () => one(c.stats().publisher?.retries));
  m.counter('tickgate_cluster_publish_ack_seconds_sum', 'Publish to JetStream ack, summed over acked publishes (with _count: the mean publish latency)', [], () => {
    const p = c.stats().publisher;
    return p ? [[{}, p.ackMsSum / 1000]] : [];
  });
  m.counter('tickgate_cluster_publish_ack_seconds_count', 'Acked publishes timed in tickgate_cluster_publish_ack_seconds_sum', [], () => one(c.stats().publisher?.ackCount));
  m.gauge('tickgate_cluster_publish_ack_recent_max_seconds', 'Slowest publish ack among the last 256', [], () => {
    const p = c.stats().publisher;
    return p ? [[{}, p.recentMaxAckMs / 1000]] : [];
  });
  m.gauge('tickgate_cluster_publish_in_flight', 'Bus publishes awaiting their ack', [], () => one(c.stats().publisher?.inFlight));
  m.gauge('tickgate_cluster_publish_queue', 'Feed events waiting for the bus publisher', [], () => one(c.stats().queued));
  m.counter('tickgate_cluster_publish_dropped_total', 'Feed events dropped: publish queue full without a disk spool, or the spool full or failing', [], () => one(c.stats().dropped));
  m.counter('tickgate_cluster_publish_spooled_total', 'Feed events written to the disk spool (publish queue overflow while NATS is away)', [], () => one(c.stats().spool?.spooled));
  m.gauge('tickgate_cluster_publish_spool_events', 'Feed events in the disk spool waiting for the bus', [], () => one(c.stats().spool?.depth));
  m.counter('tickgate_cluster_handover_replayed_total', 'Events re-published from the standby ring on shard takeover', [], () => one(c.stats().handoverReplayed));
  m.counter('tickgate_cluster_handover_gaps_total', 'Takeovers whose standby ring did not reach the stream\'s last trade and no REST fetcher could fill it', [], () => one(c.stats().handoverGaps));
  m.gauge('tickgate_cluster_venue_streams', 'Venue streams this collector is subscribed to (subscriptions follow its leases)', [], () => one(c.stats().venue?.streams));
  m.counter('tickgate_cluster_venue_subscription_changes_total', 'Venue streams subscribed or unsubscribed at runtime on lease changes', ['change'], () => {
    const v = c.stats().venue;
    return v ? [[{ change: 'subscribed' }, v.subscribed], [{ change: 'unsubscribed' }, v.unsubscribed]] : [];
  });
  m.counter('tickgate_cluster_handover_backfills_total', 'Trade streams REST-backfilled from the stream\'s last trade after a takeover', [], () => one(c.stats().handoverBackfills));
  m.counter('tickgate_cluster_consumed_total', 'Events consumed from the bus into the pipeline', [], () => one(c.stats().consumer ? c.stats().consumed : undefined));
  m.counter('tickgate_cluster_consumed_skipped_total', 'Bus trades not passed to the pipeline: already stored (re-read after a restart) or stored twice in the stream', ['reason'], () => {
    const st = c.stats();
    return st.consumer ? [[{ reason: 'stored' }, st.consumedBelowFloor], [{ reason: 'double' }, st.consumedDoubles]] : [];
  });
  m.counter('tickgate_cluster_publish_skipped_total', 'Collector trades not re-published: queued once already (own) or present in the stream (peer, old owner)', ['reason'], () => {
    const st = c.stats();
    return st.publisher ? [[{ reason: 'own' }, st.skippedOwnTrades], [{ reason: 'in_stream' }, st.skippedStreamTrades]] : [];
  });
  m.gauge('tickgate_cluster_consumer_start_seq', 'Stream sequence this processor was positioned at from storage on start (0: its consumer\'s own position)', [], () => one(c.stats().consumer ? c.stats().startSeqFromStorage : undefined));
  m.gauge('tickgate_cluster_consumer_lag_messages', 'Stream messages not yet delivered to this processor', [], () => one(c.stats().consumer?.lagMessages));
}

/** The cluster part of the gateway status (dashboard panel web/js/cluster.js). */
export interface ClusterStatus {
  readonly role: ClusterConfig['role'];
  readonly instance: string;
  readonly namespace: string;
  readonly owned: readonly number[];
  readonly shards: number;
  readonly leaseChanges: { readonly acquired: number; readonly lost: number; readonly released: number } | null;
  readonly publish: { readonly stored: number; readonly duplicates: number; readonly retries: number; readonly queued: number; readonly dropped: number; readonly meanAckMs: number; readonly recentMaxAckMs: number } | null;
  readonly skipped: { readonly own: number; readonly inStream: number };
  /** Collector: venue streams subscribed now (they follow the leases); null without attached feeds. */
  readonly venueStreams: number | null;
  /** Collector: events in the disk spool (NATS away longer than memory holds); null before any overflow. */
  readonly spooled: number | null;
  readonly consumer: { readonly consumed: number; readonly lagMessages: number; readonly stored: number; readonly doubles: number; readonly startSeq: number } | null;
}

export function clusterStatus(c: ClusterWiring): ClusterStatus {
  const s = c.stats();
  const p = s.publisher;
  return {
    role: c.role, instance: c.instance, namespace: c.namespace, owned: [...s.owned].sort((a, b) => a - b), shards: c.shards,
    leaseChanges: s.leases ? { acquired: s.leases.acquired, lost: s.leases.lost, released: s.leases.released } : null,
    publish: p ? {
      stored: p.published, duplicates: p.duplicates, retries: p.retries, queued: s.queued, dropped: s.dropped,
      meanAckMs: p.ackCount > 0 ? p.ackMsSum / p.ackCount : 0, recentMaxAckMs: p.recentMaxAckMs,
    } : null,
    skipped: { own: s.skippedOwnTrades, inStream: s.skippedStreamTrades },
    venueStreams: s.venue?.streams ?? null,
    spooled: s.spool?.depth ?? null,
    consumer: s.consumer ? { consumed: s.consumed, lagMessages: s.consumer.lagMessages, stored: s.consumedBelowFloor, doubles: s.consumedDoubles, startSeq: s.startSeqFromStorage } : null,
  };
}
