import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatConfig, loadConfig } from '../../../src/config/index.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../../src/config/defaults/connection.js';
import { ConfigError } from '../../../src/model/errors.js';

const dirs: string[] = [];
function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tickgate-config-'));
  dirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('loadConfig', () => {
  it('gives the named defaults when nothing is set', () => {
    const { config, sources } = loadConfig();
    expect(config.connection.connectTimeoutMs).toBe(DEFAULT_CONNECT_TIMEOUT_MS);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.port).toBe(8080);
    expect(sources.get('connection.connectTimeoutMs')?.source).toBe('default');
  });

  it('layers profile < file < env < cli and records each source', () => {
    const file = tempFile('c.yaml', 'connection:\n  breakerFailureThreshold: 7\n  pingTimeoutMs: 6000\nserver:\n  port: 9000\n');
    const { config, sources } = loadConfig({
      file, profile: 'staging',
      env: { TICKGATE_PORT: '9001', WEBSOCKET_PING_TIMEOUT: '2.5' },
      cli: { server: { port: 9002 } },
    });
    expect(config.connection.breakerFailureThreshold).toBe(7); // file beats profile (3)
    expect(config.connection.breakerRecoveryMs).toBe(15_000); // staging profile
    expect(config.connection.pingTimeoutMs).toBe(2_500); // seed env var in seconds beats file
    expect(config.server.port).toBe(9002);
    expect(sources.get('server.port')).toEqual({ source: 'cli', origin: 'command line' });
    expect(sources.get('connection.pingTimeoutMs')).toEqual({ source: 'env', origin: 'WEBSOCKET_PING_TIMEOUT' });
    expect(sources.get('connection.breakerRecoveryMs')?.source).toBe('profile');
  });

  it('maps every seed WEBSOCKET_* variable from seconds to milliseconds', () => {
    const { config } = loadConfig({ env: {
      WEBSOCKET_CONNECT_TIMEOUT: '11', WEBSOCKET_HANDSHAKE_TIMEOUT: '16', WEBSOCKET_PING_TIMEOUT: '6',
      WEBSOCKET_CLOSE_TIMEOUT: '9', WEBSOCKET_HEARTBEAT_INTERVAL: '14', WEBSOCKET_HEARTBEAT_TIMEOUT: '44',
      WEBSOCKET_CLEANUP_INTERVAL: '31', WEBSOCKET_CONNECTION_TIMEOUT: '121',
    } });
    expect(config.connection).toMatchObject({ connectTimeoutMs: 11_000, handshakeTimeoutMs: 16_000, pingTimeoutMs: 6_000,
      closeTimeoutMs: 9_000, heartbeatIntervalMs: 14_000, heartbeatTimeoutMs: 44_000 });
    expect(config.server).toMatchObject({ cleanupIntervalMs: 31_000, idleTimeoutMs: 121_000 });
  });

  it('names key, value, source and expectation for every bad value', () => {
    const file = tempFile('bad.json', JSON.stringify({ connection: { pingTimeoutMs: -5 }, sinkz: [] }));
    let err: unknown;
    try { loadConfig({ file, env: { TICKGATE_PORT: 'eighty' } }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/connection\.pingTimeoutMs = -5 \(from file .*bad\.json\)/);
    expect(msg).toMatch(/server\.port = "eighty" \(from env TICKGATE_PORT\): .*expected number/);
    expect(msg).toMatch(/sinkz: unknown key/);
  });

  it('refuses a non-loopback host without a token, an unknown profile, a bad seed value', () => {
    expect(() => loadConfig({ env: { TICKGATE_HOST: '0.0.0.0' } })).toThrow(/server\.token.*token is required/);
    expect(loadConfig({ env: { TICKGATE_HOST: '0.0.0.0', TICKGATE_TOKEN: 'abcdefgh12' } }).config.server.host).toBe('0.0.0.0');
    expect(() => loadConfig({ profile: 'prod' })).toThrow(/profile "prod" is unknown/);
    expect(() => loadConfig({ env: { WEBSOCKET_PING_TIMEOUT: 'soon' } })).toThrow(/WEBSOCKET_PING_TIMEOUT="soon"/);
    expect(() => loadConfig({ file: '/nonexistent/tickgate.yaml' })).toThrow(/cannot read config file/);
  });

  it('config print masks secrets and shows sources', () => {
    const loaded = loadConfig({ env: { TICKGATE_TOKEN: 'supersecret99', TICKGATE_PORT: '8181' } });
    const text = formatConfig(loaded);
    expect(text).not.toContain('supersecret99');
    expect(text).toContain('server.token = "***"  # env (TICKGATE_TOKEN)');
    expect(text).toContain('server.port = 8181  # env (TICKGATE_PORT)');
    expect(text).toContain('connection.connectTimeoutMs = 10000  # default');
  });
});

describe('env shortcuts', () => {
  it('every TICKGATE_* shortcut names an option the schema accepts', async () => {
    const { ENV_SHORTCUTS } = await import('../../../src/config/env.js');
    const samples: Record<string, string> = {
      TICKGATE_PORT: '9000', TICKGATE_HOST: '127.0.0.1', TICKGATE_TOKEN: 'abcdefgh12', TICKGATE_LOG_LEVEL: 'debug',
      TICKGATE_LOG_FILE: '/tmp/x.log', TICKGATE_SINKS: 'sqlite:./a.db,jsonl:./out', TICKGATE_SPOOL_DIR: '/tmp/spool',
      TICKGATE_SKIP_MARKET_HOURS: 'true', TICKGATE_BINANCE_WS_URL: 'ws://127.0.0.1:1/binance',
      TICKGATE_BINANCE_REST_URL: 'http://127.0.0.1:1/binance', TICKGATE_BYBIT_WS_URL: 'ws://127.0.0.1:1/bybit', TICKGATE_BYBIT_REST_URL: 'http://127.0.0.1:1/bybit',
      TICKGATE_EQUITIES_WS_URL: 'ws://127.0.0.1:1/equities', TICKGATE_EQUITIES_API_TOKEN: 'tok',
      TICKGATE_BINANCE_FUTURES_WS_URL: 'ws://127.0.0.1:1/binance-futures', TICKGATE_BINANCE_FUTURES_REST_URL: 'http://127.0.0.1:1/binance-futures',
      TICKGATE_BINANCE_FUTURES_API_KEY: 'futures-key',
    };
    expect(Object.keys(samples).sort()).toEqual(Object.keys(ENV_SHORTCUTS).sort());
    const { config, sources } = loadConfig({ env: samples });
    for (const [name, path] of Object.entries(ENV_SHORTCUTS)) expect(sources.get(path)?.origin, name).toBe(name);
    expect(config.sinks).toEqual(['sqlite:./a.db', 'jsonl:./out']);
    expect(config.marketHours.skip).toBe(true);
  });
});
