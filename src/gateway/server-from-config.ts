/**
 * The downstream server (WebSocket + HTTP) built from config `server`: limits, the dashboard
 * directory, the venue-compatible mounts, and the hooks through which it reads the gateway
 * (admission load, breaker state, health, readiness, metrics, connections). Null when disabled.
 */
import type { TickgateConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { servedChannels } from '../server/channels.js';
import { DownstreamServer, type DownstreamServerOptions } from '../server/server.js';
import type { FeedDefinition } from './feeds-from-config.js';

export interface ServerHooks {
  readonly staticDir: string;
  readonly mounts: NonNullable<DownstreamServerOptions['mounts']>;
  readonly logger: Logger;
  /** The configured feeds: clients may create channels only for their venues/symbols. */
  readonly definitions: () => readonly FeedDefinition[];
  /** The recent event-loop lag p99 (admission). */
  readonly eventLoopLagMs: () => number;
  readonly breakerOpen: (venue: string) => boolean;
  readonly http: DownstreamServerOptions['http'];
}

export function serverFromConfig(c: TickgateConfig, h: ServerHooks): DownstreamServer | null {
  if (!c.server.enabled) return null;
  return new DownstreamServer({
    host: c.server.host, port: c.server.port, token: c.server.token ?? undefined,
    maxConnections: c.server.maxConnections, maxEventLoopLagMs: c.server.maxEventLoopLagMs,
    maxMemoryBytes: c.server.maxMemoryBytes, maxChannelsPerClient: c.server.maxChannelsPerClient,
    maxIncomingMessagesPerSec: c.server.maxIncomingMessagesPerSec, maxQueueMessages: c.server.maxQueueMessages,
    maxIncomingPayloadBytes: c.server.maxIncomingPayloadBytes, maxSocketBufferedBytes: c.server.maxSocketBufferedBytes,
    maxQueueBytes: c.server.maxQueueBytes, slowConsumerCloseMs: c.server.slowConsumerCloseMs,
    heartbeatIntervalMs: c.server.heartbeatIntervalMs, cleanupIntervalMs: c.server.cleanupIntervalMs,
    idleTimeoutMs: c.server.idleTimeoutMs, ringCapacityMessages: c.server.ringCapacityMessages,
    maxChannels: c.server.maxChannels, channelIdleMs: c.server.channelIdleMs,
    batchMaxBytes: c.server.batchMaxBytes, batchMaxMessages: c.server.batchMaxMessages,
    staticDir: h.staticDir,
    // The Binance-compatible endpoint under its prefix (compat.binance.pathPrefix), same auth.
    mounts: h.mounts,
    logger: h.logger,
    // Clients may create channels only for configured venues/symbols (bounded server state).
    allowChannel: servedChannels(h.definitions),
    admission: {
      // The recent window, not the lifetime p99: react to the current load, forget a startup spike.
      eventLoopLagMs: h.eventLoopLagMs,
      // Also checked on every subscribe to a channel of the venue.
      breakerOpen: h.breakerOpen,
    },
    http: h.http,
  });
}
