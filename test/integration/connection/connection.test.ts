import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startVenueServer, type VenueServer } from './venue-server.js';
import { connectionMaker, SHORT_PHASES, nextError, nextState, record } from './helpers.js';

let server: VenueServer | null = null;
const { make, closeAll } = connectionMaker('test#0', ['a', 'b']);

afterEach(async () => {
  await closeAll(server);
  server = null;
});

describe('Connection handshake-first', () => {
  it('goes connecting → handshaking → subscribing → connected only after every subscribe is acked, and hands frames with meta', async () => {
    server = await startVenueServer();
    const conn = make(server.port, { streams: ['a', 'b', 'c'] }, { port: server.port, maxStreamsPerRequest: 2 });
    const rec = record(conn);
    await conn.connect();
    expect(rec.path()).toEqual(['connecting', 'handshaking', 'subscribing', 'connected']);
    expect(server.subscribeLog.flat().sort()).toEqual(['a', 'b', 'c']);
    expect(conn.isHealthy()).toBe(true);
    const got = new Promise<void>((r) => conn.once('frame', () => r()));
    server.publish('b', { p: '1.5' });
    await got;
    expect(rec.frames[0]).toMatchObject({ stream: 'b', generation: 1 });
    const d = conn.details();
    expect(d.url).toBe(`ws://127.0.0.1:${server.port}/ws`);
    expect(d.metadata.dataFrames).toBe(1);
    expect(d.subscriptions.every((s) => s.status === 'confirmed')).toBe(true);
  });

  it('data that arrives before the last ack is held and handed out after connected, never before', async () => {
    server = await startVenueServer();
    server.ackSubscribes = false;
    const conn = make(server.port);
    const order: string[] = [];
    conn.on('connected', () => order.push('connected'));
    conn.on('frame', (t) => order.push(t));
    const ready = conn.connect();
    await server.waitFor(() => server!.subscribeLog.length === 1);
    server.publish('a', 1);
    const client = [...server.clients][0]!;
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]);
    const sub = JSON.parse(client.received.find((m) => m.includes('subscribe'))!) as { id: string };
    client.ws.send(JSON.stringify({ id: sub.id, ok: true }));
    await ready;
    expect(order).toEqual(['connected', '{"stream":"a","data":1}']);
  });

  it('a server that accepts TCP but never upgrades fails the attempt with E_CONNECT_TIMEOUT and never reaches connected', async () => {
    server = await startVenueServer();
    server.upgrade = 'stall';
    const conn = make(server.port, { options: SHORT_PHASES });
    const rec = record(conn);
    const started = Date.now();
    void conn.connect().catch(() => {});
    const err = await nextError(conn, 'E_CONNECT_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT_PHASES.connectTimeoutMs! - 5);
    expect(err.context).toMatchObject({ connectionKey: 'test#0', venue: 'testvenue' });
    await nextState(conn, 'connecting');
    expect(rec.path()).not.toContain('handshaking');
    expect(rec.path()).not.toContain('connected');
  });

  it('an upgrade response that stops halfway (handshake never completes) times out the same way', async () => {
    server = await startVenueServer();
    server.upgrade = 'partial';
    const conn = make(server.port, { options: SHORT_PHASES });
    const rec = record(conn);
    void conn.connect().catch(() => {});
    await nextError(conn, 'E_CONNECT_TIMEOUT');
    expect(rec.path()).not.toContain('connected');
  });

  it('a login that is never acked fails with E_HANDSHAKE_TIMEOUT in state handshaking', async () => {
    server = await startVenueServer();
    server.ackLogin = false;
    const conn = make(server.port, { options: SHORT_PHASES }, { port: server.port, login: true });
    const rec = record(conn);
    void conn.connect().catch(() => {});
    await nextError(conn, 'E_HANDSHAKE_TIMEOUT');
    expect(rec.states.find((s) => s.to === 'reconnecting')?.from).toBe('handshaking');
    expect(server.subscribeLog).toEqual([]);
  });

  it('a subscribe that is never acked fails with E_SUBSCRIBE_TIMEOUT and reconnects, never connected', async () => {
    server = await startVenueServer();
    server.ackSubscribes = false;
    const conn = make(server.port, { options: SHORT_PHASES });
    const rec = record(conn);
    let connected = 0;
    conn.on('connected', () => connected++);
    void conn.connect().catch(() => {});
    const err = await nextError(conn, 'E_SUBSCRIBE_TIMEOUT');
    expect(err.message).toContain('no ack');
    await nextState(conn, 'subscribing');
    expect(rec.states.find((s) => s.to === 'reconnecting')?.from).toBe('subscribing');
    expect(connected).toBe(0);
    expect(conn.isHealthy()).toBe(false);
  });

  it('connection refused reports E_CONNECT_FAILED and keeps retrying with backoff', async () => {
    const port = await freePort();
    const conn = make(port);
    const rec = record(conn);
    void conn.connect().catch(() => {});
    await nextError(conn, 'E_CONNECT_FAILED');
    await nextError(conn, 'E_CONNECT_FAILED');
    expect(rec.path().filter((s) => s === 'reconnecting').length).toBeGreaterThanOrEqual(1);
    expect(conn.stats().failedAttempts).toBeGreaterThanOrEqual(2);
  });

  it('a refused login is fatal: state error, no further attempt', async () => {
    server = await startVenueServer();
    const conn = make(server.port, {}, { port: server.port, login: true });
    server.ackLogin = false;
    // Refuse the login by answering it with ok:false.
    server.on('event', () => {
      for (const c of server!.clients) {
        const login = c.received.find((m) => m.includes('"login"'));
        if (login && !c.received.includes('answered')) {
          c.received.push('answered');
          c.ws.send(JSON.stringify({ id: (JSON.parse(login) as { id: string }).id, ok: false, error: 'bad token' }));
        }
      }
    });
    const ready = conn.connect();
    await expect(ready).rejects.toMatchObject({ code: 'E_LOGIN_REFUSED' });
    expect(conn.state).toBe('error');
    const upgrades = server.upgrades;
    await new Promise((r) => setTimeout(r, 100));
    expect(server.upgrades).toBe(upgrades);
  });
});

