import { describe, expect, it } from 'vitest';
import { resolveConnectionOptions } from '../../../src/connection/options.js';
import { connectionDefaults } from '../../../src/config/defaults/connection.js';

describe('resolveConnectionOptions', () => {
  it('returns the documented seed defaults', () => {
    const o = resolveConnectionOptions();
    expect(o).toMatchObject({
      connectTimeoutMs: 10_000, handshakeTimeoutMs: 15_000, pingTimeoutMs: 5_000, closeTimeoutMs: 10_000,
      heartbeatIntervalMs: 15_000, heartbeatTimeoutMs: 45_000, reconnectBaseDelayMs: 500, reconnectMaxDelayMs: 30_000,
      breakerFailureThreshold: 5, breakerRecoveryMs: 3_000, breakerRecoveryMultiplier: 1.5, breakerMaxRecoveryMs: 60_000, breakerResetAfterMs: 60_000, connectAttemptsPerWindow: 300, connectAttemptWindowMs: 300_000,
      maxMessagesPerSecond: 5, connectTimeoutScheduleMs: null,
    });
    expect(o).toEqual(connectionDefaults);
  });

  it('rejects unknown keys and bad values, naming the key', () => {
    expect(() => resolveConnectionOptions({ pingTimeout: 5 } as never)).toThrow(/pingTimeout/);
    expect(() => resolveConnectionOptions({ pingTimeoutMs: 0 })).toThrow(/pingTimeoutMs/);
    expect(() => resolveConnectionOptions({ reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 50 })).toThrow(/reconnectMaxDelayMs/);
    expect(() => resolveConnectionOptions({ connectTimeoutScheduleMs: [] })).toThrow(/connectTimeoutScheduleMs/);
    expect(() => resolveConnectionOptions({ networkCheck: 'maybe' as never })).toThrow(/networkCheck/);
  });

  it('accepts a progressive connect-timeout schedule', () => {
    expect(resolveConnectionOptions({ connectTimeoutScheduleMs: [2_000, 5_000, 10_000] }).connectTimeoutScheduleMs).toEqual([2_000, 5_000, 10_000]);
  });
});
