import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { DownstreamServer } from '../../../src/server/server.js';
import { ServerError } from '../../../src/server/errors.js';
import { closeAll, connect, startServer, upgradeStatus, type RawClient } from './helpers.js';

let server: DownstreamServer | undefined;
let clients: RawClient[] = [];

afterEach(closeAll);

function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  return { logger: createLogger({ level: 'debug' }, sink), lines };
}

describe('auth', () => {
  it('refuses to construct on a non-loopback host without a token, naming the host', () => {
    expect(() => new DownstreamServer({ host: '0.0.0.0' })).toThrow(ServerError);
    expect(() => new DownstreamServer({ host: '0.0.0.0' })).toThrow(/0\.0\.0\.0.*token/);
    expect(() => new DownstreamServer({ host: '0.0.0.0', token: 't' })).not.toThrow();
  });

  it('without a token refuses a non-loopback peer with 403 and admits loopback', async () => {
    let pretend: string | undefined = '203.0.113.7';
    server = await startServer({ remoteAddress: (req) => pretend ?? req.socket.remoteAddress });
    expect(await upgradeStatus(server)).toBe(403);
    pretend = undefined;
    expect(await upgradeStatus(server)).toBe(101);
    expect(server.stats().authRejections).toBe(1);
  });

  it('with a token: missing or wrong token gets 401; header or query token gets in; the token never reaches the logs', async () => {
    const secret = 'tok-4f9c2d-SECRET';
    const { logger, lines } = captureLogger();
    server = await startServer({ token: secret, logger, remoteAddress: () => '198.51.100.2' });
    expect(await upgradeStatus(server)).toBe(401);
    expect(await upgradeStatus(server, { query: 'token=wrong' })).toBe(401);
    expect(await upgradeStatus(server, { headers: { authorization: 'Bearer wrong' } })).toBe(401);
    const a = await connect(server, { query: `token=${secret}` }); clients.push(a);
    await a.subscribe(['status']);
    const b = await connect(server, { headers: { authorization: `Bearer ${secret}` } }); clients.push(b);
    await b.subscribe(['status']);
    const res = await fetch(`${server.url}/api/server?token=${secret}`);
    expect(res.status).toBe(200);
    expect((await fetch(`${server.url}/api/server`)).status).toBe(401);
    expect(server.stats().authRejections).toBe(3);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).not.toContain('wrong');
  });
});
