/** The gateway configuration the end-to-end chaos tests run against the in-process simulator. */
import { loadConfig } from '../../../src/config/load.js';
import type { TickgateConfig } from '../../../src/config/schema.js';

export interface ChaosConfigOptions {
  readonly simPort: number;
  readonly dataDir: string;
  readonly symbols: readonly string[];
  /** Extra sink specs (e.g. postgres through a proxy). */
  readonly extraSinks?: readonly string[];
  readonly serverPort?: number;
  readonly spoolFsync?: 'always' | 'never' | number;
}

/** Plain JSON (so a child process can load the same thing from a file). */
export function chaosConfigInput(o: ChaosConfigOptions): Record<string, unknown> {
  const base = `127.0.0.1:${o.simPort}`;
  return {
    log: { level: 'silent' },
    marketHours: { skip: true },
    venues: {
      binance: {
        enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`,
        symbols: [...o.symbols], streams: ['trade', 'bookTicker', 'depth'],
      },
    },
    // Short timeouts: a half-open socket is noticed in ~2 s, reconnects start after 100 ms.
    connection: {
      connectTimeoutMs: 1_500, handshakeTimeoutMs: 2_000, pingTimeoutMs: 1_500, heartbeatIntervalMs: 500,
      heartbeatTimeoutMs: 2_500, staleAfterMs: 3_000, closeTimeoutMs: 5_000,
      reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 1_000, breakerFailureThreshold: 20, breakerRecoveryMs: 1_000,
      networkCheck: 'off',
    },
    integrity: { retryDelayMs: 200, maxFetchAttempts: 50 },
    storage: {
      spoolDir: `${o.dataDir}/spool`, retryDelaysMs: [100, 200, 400], writeTimeoutMs: 2_000, closeTimeoutMs: 10_000,
      spoolFsync: o.spoolFsync ?? 'never',
    },
    sinks: [`sqlite:${o.dataDir}/tickgate.db`, ...(o.extraSinks ?? [])],
    // A stalled client also stops answering pings: the heartbeat (default 30 s) would terminate it
    // before its buffers fill. Longer here, so the slow-consumer path (conflate, drop + gap) is what acts;
    // likewise the slow-consumer close: the client stays stalled from the burst (up to 45 s on a loaded
    // machine) through the drain, and a close would discard the gap notices the test waits for.
    server: { port: o.serverPort ?? 0, maxQueueMessages: 200, maxQueueBytes: 256 * 1024, slowConsumerCloseMs: 120_000, heartbeatIntervalMs: 300_000 },
  };
}

export function chaosConfig(o: ChaosConfigOptions): TickgateConfig {
  return loadConfig({ env: {}, cli: chaosConfigInput(o) }).config;
}
