/**
 * Defaults of the downstream server (src/server): one named constant per setting, unit in the name.
 * The config layer overrides them; src/server imports them from here only.
 */

/** Loopback by default: binding anywhere else requires a token. */
export const DEFAULT_SERVER_HOST = '127.0.0.1';
export const DEFAULT_SERVER_PORT = 8080;

/** Admission: connections beyond this get close 1013. */
export const DEFAULT_MAX_CONNECTIONS = 1_000;
/** Admission: event-loop lag (from the injected provider: the gateway gives the lag monitor's recent-window p99) above this gets close 1013. */
export const DEFAULT_MAX_EVENT_LOOP_LAG_MS = 500;
/** Admission: resident memory above this gets close 1013. */
export const DEFAULT_MAX_MEMORY_BYTES = 1_536 * 1024 * 1024;

/** Per client: channels subscribed at once. */
export const DEFAULT_MAX_CHANNELS_PER_CLIENT = 256;
/** Per client: incoming messages per second; above it messages are refused, above twice it the client is closed (1008). */
export const DEFAULT_MAX_INCOMING_MESSAGES_PER_SEC = 50;
/** Largest incoming frame accepted (ws closes with 1009 above it). */
export const DEFAULT_MAX_INCOMING_PAYLOAD_BYTES = 64 * 1024;

/** Bytes allowed in the socket's write buffer before our own queue takes over. */
export const DEFAULT_MAX_SOCKET_BUFFERED_BYTES = 1024 * 1024;
/**
 * Our own per-client queue, behind the socket buffer: messages and bytes. Sized so that the byte
 * bound binds for trade-sized frames (~250 B): a backfill hands the server thousands of trades
 * in one turn, which a reading client must be able to absorb (frames are shared, not copied).
 */
export const DEFAULT_MAX_QUEUE_MESSAGES = 16_384;
export const DEFAULT_MAX_QUEUE_BYTES = 4 * 1024 * 1024;
/** A client backlogged this long without catching up fully is closed with 4008 (counted from its first backlog, not its first drop). */
export const DEFAULT_SLOW_CONSUMER_CLOSE_MS = 10_000;
/** After a close frame to a hopeless client, terminate the socket if it has not finished closing. */
export const DEFAULT_CLOSE_GRACE_MS = 2_000;

/** Protocol ping to every client this often; a client that did not pong since the last one is terminated. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
/** Idle cleanup sweep period. */
export const DEFAULT_CLEANUP_INTERVAL_MS = 30_000;
/** A client with no subscription and no incoming message for this long is closed (4000). */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

/** Messages kept per channel for resume. */
export const DEFAULT_RING_CAPACITY_MESSAGES = 1_024;
/**
 * Channels the server holds at most before a subscribe may no longer create a new one (refused
 * with `channel_limit`; channels the gateway publishes are bounded by its configuration instead).
 */
export const DEFAULT_MAX_CHANNELS = 20_000;
/** A channel with no subscriber and no message for this long is freed (its resume ring with it). */
export const DEFAULT_CHANNEL_IDLE_MS = 600_000;

/** Typed client reconnect backoff. */
export const DEFAULT_CLIENT_RECONNECT_INITIAL_MS = 250;
export const DEFAULT_CLIENT_RECONNECT_MAX_MS = 10_000;
export const DEFAULT_CLIENT_RECONNECT_FACTOR = 2;
/** Fraction of each delay randomized (0..1). */
export const DEFAULT_CLIENT_RECONNECT_JITTER = 0.2;
/** Typed client: events buffered for an async iterator that is not being read. */
export const DEFAULT_CLIENT_ITERATOR_MAX_ITEMS = 10_000;

/**
 * Downstream batching (`?batch=1`, src/server/frame-batch.ts): a batch frame is sent once its
 * messages hold this many bytes (then the next one starts), or this many messages (many tiny
 * control messages). Bounds what one frame asks of a client's payload limit and memory.
 */
export const DEFAULT_BATCH_MAX_BYTES = 128 * 1024;
export const DEFAULT_BATCH_MAX_MESSAGES = 4_096;

/** How often backlogged clients are drained and checked for the slow-consumer timeout (besides socket 'drain'). */
export const DEFAULT_BACKLOG_TICK_MS = 100;

export const serverDefaults = {
  host: DEFAULT_SERVER_HOST,
  port: DEFAULT_SERVER_PORT,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxEventLoopLagMs: DEFAULT_MAX_EVENT_LOOP_LAG_MS,
  maxMemoryBytes: DEFAULT_MAX_MEMORY_BYTES,
  maxChannelsPerClient: DEFAULT_MAX_CHANNELS_PER_CLIENT,
  maxIncomingMessagesPerSec: DEFAULT_MAX_INCOMING_MESSAGES_PER_SEC,
  maxIncomingPayloadBytes: DEFAULT_MAX_INCOMING_PAYLOAD_BYTES,
  maxSocketBufferedBytes: DEFAULT_MAX_SOCKET_BUFFERED_BYTES,
  maxQueueMessages: DEFAULT_MAX_QUEUE_MESSAGES,
  maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES,
  slowConsumerCloseMs: DEFAULT_SLOW_CONSUMER_CLOSE_MS,
  closeGraceMs: DEFAULT_CLOSE_GRACE_MS,
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
  cleanupIntervalMs: DEFAULT_CLEANUP_INTERVAL_MS,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  ringCapacityMessages: DEFAULT_RING_CAPACITY_MESSAGES,
  maxChannels: DEFAULT_MAX_CHANNELS,
  channelIdleMs: DEFAULT_CHANNEL_IDLE_MS,
  backlogTickMs: DEFAULT_BACKLOG_TICK_MS,
  batchMaxBytes: DEFAULT_BATCH_MAX_BYTES,
  batchMaxMessages: DEFAULT_BATCH_MAX_MESSAGES,
} as const;

export const serverClientDefaults = {
  reconnectInitialMs: DEFAULT_CLIENT_RECONNECT_INITIAL_MS,
  reconnectMaxMs: DEFAULT_CLIENT_RECONNECT_MAX_MS,
  reconnectFactor: DEFAULT_CLIENT_RECONNECT_FACTOR,
  reconnectJitter: DEFAULT_CLIENT_RECONNECT_JITTER,
  iteratorMaxItems: DEFAULT_CLIENT_ITERATOR_MAX_ITEMS,
} as const;

