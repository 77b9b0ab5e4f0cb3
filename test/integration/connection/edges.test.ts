import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../../src/connection/connection.js';
import { ConnectionError } from '../../../src/connection/errors.js';
import { testVenue } from './test-venue.js';
import { startVenueServer, type VenueServer } from './venue-server.js';
import { connectionMaker, FAST, nextError, nextState, record } from './helpers.js';

let server: VenueServer | null = null;
const { make, track, closeAll } = connectionMaker('edge#0', ['a']);

afterEach(async () => {
  vi.useRealTimers();
  await closeAll(server);
  server = null;
});

describe('pre-connect network check', () => {
  it("networkCheck 'on': a failing check fails the attempt before any socket is opened", async () => {
    server = await startVenueServer();
    const checked: string[] = [];
    const conn = make(server.port, {
      options: { ...FAST, networkCheck: 'on' },
      networkCheck: async (host, port) => {
        checked.push(`${host}:${port}`);
        throw new ConnectionError('E_NETWORK_UNREACHABLE', 'dns down', { retryable: true });
      },
    });
    void conn.connect().catch(() => {});
    await nextError(conn, 'E_NETWORK_UNREACHABLE');
    expect(checked[0]).toBe(`127.0.0.1:${server.port}`);
    expect(server.upgrades).toBe(0);
  });

  it("networkCheck 'auto' skips loopback hosts; the real DNS+TCP check passes against a live host", async () => {
    server = await startVenueServer();
    let called = 0;
    const auto = make(server.port, { options: { ...FAST, networkCheck: 'auto' }, networkCheck: async () => void called++ });
    await auto.connect();
    expect(called).toBe(0);
    const on = new Connection({ key: 'edge#1', protocol: testVenue({ port: server.port }), streams: ['a'], options: { ...FAST, networkCheck: 'on' } });
    track(on);
    await on.connect();
    expect(on.state).toBe('connected');
  });
});

describe('timeouts and guards', () => {
  it('the progressive connect-timeout schedule lengthens the timeout per failed attempt', async () => {
    server = await startVenueServer();
    server.upgrade = 'stall';
    const conn = make(server.port, { options: { ...FAST, connectTimeoutScheduleMs: [100, 300] } });
    const timeouts: number[] = [];
    conn.on('error', (e) => e.code === 'E_CONNECT_TIMEOUT' && timeouts.push(Number(e.context.timeoutMs)));
    void conn.connect().catch(() => {});
    await vi.waitFor(() => expect(timeouts.length).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    expect(timeouts.slice(0, 3)).toEqual([100, 300, 300]);
  });

  it('a listener that throws does not break the socket or stop frames', async () => {
    server = await startVenueServer();
    const conn = make(server.port);
    await conn.connect();
    let seen = 0;
    conn.on('frame', () => {
      seen++;
      throw new Error('consumer bug');
    });
    server.publish('a', 1);
    server.publish('a', 2);
    await vi.waitFor(() => expect(seen).toBe(2));
    expect(conn.state).toBe('connected');
    expect(conn.details().metadata.listenerErrors).toBe(2);
  });

  it('a fatal venue error frame stops the connection in state error', async () => {
    server = await startVenueServer();
    const conn = make(server.port);
    const rec = record(conn);
    await conn.connect();
    [...server.clients][0]!.ws.send(JSON.stringify({ error: 'invalid api key', fatal: true }));
    await nextState(conn, 'error');
    expect(rec.codes()).toContain('E_VENUE_ERROR');
    expect(conn.isHealthy()).toBe(false);
  });

  it('the pre-live buffer is bounded: overflow is counted, the rest handed out after connected', async () => {
    server = await startVenueServer();
    server.ackSubscribes = false;
    const conn = make(server.port, { options: { ...FAST, preLiveBufferFrames: 3, handshakeTimeoutMs: 3_000 } });
    const rec = record(conn);
    const ready = conn.connect();
    await server.waitFor(() => server!.subscribeLog.length === 1);
    const client = [...server.clients][0]!;
    for (let i = 0; i < 5; i++) server.publish('a', i);
    const sub = JSON.parse(client.received.find((m) => m.includes('subscribe'))!) as { id: string };
    client.ws.send(JSON.stringify({ id: sub.id, ok: true }));
    await ready;
    expect(rec.frames.map((f) => f.text)).toEqual([0, 1, 2].map((i) => `{"stream":"a","data":${i}}`));
    expect(conn.details().metadata.preLiveFramesDropped).toBe(2);
  });

  it('details() never shows a secret from the URL', async () => {
    server = await startVenueServer();
    const port = server.port;
    const base = testVenue({ port });
    const conn = new Connection({ key: 'edge#2', protocol: { ...base, url: () => `ws://127.0.0.1:${port}/ws?apiKey=abc123&streams=a` }, streams: ['a'], options: FAST });
    track(conn);
    await conn.connect();
    expect(conn.details().url).not.toContain('abc123');
    expect(JSON.stringify(conn.details())).not.toContain('abc123');
  });
});

describe('isHealthy (fake clock)', () => {
  it('turns false when no data came within staleAfterMs or no pong within heartbeatTimeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    server = await startVenueServer();
    const conn = make(server.port, { options: { ...FAST, heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 45_000, staleAfterMs: 30_000, streamStaleAfterMs: 600_000 } });
    await conn.connect();
    expect(conn.isHealthy()).toBe(true);
    // Data keeps flowing, but no ping is due before 60 s, so no pong arrives within 45 s.
    for (let t = 0; t < 46; t += 5) {
      server.publish('a', t);
      await new Promise((r) => setImmediate(r));
      await vi.waitFor(() => expect(conn.stats().dataFrames).toBeGreaterThan(t / 5));
      await vi.advanceTimersByTimeAsync(5_000);
    }
    expect(conn.state).toBe('connected');
    expect(conn.isHealthy()).toBe(false);
  });
});

describe('venue hook failures', () => {
  it('a protocol whose url() throws ends in state error and rejects connect(), without an unhandled rejection', async () => {
    const base = testVenue({ port: 1 });
    const conn = new Connection({ key: 'edge#3', protocol: { ...base, url: () => { throw new Error('no such market'); } }, streams: ['a'], options: FAST });
    track(conn);
    await expect(conn.connect()).rejects.toMatchObject({ code: 'E_CONNECT_FAILED' });
    expect(conn.state).toBe('error');
  });
});
