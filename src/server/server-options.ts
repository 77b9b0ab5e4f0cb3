/**
 * The downstream server's surface: its options (limits default from config/defaults/server.ts),
 * the endpoints mounted on its port, the connection-setup hook's argument and its stats.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { serverDefaults } from '../config/defaults/server.js';
import type { Logger } from '../observability/logger.js';
import type { AdmissionProviders, AdmissionReason } from './admission.js';
import type { Serializer } from './channel-hub.js';
import type { Channel } from './channels.js';
import type { HttpProviders } from './http.js';

export type ServerLimits = { -readonly [K in Exclude<keyof typeof serverDefaults, 'host'>]: number } & { host: string };

export interface ConnectionSetupInfo {
  readonly id: number;
  readonly remoteAddress: string;
  /** Venues the client declared with ?channels=. */
  readonly venues: ReadonlySet<string>;
}

export interface DownstreamServerOptions extends Partial<Omit<ServerLimits, 'host'>> {
  /** Default 127.0.0.1. Any non-loopback host requires `token`. */
  readonly host?: string;
  /** Required to bind a non-loopback host; without it only loopback peers are accepted. Never logged. */
  readonly token?: string;
  readonly admission?: AdmissionProviders;
  readonly http?: HttpProviders;
  /** Directory served at "/" (the dashboard). */
  readonly staticDir?: string;
  /** URL path → absolute file; default: /vendor/lightweight-charts.js when the package is installed. */
  readonly files?: Readonly<Record<string, string>>;
  /** Epoch every channel starts in (default Date.now(): a new process means a new epoch). */
  readonly initialEpoch?: number;
  readonly serializer?: Serializer;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Peer address of a request; tests inject it to pose as a remote peer. */
  readonly remoteAddress?: (req: IncomingMessage) => string | undefined;
  /** Called while a connection is set up; throwing refuses it with 1011 (counted as setup_failed). */
  readonly onConnection?: (info: ConnectionSetupInfo) => void;
  /**
   * Channels a client may create by subscribing (e.g. only configured venues/symbols): null to
   * allow, or why not (the client gets `channel_not_served` with it). Channels already published
   * are always subscribable. Default: any well-formed name (still capped by maxChannels).
   */
  readonly allowChannel?: (channel: Channel) => string | null;
  /** Endpoints served under their own path prefix on this port (e.g. the Binance-compatible one), same auth. */
  readonly mounts?: readonly ServerMount[];
}

/** An endpoint mounted on the server's port: it owns its paths' HTTP requests and WebSocket upgrades. */
export interface ServerMount {
  owns(path: string): boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface DownstreamServerStats {
  clients: number;
  backloggedClients: number;
  channels: number;
  channelsCreated: number;
  channelsFreed: number;
  /** Subscribes refused: channel not served, server channel limit, venue breaker open. */
  channelRefusals: { notServed: number; limit: number; breakerOpen: number };
  subscriptions: number;
  subscriptionsByChannel: Record<string, number>;
  messagesPublished: number;
  deliveryFailures: number;
  messagesSent: number;
  bytesSent: number;
  drops: number;
  /** Frames of several messages sent to clients that asked for batches (?batch=1), and the messages in them. */
  batchFrames: number;
  batchedMessages: number;
  conflations: number;
  gapNotices: number;
  admissionRejections: Record<AdmissionReason, number>;
  authRejections: number;
  slowConsumerCloses: number;
  heartbeatTerminations: number;
  idleCloses: number;
  rateLimited: number;
  rateLimitCloses: number;
  connectionsAccepted: number;
}
