import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../../src/connection/manager.js';
import { testVenue } from './test-venue.js';
import { freePort, startVenueServer, type VenueServer } from './venue-server.js';
import { FAST, SHORT_PHASES } from './helpers.js';

let server: VenueServer | null = null;
let manager: ConnectionManager | null = null;

afterEach(async () => {
  await manager?.shutdown();
  manager = null;
  await server?.stop();
  server = null;
});

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('ConnectionManager', () => {
  it('two concurrent connect() calls for one key give one connection and one socket', async () => {
    server = await startVenueServer();
    manager = new ConnectionManager({ options: FAST });
    const spec = { protocol: testVenue({ port: server.port }), streams: ['a'] };
    const [c1, c2] = await Promise.all([manager.connect('k', spec), manager.connect('k', spec)]);
    expect(c1).toBe(c2);
    expect(server.upgrades).toBe(1);
    expect(await manager.connect('k', spec)).toBe(c1);
    expect(manager.stats()).toMatchObject({ total: 1, healthy: 1, pending: 0 });
  });

  it('no ghost: while the handshake is unacked nothing is visible, at every server event and every failed attempt', async () => {
    server = await startVenueServer();
    server.ackSubscribes = false;
    manager = new ConnectionManager({ options: SHORT_PHASES });
    const m = manager;
    const violations: string[] = [];
    const check = (): void => {
      if (m.get('k') !== undefined || m.stats().total !== 0 || m.details().length !== 0 || m.keys().length !== 0) violations.push(`visible at upgrade ${server!.upgrades}`);
    };
    server.on('event', check);
    const ready = m.connect('k', { protocol: testVenue({ port: server.port }), streams: ['a'] });
    // Several attempts fail on the missing ack; the connection must stay invisible throughout.
    await server.waitFor(() => server!.subscribeLog.length >= 3, 8_000);
    expect(m.stats().pending).toBe(1);
    check();
    server.ackSubscribes = true;
    const conn = await ready;
    server.off('event', check);
    expect(violations).toEqual([]);
    expect(m.get('k')).toBe(conn);
    expect(conn.state).toBe('connected');
  });

  it('a fatal handshake failure rejects connect() and leaves nothing registered or pending', async () => {
    server = await startVenueServer();
    server.upgrade = { status: 403 };
    manager = new ConnectionManager({ options: FAST });
    await expect(manager.connect('k', { protocol: testVenue({ port: server.port }), streams: ['a'] })).rejects.toMatchObject({ code: 'E_UPGRADE_REFUSED' });
    expect(manager.get('k')).toBeUndefined();
    expect(manager.stats()).toMatchObject({ total: 0, pending: 0 });
  });

  it('shutdown while reconnecting closes everything within the close timeout, rejects pending connects, leaves no socket or timer', async () => {
    const baseline = timeouts();
    server = await startVenueServer();
    const port = server.port;
    manager = new ConnectionManager({ options: { ...FAST, reconnectBaseDelayMs: 200, reconnectMaxDelayMs: 400 } });
    const live = await manager.connect('live', { protocol: testVenue({ port }), streams: ['a'] });
    await server.stop();
    await new Promise<void>((r) => live.on('state', (t) => t.to === 'reconnecting' && r()));
    const refused = await freePort();
    const pending = manager.connect('pending', { protocol: testVenue({ port: refused }), streams: ['b'] });
    expect(manager.unhealthy().map((d) => d.key)).toEqual(['live']);
    expect(manager.stats().byState.reconnecting).toBe(1);
    const t0 = Date.now();
    await manager.shutdown();
    expect(Date.now() - t0).toBeLessThan(FAST.closeTimeoutMs! + 200);
    await expect(pending).rejects.toMatchObject({ code: 'E_CLOSED' });
    expect(live.state).toBe('closed');
    expect(manager.stats()).toMatchObject({ total: 0, pending: 0 });
    await expect(manager.connect('late', { protocol: testVenue({ port }) })).rejects.toMatchObject({ code: 'E_CLOSED' });
    await server.start(port);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.upgrades).toBe(1);
    expect(timeouts()).toBeLessThanOrEqual(baseline);
  });

  it('shutdown of connected connections closes every socket with 1000', async () => {
    server = await startVenueServer();
    manager = new ConnectionManager({ options: FAST });
    await manager.connect('a', { protocol: testVenue({ port: server.port }), streams: ['a'] });
    await manager.connect('b', { protocol: testVenue({ port: server.port }), streams: ['b'] });
    expect(server.openClients()).toBe(2);
    const codes: number[] = [];
    for (const c of server.clients) c.ws.on('close', (code) => codes.push(code));
    await manager.shutdown();
    await server.waitFor(() => server!.openClients() === 0);
    expect(codes).toEqual([1000, 1000]);
  });

  it('shards streams above maxStreamsPerConnection onto #0, #1, #2', async () => {
    server = await startVenueServer();
    manager = new ConnectionManager({ options: FAST });
    const protocol = testVenue({ port: server.port, maxStreamsPerConnection: 2 });
    const conns = await manager.connectStreams('venue', protocol, ['s1', 's2', 's3', 's4', 's5']);
    expect(conns.map((c) => c.key)).toEqual(['venue#0', 'venue#1', 'venue#2']);
    expect(conns.map((c) => c.streams())).toEqual([['s1', 's2'], ['s3', 's4'], ['s5']]);
    expect([...server.clients].map((c) => [...c.streams].sort().join(',')).sort()).toEqual(['s1,s2', 's3,s4', 's5']);
    expect(manager.stats().total).toBe(3);
  });

  it('disconnect(key) closes and forgets the connection; breakers are shared per host', async () => {
    server = await startVenueServer();
    manager = new ConnectionManager({ options: FAST });
    const c = await manager.connect('k', { protocol: testVenue({ port: server.port }), streams: ['a'] });
    expect(await manager.disconnect('k')).toBe(true);
    expect(manager.get('k')).toBeUndefined();
    expect(c.state).toBe('closed');
    expect(await manager.disconnect('k')).toBe(false);
    expect(manager.stats().breakers).toHaveLength(1);
    expect(manager.breaker('127.0.0.1')).toMatchObject({ state: 'closed', successes: 1 });
  });
});
