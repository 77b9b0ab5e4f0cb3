/** Scale-out over NATS JetStream: shard leases, the event bus, names and identities. */
export { ClusterError } from './errors.js';
export { shardOf, symbolsOfShards, fnv1a32 } from './shards.js';
export { eventSubject, eventStreamName, leaseBucketName, leaseKey } from './names.js';
export { eventKind, eventMsgId } from './event-identity.js';
export { ShardLeases, type ShardLeasesOptions } from './leases.js';
export type { LeaseEvent, LeaseLossReason, LeaseStats, LeaseValue } from './lease-events.js';
export { ensureEventStream, type EventStreamOptions } from './event-stream.js';
export { EventPublisher, type EventPublisherOptions, type PublisherStats } from './publisher.js';
export { EventConsumer, type BusEvent, type ConsumerStats, type EventConsumerOptions } from './consumer.js';
export { lastEventOf, lastTradeIds, type LastEvent } from './last-event.js';
export { connectCluster, type ClusterConnectOptions } from './nats-connect.js';
