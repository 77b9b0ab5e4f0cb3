/** tickgate public API. Internals are imported from their folders by tests only. */
export * from './model/index.js';
export * from './connection/index.js';
export * from './venues/index.js';
export * from './integrity/index.js';
export * from './pipeline/index.js';
export * from './aggregate/index.js';
export * from './sinks/index.js';
export * from './server/index.js';
export * from './config/index.js';
export * from './gateway/index.js';
export { replayRecording, ReplayError as GatewayReplayError, type ReplayRunOptions, type ReplaySummary, type ReplayVenue } from './gateway/replay.js';
export { createLogger, silentLogger, redactUrl, type Logger } from './observability/logger.js';
export { MetricsRegistry } from './observability/metrics.js';
export * from './compat/binance/index.js';
export {
  ClusterError, shardOf, symbolsOfShards, fnv1a32, eventSubject, eventStreamName, leaseBucketName, leaseKey,
  eventKind, eventMsgId, ShardLeases, ensureEventStream, EventPublisher, EventConsumer, lastEventOf, lastTradeIds,
  connectCluster, type ShardLeasesOptions, type LeaseEvent, type LeaseLossReason, type LeaseStats, type LeaseValue,
  type EventStreamOptions, type EventPublisherOptions, type PublisherStats, type BusEvent,
  type ConsumerStats as BusConsumerStats, type EventConsumerOptions, type LastEvent, type ClusterConnectOptions,
} from './cluster/index.js';
