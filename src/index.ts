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
export * from './cluster/index.js';
