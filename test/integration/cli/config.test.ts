/** `tickgate config print` and `config check` through the real CLI. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './cli-helpers.js';
import { tempDir } from '../gateway/helpers.js';

const tmp = tempDir('cli-config');
afterAll(() => tmp.remove());

describe('config print / check', () => {
  it('config print shows each value with its source (default, profile, file, env) and masks every secret, URL passwords included', async () => {
    const file = join(tmp.dir, 'tickgate.yaml');
    writeFileSync(file, [
      'server:', '  token: supersecret-token-123',
      'venues:', '  equities:', '    enabled: true', '    apiToken: eodhd-secret-xyz', '    symbols: [AAPL]',
      'sinks:', '  - sqlite:./data/t.db', '  - postgres://writer:pgpass-very-secret@127.0.0.1:5432/test?schema=x',
      '',
    ].join('\n'));
    const r = await runCli(['--config', file, '--profile', 'staging', 'config', 'print'], {
      env: cleanEnv({ TICKGATE_PORT: '9999', WEBSOCKET_PING_TIMEOUT: '7' }),
    });
    expect(r.code, r.stderr).toBe(0);
    const line = (key: string): string => r.stdout.split('\n').find((l) => l.startsWith(`${key} = `)) ?? `(no line for ${key})`;
    expect(line('server.port')).toMatch(/= 9999 .*env \(TICKGATE_PORT\)/);
    expect(line('connection.pingTimeoutMs')).toMatch(/= 7000 .*env \(WEBSOCKET_PING_TIMEOUT\)/); // seed variable, seconds
    expect(line('profile')).toMatch(/"staging"/);
    expect(line('connection.breakerFailureThreshold')).toMatch(/= 3 .*profile/); // staging: 3 failures / 15 s
    expect(line('venues.equities.symbols')).toMatch(/\["AAPL"\] .*file/);
    expect(line('aggregate.tickCandleTicks')).toMatch(/= 100 .*default/);
    expect(line('server.token')).toMatch(/"\*\*\*"/);
    expect(line('venues.equities.apiToken')).toMatch(/"\*\*\*"/);
    expect(line('sinks')).toContain('postgres://writer:***@127.0.0.1:5432/test');
    for (const secret of ['supersecret-token-123', 'eodhd-secret-xyz', 'pgpass-very-secret']) expect(r.stdout + r.stderr).not.toContain(secret);
  }, 60_000);

  it('config check with a bad value exits 1 and names the key, the value and where it came from', async () => {
    const file = join(tmp.dir, 'bad.yaml');
    writeFileSync(file, 'connection:\n  pingTimeoutMs: -5\n');
    // Three independent CLI processes, started together: each is mostly a node + tsx start-up.
    const [bad, env, good] = await Promise.all([
      runCli(['--config', file, 'config', 'check']),
      runCli(['config', 'check'], { env: cleanEnv({ WEBSOCKET_PING_TIMEOUT: 'soon' }) }),
      runCli(['config', 'check']),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/E_CONFIG/);
    expect(bad.stderr).toMatch(/connection\.pingTimeoutMs = -5/);
    expect(bad.stderr).toContain(file);

    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/WEBSOCKET_PING_TIMEOUT|pingTimeoutMs/);

    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('config ok');
  }, 60_000);
});
