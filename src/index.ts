/** tickgate public API. Internals are imported from their folders by tests only. */
export * from './model/index.js';
export * from './connection/protocol.js';
export { createLogger, silentLogger, redactUrl, type Logger } from './observability/logger.js';
