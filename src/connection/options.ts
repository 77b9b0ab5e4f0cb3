/** Options of a Connection: every default comes from config/defaults/connection.ts; validated once. */
import { connectionDefaults } from '../config/defaults/connection.js';
import { ConfigError } from '../model/errors.js';

export interface ConnectionOptions {
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly pingTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly staleAfterMs: number;
  readonly streamStaleAfterMs: number;
  readonly reconnectBaseDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly backoffResetAfterMs: number;
  readonly breakerFailureThreshold: number;
  readonly breakerRecoveryMs: number;
  readonly breakerRecoveryMultiplier: number;
  readonly breakerMaxRecoveryMs: number;
  readonly breakerResetAfterMs: number;
  readonly connectAttemptsPerWindow: number;
  readonly connectAttemptWindowMs: number;
  readonly maxMessagesPerSecond: number;
  readonly connectTimeoutScheduleMs: readonly number[] | null;
  readonly metadataRingSize: number;
  readonly metadataMaxAgeMs: number;
  readonly cleanupIntervalMs: number;
  readonly networkCheck: 'auto' | 'on' | 'off';
  readonly networkCheckAttempts: number;
  readonly networkCheckRetryDelaysMs: readonly number[];
  readonly networkCheckTotalMs: number;
  readonly networkCheckConnectTimeoutMs: number;
  readonly rotationMarginMs: number;
  readonly rotationOverlapMs: number;
  readonly rotationRetryDelayMs: number;
  readonly preLiveBufferFrames: number;
  readonly streamStaleAction: 'resubscribe' | 'report';
  readonly maxPayloadBytes: number;
}

const POSITIVE: readonly (keyof ConnectionOptions)[] = [
  'connectTimeoutMs', 'handshakeTimeoutMs', 'pingTimeoutMs', 'closeTimeoutMs', 'heartbeatIntervalMs',
  'heartbeatTimeoutMs', 'staleAfterMs', 'streamStaleAfterMs', 'reconnectBaseDelayMs', 'reconnectMaxDelayMs',
  'breakerFailureThreshold', 'connectAttemptsPerWindow', 'connectAttemptWindowMs', 'maxMessagesPerSecond',
  'metadataRingSize', 'metadataMaxAgeMs', 'cleanupIntervalMs', 'networkCheckAttempts', 'networkCheckTotalMs',
  'networkCheckConnectTimeoutMs', 'maxPayloadBytes', 'breakerRecoveryMultiplier',
];
const NON_NEGATIVE: readonly (keyof ConnectionOptions)[] = [
  'backoffResetAfterMs', 'breakerRecoveryMs', 'breakerMaxRecoveryMs', 'breakerResetAfterMs', 'rotationMarginMs', 'rotationOverlapMs', 'rotationRetryDelayMs', 'preLiveBufferFrames',
];

/** Merges over the defaults; unknown keys and bad values are rejected (ConfigError names the key). */
export function resolveConnectionOptions(partial: Partial<ConnectionOptions> = {}): ConnectionOptions {
  for (const key of Object.keys(partial)) {
    if (!(key in connectionDefaults)) throw new ConfigError(`unknown connection option "${key}"`, { key });
  }
  const o: ConnectionOptions = { ...connectionDefaults, ...stripUndefined(partial) };
  for (const key of POSITIVE) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(`connection option ${key} must be a positive number, got ${String(v)}`, { key });
  }
  for (const key of NON_NEGATIVE) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ConfigError(`connection option ${key} must be >= 0, got ${String(v)}`, { key });
  }
  if (o.reconnectMaxDelayMs < o.reconnectBaseDelayMs) {
    throw new ConfigError(`reconnectMaxDelayMs (${o.reconnectMaxDelayMs}) must be >= reconnectBaseDelayMs (${o.reconnectBaseDelayMs})`, { key: 'reconnectMaxDelayMs' });
  }
  if (o.breakerMaxRecoveryMs < o.breakerRecoveryMs) {
    throw new ConfigError(`breakerMaxRecoveryMs (${o.breakerMaxRecoveryMs}) must be >= breakerRecoveryMs (${o.breakerRecoveryMs})`, { key: 'breakerMaxRecoveryMs' });
  }
  if (o.breakerRecoveryMultiplier < 1) {
    throw new ConfigError(`breakerRecoveryMultiplier must be >= 1, got ${o.breakerRecoveryMultiplier}`, { key: 'breakerRecoveryMultiplier' });
  }
  if (o.connectTimeoutScheduleMs !== null && (o.connectTimeoutScheduleMs.length === 0 || o.connectTimeoutScheduleMs.some((v) => !(v > 0)))) {
    throw new ConfigError('connectTimeoutScheduleMs must be null or a non-empty list of positive numbers', { key: 'connectTimeoutScheduleMs' });
  }
  if (!['auto', 'on', 'off'].includes(o.networkCheck)) throw new ConfigError(`networkCheck must be auto|on|off, got ${String(o.networkCheck)}`, { key: 'networkCheck' });
  if (!['resubscribe', 'report'].includes(o.streamStaleAction)) {
    throw new ConfigError(`streamStaleAction must be resubscribe|report, got ${String(o.streamStaleAction)}`, { key: 'streamStaleAction' });
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
