/**
 * Defaults of the upstream connection (src/connection/). Every timing carries its unit in its name.
 * Profiles override a few (staging: breakerFailureThreshold 3, breakerRecoveryMs 15 000).
 */

/** TCP + TLS + WebSocket upgrade of one attempt. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Login acks and subscribe acks, per phase. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;
/** Deadline for the pong answering one ping (protocol or application level). */
export const DEFAULT_PING_TIMEOUT_MS = 5_000;
/** Graceful close (close frame and the peer's answer) before the socket is destroyed. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** A protocol-level ping is sent this often while connected. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;
/** isHealthy() requires a pong within this window. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 45_000;
/** No data frame at all for this long: the connection is stale, closed and reconnected. */
export const DEFAULT_STALE_AFTER_MS = 60_000;
/** A subscribed stream without data for this long while others flow is reported stale. */
export const DEFAULT_STREAM_STALE_AFTER_MS = 120_000;
/** First reconnect delay ceiling (full jitter draws in [0, ceiling]). */
export const DEFAULT_RECONNECT_BASE_DELAY_MS = 500;
/** Cap of the reconnect delay ceiling. */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;
/** Backoff resets only after the connection has stayed connected this long. */
export const DEFAULT_BACKOFF_RESET_AFTER_MS = 60_000;
/** Consecutive failed attempts on one host that open its breaker. */
export const DEFAULT_BREAKER_FAILURE_THRESHOLD = 5;
/**
 * Open time of a breaker's first open (then one half-open probe). Short on purpose: a fixed 60 s
 * turned a 40 s venue outage into 68 s without data; consecutive opens grow it (below).
 */
export const DEFAULT_BREAKER_RECOVERY_MS = 3_000;
/** Each consecutive open lasts this many times the previous one... */
export const DEFAULT_BREAKER_RECOVERY_MULTIPLIER = 1.5;
/** ...up to this cap (the former fixed open time). */
export const DEFAULT_BREAKER_MAX_RECOVERY_MS = 60_000;
/** After a successful attempt and this long without a failed one, the next open starts short again. */
export const DEFAULT_BREAKER_RESET_AFTER_MS = 60_000;
/** Connection attempts allowed per host per window (token bucket). */
export const DEFAULT_CONNECT_ATTEMPTS_PER_WINDOW = 300;
export const DEFAULT_CONNECT_ATTEMPT_WINDOW_MS = 300_000;
/** Outgoing messages per connection per second (the venue's own limit applies when lower). */
export const DEFAULT_MAX_MESSAGES_PER_SECOND = 5;
/** Per-attempt connect timeouts (attempt n uses entry min(n, last)); null = connectTimeoutMs always. */
export const DEFAULT_CONNECT_TIMEOUT_SCHEDULE_MS: readonly number[] | null = null;
/** State transitions kept in the metadata ring. */
export const DEFAULT_METADATA_RING_SIZE = 100;
/** Ring entries older than this are dropped by the cleanup. */
export const DEFAULT_METADATA_MAX_AGE_MS = 3_600_000;
/** How often metadata (ring, per-stream figures of removed streams) is cleaned. */
export const DEFAULT_CLEANUP_INTERVAL_MS = 60_000;
/**
 * Pre-connect network check (DNS resolve + TCP connect). 'auto' runs it for every host except
 * loopback ones: against a real venue it tells "network down" apart from "venue refuses", and on
 * loopback it only adds a round trip.
 */
export const DEFAULT_NETWORK_CHECK: 'auto' | 'on' | 'off' = 'auto';
export const DEFAULT_NETWORK_CHECK_ATTEMPTS = 3;
/** Wait before retry n (1 s, 2 s, 4 s). */
export const DEFAULT_NETWORK_CHECK_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000];
/** Whole check budget, retries included. */
export const DEFAULT_NETWORK_CHECK_TOTAL_MS = 10_000;
/** TCP connect timeout of one check attempt. */
export const DEFAULT_NETWORK_CHECK_CONNECT_TIMEOUT_MS = 5_000;
/** Rotation starts this long before the venue's connection lifetime ends. */
export const DEFAULT_ROTATION_MARGIN_MS = 600_000;
/** Both sockets deliver frames this long after the replacement is live, then the old one closes. */
export const DEFAULT_ROTATION_OVERLAP_MS = 2_000;
/** After a failed rotation, the next try waits this long (the old socket keeps serving). */
export const DEFAULT_ROTATION_RETRY_DELAY_MS = 30_000;
/** Data frames arriving before every ack (e.g. Bybit book snapshots) are held, up to this many. */
export const DEFAULT_PRE_LIVE_BUFFER_FRAMES = 10_000;
/** A stale single stream is resubscribed once; still stale after that, the connection reconnects. */
export const DEFAULT_STREAM_STALE_ACTION: 'resubscribe' | 'report' = 'resubscribe';
/** Largest frame accepted from the venue. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export const connectionDefaults = {
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  pingTimeoutMs: DEFAULT_PING_TIMEOUT_MS,
  closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS,
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
  heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
  staleAfterMs: DEFAULT_STALE_AFTER_MS,
  streamStaleAfterMs: DEFAULT_STREAM_STALE_AFTER_MS,
  reconnectBaseDelayMs: DEFAULT_RECONNECT_BASE_DELAY_MS,
  reconnectMaxDelayMs: DEFAULT_RECONNECT_MAX_DELAY_MS,
  backoffResetAfterMs: DEFAULT_BACKOFF_RESET_AFTER_MS,
  breakerFailureThreshold: DEFAULT_BREAKER_FAILURE_THRESHOLD,
  breakerRecoveryMs: DEFAULT_BREAKER_RECOVERY_MS,
  breakerRecoveryMultiplier: DEFAULT_BREAKER_RECOVERY_MULTIPLIER,
  breakerMaxRecoveryMs: DEFAULT_BREAKER_MAX_RECOVERY_MS,
  breakerResetAfterMs: DEFAULT_BREAKER_RESET_AFTER_MS,
  connectAttemptsPerWindow: DEFAULT_CONNECT_ATTEMPTS_PER_WINDOW,
  connectAttemptWindowMs: DEFAULT_CONNECT_ATTEMPT_WINDOW_MS,
  maxMessagesPerSecond: DEFAULT_MAX_MESSAGES_PER_SECOND,
  connectTimeoutScheduleMs: DEFAULT_CONNECT_TIMEOUT_SCHEDULE_MS,
  metadataRingSize: DEFAULT_METADATA_RING_SIZE,
  metadataMaxAgeMs: DEFAULT_METADATA_MAX_AGE_MS,
  cleanupIntervalMs: DEFAULT_CLEANUP_INTERVAL_MS,
  networkCheck: DEFAULT_NETWORK_CHECK,
  networkCheckAttempts: DEFAULT_NETWORK_CHECK_ATTEMPTS,
  networkCheckRetryDelaysMs: DEFAULT_NETWORK_CHECK_RETRY_DELAYS_MS,
  networkCheckTotalMs: DEFAULT_NETWORK_CHECK_TOTAL_MS,
  networkCheckConnectTimeoutMs: DEFAULT_NETWORK_CHECK_CONNECT_TIMEOUT_MS,
  rotationMarginMs: DEFAULT_ROTATION_MARGIN_MS,
  rotationOverlapMs: DEFAULT_ROTATION_OVERLAP_MS,
  rotationRetryDelayMs: DEFAULT_ROTATION_RETRY_DELAY_MS,
  preLiveBufferFrames: DEFAULT_PRE_LIVE_BUFFER_FRAMES,
  streamStaleAction: DEFAULT_STREAM_STALE_ACTION,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
} as const;
