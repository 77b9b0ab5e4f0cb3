/** Public types of a Connection: its events, construction parameters and figures. */
import type { Logger } from '../observability/logger.js';
import type { TickgateError } from '../model/errors.js';
import type { VenueProtocol } from './protocol.js';
import type { BreakerStats, CircuitBreaker } from './breaker.js';
import type { MetadataSnapshot } from './metadata.js';
import type { ConnectionOptions } from './options.js';
import type { SocketFactory } from './session.js';
import type { ConnectionState, StateTransition } from './states.js';
import type { SubscriptionSnapshot } from './subscriptions.js';
import type { TokenBucket } from './token-bucket.js';

export interface FrameMeta {
  /** Epoch ms at which the socket handed the frame over. */
  readonly receiveTime: number;
  /** Stream named by protocol.classify(), when known. */
  readonly stream?: string;
  readonly connectionKey: string;
  /** Socket generation: increases with every attempt; during a rotation overlap two are live. */
  readonly generation: number;
}

export interface RotationEvent {
  /** overlap_start: both generations deliver frames (dedup downstream); overlap_end: old one closed. */
  readonly phase: 'overlap_start' | 'overlap_end';
  readonly oldGeneration: number;
  readonly newGeneration: number;
  readonly time: number;
}

export interface ConnectionEvents {
  state: (t: StateTransition) => void;
  frame: (text: string, meta: FrameMeta) => void;
  connected: (info: { readonly generation: number; readonly streams: number; readonly time: number }) => void;
  reconnected: (info: { readonly generation: number; readonly downtimeMs: number; readonly reconnects: number }) => void;
  stale: (info: { readonly silentMs: number; readonly lastDataTime: number; readonly thresholdMs: number }) => void;
  stream_stale: (info: { readonly stream: string; readonly silentMs: number; readonly lastDataTime: number; readonly thresholdMs: number; readonly strike: number; readonly action: 'resubscribe' | 'reconnect' | 'report' }) => void;
  stream_recovered: (info: { readonly stream: string; readonly time: number }) => void;
  rotation: (e: RotationEvent) => void;
  error: (err: TickgateError) => void;
}

export interface ConnectionInit {
  readonly key: string;
  readonly protocol: VenueProtocol;
  readonly streams?: readonly string[];
  readonly options?: Partial<ConnectionOptions>;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly socketFactory?: SocketFactory;
  /** Uniform [0,1) for backoff jitter. */
  readonly random?: () => number;
  /** Shared per-host breaker (the manager passes one); a private one otherwise. */
  readonly breakerFor?: (host: string) => CircuitBreaker;
  /** Shared per-host connect-attempt bucket. */
  readonly connectLimiterFor?: (host: string) => TokenBucket;
  /** Replaces the DNS + TCP pre-connect check (tests). */
  readonly networkCheck?: (host: string, port: number, signal: AbortSignal) => Promise<void>;
}

export interface ConnectionStats {
  readonly key: string;
  readonly venue: string;
  readonly state: ConnectionState;
  readonly healthy: boolean;
  readonly generation: number;
  readonly streams: number;
  readonly pendingStreams: number;
  readonly framesIn: number;
  readonly bytesIn: number;
  readonly framesOut: number;
  readonly dataFrames: number;
  readonly reconnects: number;
  readonly rotations: number;
  readonly failedAttempts: number;
  readonly invalidTransitions: number;
  readonly staleEpisodes: number;
  readonly streamStaleEpisodes: number;
  readonly lastPingRttMs: number | null;
  readonly backoffAttempts: number;
}

export interface ConnectionDetails {
  readonly key: string;
  readonly venue: string;
  readonly url: string;
  readonly state: ConnectionState;
  readonly healthy: boolean;
  readonly generation: number;
  readonly subscriptions: readonly SubscriptionSnapshot[];
  readonly metadata: MetadataSnapshot;
  readonly breaker: BreakerStats | null;
}
