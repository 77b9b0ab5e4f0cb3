/**
 * The offline demo (`npm start`): the venue simulator on a loopback port, and a gateway pointed
 * at it that writes to SQLite and serves the dashboard. Everything a real deployment has, with
 * the exchanges replaced by the simulator.
 */
import { join, resolve } from 'node:path';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { loadConfig } from '../config/load.js';
import { deepMerge, type PlainObject } from '../config/layers.js';
import type { Logger } from '../observability/logger.js';
import { startGateway, type Gateway } from './gateway.js';

export interface DemoOptions {
  /** Gateway HTTP/WebSocket port (0 = any free port). */
  readonly port?: number;
  /** Simulator port (0 = any free port). */
  readonly simulatorPort?: number;
  /** Where SQLite and the spool live. */
  readonly dataDir?: string;
  /** Simulated trades per second across all symbols. */
  readonly rate?: number;
  readonly seed?: number;
  readonly cryptoSymbols?: readonly string[];
  readonly equitySymbols?: readonly string[];
  /** Extra sink specs besides SQLite (e.g. a postgres:// URL). */
  readonly extraSinks?: readonly string[];
  /** Config overrides, merged above the demo's own settings. */
  readonly overrides?: PlainObject;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
}

export interface Demo {
  readonly gateway: Gateway;
  readonly simulator: Simulator;
  stop(): Promise<void>;
}

export const DEMO_CRYPTO_SYMBOLS = ['BTCUSDT', 'ETHUSDT'] as const;
export const DEMO_EQUITY_SYMBOLS = ['AAPL', 'MSFT'] as const;

export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const crypto = opts.cryptoSymbols ?? DEMO_CRYPTO_SYMBOLS;
  const equities = opts.equitySymbols ?? DEMO_EQUITY_SYMBOLS;
  const sim = await startSimulator({
    port: opts.simulatorPort ?? 0, seed: opts.seed ?? 1, rate: opts.rate ?? 40,
    symbols: [...crypto, ...equities], marketHours: 'always-open', logger: opts.logger?.child({ part: 'simulator' }),
  });
  const dataDir = resolve(opts.dataDir ?? './data');
  const base = `127.0.0.1:${sim.port}`;
  const demoLayer: PlainObject = {
    // The simulator's equities feed is always open; the gateway's calendar would gate it otherwise.
    marketHours: { skip: true },
    venues: {
      binance: { enabled: true, wsBaseUrl: `ws://${base}/binance`, restBaseUrl: `http://${base}/binance`, symbols: [...crypto], streams: ['trade', 'bookTicker', 'depth'] },
      bybit: { enabled: true, wsBaseUrl: `ws://${base}/bybit`, restBaseUrl: `http://${base}/bybit`, categoryPath: '/v5/public/spot', symbols: [...crypto], streams: ['publicTrade', 'orderbook.50'] },
      equities: { enabled: equities.length > 0, wsBaseUrl: `ws://${base}/equities`, path: '/ws', apiToken: 'demo', symbols: [...equities] },
    },
    sinks: [`sqlite:${join(dataDir, 'tickgate.db')}`, ...(opts.extraSinks ?? [])],
    storage: { spoolDir: join(dataDir, 'spool') },
    server: { port: opts.port ?? 8080 },
  };
  let gateway: Gateway;
  try {
    const { config } = loadConfig({ env: opts.env ?? {}, cli: deepMerge(demoLayer, opts.overrides ?? {}) });
    gateway = await startGateway(config, { logger: opts.logger });
  } catch (err) {
    await sim.close();
    throw err;
  }
  return {
    gateway,
    simulator: sim,
    async stop() {
      await gateway.stop();
      await sim.close();
    },
  };
}