describe('Connection upgrade and close policies', () => {
  it('HTTP 429 with Retry-After waits at least the venue delay before the next attempt', async () => {
    server = await startVenueServer();
    server.upgrade = { status: 429, headers: { 'Retry-After': '1' } };
    const conn = make(server.port);
    void conn.connect().catch(() => {});
    const err = await nextError(conn, 'E_UPGRADE_REFUSED');
    const refusedAt = Date.now();
    expect(err.retryable).toBe(true);
    server.upgrade = 'accept';
    await nextState(conn, 'connected', 5_000);
    expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(950);
  });

  it('HTTP 401 on upgrade is fatal: state error, connect() rejects, no reconnect', async () => {
    server = await startVenueServer();
    server.upgrade = { status: 401 };
    const conn = make(server.port);
    await expect(conn.connect()).rejects.toMatchObject({ code: 'E_UPGRADE_REFUSED' });
    expect(conn.state).toBe('error');
    expect(server.upgrades).toBe(1);
  });

  for (const code of [1000, 1006, 1013]) {
    it(`server close ${code} is transient: reconnects and resubscribes`, async () => {
      server = await startVenueServer();
      const conn = make(server.port);
      const rec = record(conn);
      await conn.connect();
      const reconnected = new Promise((r) => conn.once('reconnected', r));
      if (code === 1006) server.terminateAll();
      else server.closeAll(code, 'bye');
      await reconnected;
      const err = rec.errors.find((e) => e.code === 'E_SOCKET_CLOSED');
      expect(err?.context.closeCode).toBe(code);
      expect(rec.path()).toEqual(['connecting', 'handshaking', 'subscribing', 'connected', 'reconnecting', 'connecting', 'handshaking', 'subscribing', 'connected']);
      expect(server.subscribeLog.length).toBe(2);
      expect(conn.stats().reconnects).toBe(1);
    });
  }

  it('server close 1008 is rate-limited: the next attempt waits the venue retry-after', async () => {
    server = await startVenueServer();
    const conn = make(server.port, {}, { port: server.port, retryAfterMs: 600 });
    await conn.connect();
    const closedAt = Date.now();
    server.closeAll(1008, 'too many requests');
    const t = await nextState(conn, 'connecting');
    expect(t.time - closedAt).toBeGreaterThanOrEqual(590);
    await nextState(conn, 'connected');
  });

  it('a fatal close code (4001) stops: state error, no reconnect', async () => {
    server = await startVenueServer();
    const conn = make(server.port);
    const rec = record(conn);
    await conn.connect();
    server.closeAll(4001, 'bad key');
    await nextState(conn, 'error');
    expect(rec.codes()).toContain('E_FATAL_CLOSE');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.upgrades).toBe(1);
    await conn.close();
    expect(conn.state).toBe('closed');
  });
});
