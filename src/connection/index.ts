/** Public surface of the connection layer. */
export * from './protocol.js';
export { Connection } from './connection.js';
export type { ConnectionInit, ConnectionEvents, ConnectionStats, ConnectionDetails, FrameMeta, RotationEvent } from './connection.js';
export { ConnectionManager } from './manager.js';
export type { ConnectionSpec, ConnectionManagerInit, ManagerStats } from './manager.js';
export { resolveConnectionOptions, type ConnectionOptions } from './options.js';
export { ConnectionError, isConnectionError, type ConnectionErrorCode } from './errors.js';
export { CONNECTION_STATES, TRANSITIONS, canTransition, InvalidTransitionError, type ConnectionState, type StateTransition } from './states.js';
export { Backoff, type BackoffSettings } from './backoff.js';
export { CircuitBreaker, type BreakerState, type BreakerStats, type BreakerSettings } from './breaker.js';
export { TokenBucket, type TokenBucketStats } from './token-bucket.js';
export { SubscriptionRegistry, type SubscriptionSnapshot, type SubscriptionStatus } from './subscriptions.js';
export { checkNetwork, type NetworkCheckSettings, type NetworkCheckResult } from './network-check.js';
export { defaultUpgradePolicy, type SocketFactory } from './session.js';
export type { MetadataSnapshot } from './metadata.js';
