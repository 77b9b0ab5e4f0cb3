/**
 * Environment variables -> a config layer. Three families:
 * - named TICKGATE_* shortcuts (TICKGATE_PORT, TICKGATE_HOST, ...);
 * - generic paths: TICKGATE__server__port=8081 sets server.port (double underscore = dot);
 * - the seed collectors' WEBSOCKET_* names, in SECONDS as the seeds had them, converted to ms.
 * Values are JSON when they parse as JSON (numbers, booleans, arrays), else plain strings.
 */
import { ConfigError } from '../model/errors.js';
import { setPath, type Layer, type PlainObject } from './layers.js';

/** Named variables and the config path each sets. */
export const ENV_SHORTCUTS: Readonly<Record<string, string>> = {
  TICKGATE_PORT: 'server.port',
  TICKGATE_HOST: 'server.host',
  TICKGATE_TOKEN: 'server.token',
  TICKGATE_LOG_LEVEL: 'log.level',
  TICKGATE_LOG_FILE: 'log.file',
  TICKGATE_SINKS: 'sinks',
  TICKGATE_SPOOL_DIR: 'storage.spoolDir',
  TICKGATE_SKIP_MARKET_HOURS: 'marketHours.skip',
  TICKGATE_BINANCE_WS_URL: 'venues.binance.wsBaseUrl',
  TICKGATE_BINANCE_REST_URL: 'venues.binance.restBaseUrl',
  TICKGATE_BINANCE_FUTURES_WS_URL: 'venues.binanceFutures.wsBaseUrl',
  TICKGATE_BINANCE_FUTURES_REST_URL: 'venues.binanceFutures.restBaseUrl',
  TICKGATE_BINANCE_FUTURES_API_KEY: 'venues.binanceFutures.apiKey',
  TICKGATE_BYBIT_WS_URL: 'venues.bybit.wsBaseUrl',
  TICKGATE_BYBIT_REST_URL: 'venues.bybit.restBaseUrl',
  TICKGATE_EQUITIES_WS_URL: 'venues.equities.wsBaseUrl',
  TICKGATE_EQUITIES_API_TOKEN: 'venues.equities.apiToken',
};

/** The seeds' variable names (seconds) and the config path (milliseconds) each sets. */
export const SEED_ENV_SECONDS: Readonly<Record<string, string>> = {
  WEBSOCKET_CONNECT_TIMEOUT: 'connection.connectTimeoutMs',
  WEBSOCKET_HANDSHAKE_TIMEOUT: 'connection.handshakeTimeoutMs',
  WEBSOCKET_PING_TIMEOUT: 'connection.pingTimeoutMs',
  WEBSOCKET_CLOSE_TIMEOUT: 'connection.closeTimeoutMs',
  WEBSOCKET_HEARTBEAT_INTERVAL: 'connection.heartbeatIntervalMs',
  WEBSOCKET_HEARTBEAT_TIMEOUT: 'connection.heartbeatTimeoutMs',
  WEBSOCKET_CLEANUP_INTERVAL: 'server.cleanupIntervalMs',
  WEBSOCKET_CONNECTION_TIMEOUT: 'server.idleTimeoutMs',
};

function parseValue(raw: string): unknown {
  const t = raw.trim();
  if (t === '') return t;
  try {
    return JSON.parse(t);
  } catch {
    return raw;
  }
}

/** One layer per variable, so errors and `config print` can name the variable that set a value. */
export function envLayers(env: Readonly<Record<string, string | undefined>>): Layer[] {
  const layers: Layer[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (raw === undefined) continue;
    const values: PlainObject = {};
    layers.push({ source: 'env', origin: name, values });
    const shortcut = ENV_SHORTCUTS[name];
    if (shortcut) {
      let v = parseValue(raw);
      if (shortcut === 'sinks' && typeof v === 'string') v = v.split(',').map((s) => s.trim()).filter(Boolean);
      setPath(values, shortcut, v);
      continue;
    }
    const seed = SEED_ENV_SECONDS[name];
    if (seed) {
      const seconds = Number(raw);
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new ConfigError(`${name}="${raw}" is not a number of seconds`, { key: name, value: raw, expected: 'seconds >= 0' });
      }
      setPath(values, seed, Math.round(seconds * 1000));
      continue;
    }
    if (name.startsWith('TICKGATE__')) {
      const path = name.slice('TICKGATE__'.length).split('__').filter(Boolean).join('.');
      if (path) setPath(values, path, parseValue(raw));
    }
  }
  return layers.filter((l) => Object.keys(l.values).length > 0);
}
