import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort, startVenueServer, VenueServer } from './venue-server.js';
import { connectionMaker, FAST, nextError, nextState, record } from './helpers.js';

let server: VenueServer | null = null;
const { make, closeAll } = connectionMaker('res#0', ['a', 'b']);

afterEach(async () => {
  vi.useRealTimers();
  await closeAll(server);
  server = null;
});

/** Lets socket I/O run while timers are fake. */
async function io(ms = 30): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) await new Promise((r) => setImmediate(r));
}

describe('heartbeat (fake clock)', () => {
  it('a server that stops answering pings (half-open) is detected within heartbeat interval + pong timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    server = await startVenueServer();
    const conn = make(server.port, { options: { ...FAST, heartbeatIntervalMs: 15_000, pingTimeoutMs: 5_000, staleAfterMs: 600_000, streamStaleAfterMs: 600_000 } });
    const rec = record(conn);
    await conn.connect();
    // Healthy round first: the pong arrives and no timeout fires.
    await vi.advanceTimersByTimeAsync(15_000);
    await io();
    expect(conn.stats().lastPingRttMs).not.toBeNull();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(conn.state).toBe('connected');

    server.answerPings = false;
    const lastPongAt = conn.details().metadata.lastPongTime!;
    let detectedAt = 0;
    conn.on('error', (e) => {
      if (e.code === 'E_PING_TIMEOUT') detectedAt = Date.now();
    });
    for (let i = 0; i < 25 && detectedAt === 0; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      await io(5);
    }
    expect(detectedAt).toBeGreaterThan(0);
    // The next ping goes out one interval after the last answered one; its deadline is 5 s later.
    expect(detectedAt - lastPongAt).toBeLessThanOrEqual(15_000 + 5_000);
    expect(detectedAt - lastPongAt).toBeGreaterThanOrEqual(15_000);
    const dropped = rec.states.find((t) => t.from === 'connected');
    expect(dropped).toMatchObject({ to: 'reconnecting', time: detectedAt });
    expect(dropped?.reason).toContain('E_PING_TIMEOUT');
  });

  it('answers the venue application ping at once and measures app-level pong RTT', async () => {
    server = await startVenueServer();
    const conn = make(server.port, {}, { port: server.port, appPingIntervalMs: 50 });
    await conn.connect();
    const client = [...server.clients][0]!;
    client.ws.send('{"op":"ping"}');
    await server.waitFor(() => client.received.includes('{"op":"pong"}') && client.received.includes('{"op":"ping"}'));
    await vi.waitFor(() => expect(conn.details().metadata.pongsReceived).toBeGreaterThan(0));
  });
});

describe('staleness', () => {
  it('a connection with no data for staleAfterMs is reported once and reconnected', async () => {
    server = await startVenueServer();
    const conn = make(server.port, { options: { ...FAST, staleAfterMs: 200, streamStaleAfterMs: 10_000 } });
    const stale: number[] = [];
    conn.on('stale', (s) => stale.push(s.silentMs));
    await conn.connect();
    const err = await nextError(conn, 'E_STALE');
    expect(stale).toHaveLength(1);
    expect(stale[0]).toBeGreaterThanOrEqual(200);
    expect(err.message).toContain('no data');
    await nextState(conn, 'connected');
    await conn.close();
  });

  it('one silent stream while another flows: stream_stale once, resubscribed, then reconnect when still silent', async () => {
    server = await startVenueServer();
    const conn = make(server.port, { options: { ...FAST, staleAfterMs: 10_000, streamStaleAfterMs: 300 } });
    const events: { stream: string; strike: number; action: string }[] = [];
    conn.on('stream_stale', (e) => e.stream === 'b' && events.push({ stream: e.stream, strike: e.strike, action: e.action }));
    await conn.connect();
    const feed = setInterval(() => server?.publish('a', 1), 20);
    try {
      const err = await nextError(conn, 'E_STALE', 3_000);
      expect(err.context.stream).toBe('b');
      expect(events).toEqual([
        { stream: 'b', strike: 1, action: 'resubscribe' },
        { stream: 'b', strike: 2, action: 'reconnect' },
      ]);
      expect(server.subscribeLog.filter((s) => s.length === 1 && s[0] === 'b').length).toBe(1);
    } finally {
      clearInterval(feed);
    }
  });

  it('a stale stream that recovers after the resubscribe ends its episode without reconnect', async () => {
    server = await startVenueServer();
    const conn = make(server.port, { options: { ...FAST, staleAfterMs: 10_000, streamStaleAfterMs: 300 } });
    await conn.connect();
    const feed = setInterval(() => server?.publish('a', 1), 20);
    try {
      await new Promise<void>((r) => conn.on('stream_stale', (e) => e.stream === 'b' && r()));
      const recovered = new Promise<string>((r) => conn.on('stream_recovered', (e) => e.stream === 'b' && r(e.stream)));
      server.publish('b', 1);
      expect(await recovered).toBe('b');
      expect(conn.state).toBe('connected');
      expect(conn.stats().reconnects).toBe(0);
    } finally {
      clearInterval(feed);
    }
  });
});

describe('circuit breaker in the reconnect loop', () => {
  it('10 consecutive failures: opens after 5, waits out recovery, half-open probe fails and reopens, a good probe closes it', async () => {
    const port = await freePort();
    const conn = make(port, { options: { ...FAST, breakerFailureThreshold: 5, breakerRecoveryMs: 300 } });
    const rec = record(conn);
    void conn.connect().catch(() => {});
    const attempts: number[] = [];
    conn.on('state', (t) => {
      if (t.to === 'connecting') attempts.push(t.time);
    });
    await vi.waitFor(() => expect(conn.stats().failedAttempts).toBeGreaterThanOrEqual(10), { timeout: 8_000, interval: 20 });
    const b = conn.details().breaker!;
    expect(b.opened).toBeGreaterThanOrEqual(2);
    expect(b.lastFailureReason).toContain('E_CONNECT_FAILED');
    expect(rec.codes()).toContain('E_BREAKER_OPEN');
    // Attempts 6.. are probes, each at least the recovery time after the previous failure.
    const gaps = attempts.slice(5, 9).map((t, i) => t - attempts[4 + i]!);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(290);
    server = new VenueServer();
    await server.start(port);
    await nextState(conn, 'connected', 5_000);
    expect(conn.details().breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });
});

describe('subscriptions across reconnects', () => {
  it('after a server restart on the same port every stream is restored (runtime adds included, removes excluded) and data flows', async () => {
    server = await startVenueServer();
    const conn = make(server.port);
    await conn.connect();
    await conn.addStreams(['c']);
    await conn.removeStreams(['b']);
    const before = [...server.clients][0]!;
    expect([...before.streams].sort()).toEqual(['a', 'c']);
    const reconnected = new Promise((r) => conn.once('reconnected', r));
    await server.restart();
    await reconnected;
    const after = [...server.clients][0]!;
    expect([...after.streams].sort()).toEqual(['a', 'c']);
    const frame = new Promise<string | undefined>((r) => conn.once('frame', (_t, m) => r(m.stream)));
    server.publish('c', 7);
    expect(await frame).toBe('c');
    expect(conn.details().subscriptions.map((s) => s.status)).toEqual(['confirmed', 'confirmed']);
  });

  it('streams added and removed while reconnecting are applied on the next connect', async () => {
    server = await startVenueServer();
    const port = server.port;
    const conn = make(port);
    await conn.connect();
    await server.stop();
    await nextState(conn, 'reconnecting');
    await conn.addStreams(['d']);
    await conn.removeStreams(['a']);
    expect(conn.streams().sort()).toEqual(['b', 'd']);
    await server.start(port);
    await nextState(conn, 'connected', 5_000);
    expect([...[...server.clients][0]!.streams].sort()).toEqual(['b', 'd']);
  });

  it('a stream the venue refuses is dropped and reported; the others connect', async () => {
    server = await startVenueServer();
    server.refuseStreams.add('bad');
    const conn = make(server.port, { streams: ['a', 'bad'] }, { port: server.port, maxStreamsPerRequest: 1 });
    const rec = record(conn);
    await conn.connect();
    expect(conn.streams()).toEqual(['a']);
    expect(rec.codes()).toContain('E_SUBSCRIBE_REFUSED');
    await expect(conn.addStreams(['bad'])).rejects.toMatchObject({ code: 'E_SUBSCRIBE_REFUSED' });
  });

  it('subscribe bursts are paced by maxMessagesPerSecond, never dropped', async () => {
    server = await startVenueServer();
    const streams = Array.from({ length: 8 }, (_, i) => `s${i}`);
    const conn = make(server.port, { streams, options: { ...FAST, maxMessagesPerSecond: 5, handshakeTimeoutMs: 3_000 } }, { port: server.port, maxStreamsPerRequest: 1, maxMessagesPerSecond: 5 });
    const started = Date.now();
    await conn.connect();
    // 8 requests at 5/s: five at once, the other three one second later.
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(server.subscribeLog.flat().sort()).toEqual([...streams].sort());
  });
});

describe('rotation (make-before-break)', () => {
  it('rotate() subscribes a replacement, overlaps both generations, then closes the old one without leaving connected', async () => {
    server = await startVenueServer();
    const conn = make(server.port, { options: { ...FAST, rotationOverlapMs: 150 } });
    const rec = record(conn);
    await conn.connect();
    const phases: string[] = [];
    conn.on('rotation', (e) => {
      phases.push(`${e.phase}:${e.oldGeneration}->${e.newGeneration}`);
      if (e.phase === 'overlap_start') server?.publish('a', 'overlap');
    });
    const statesBefore = rec.states.length;
    expect(await conn.rotate()).toBe(true);
    expect(phases).toEqual(['overlap_start:1->2', 'overlap_end:1->2']);
    const overlapGens = rec.frames.filter((f) => f.text.includes('overlap')).map((f) => f.generation).sort();
    expect(overlapGens).toEqual([1, 2]);
    expect(rec.states.length).toBe(statesBefore);
    await server.waitFor(() => server!.openClients() === 1);
    const frame = new Promise<number>((r) => conn.once('frame', (_t, m) => r(m.generation)));
    server.publish('b', 1);
    expect(await frame).toBe(2);
    expect(conn.stats().rotations).toBe(1);
  });

  it('rotates automatically before the venue connection lifetime', async () => {
    server = await startVenueServer();
    const conn = make(server.port, { options: { ...FAST, rotationMarginMs: 200, rotationOverlapMs: 20 } }, { port: server.port, connectionLifetimeMs: 400 });
    await conn.connect();
    const t0 = Date.now();
    await new Promise<void>((r) => conn.on('rotation', (e) => e.phase === 'overlap_end' && r()));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(conn.state).toBe('connected');
  });
});

describe('close', () => {
  it('close() while connected sends 1000, goes disconnecting → disconnected → closed, and is terminal', async () => {
    server = await startVenueServer();
    const conn = make(server.port);
    const rec = record(conn);
    await conn.connect();
    const client = [...server.clients][0]!;
    const closeCode = new Promise<number>((r) => client.ws.once('close', (code) => r(code)));
    await conn.close();
    expect(await closeCode).toBe(1000);
    expect(rec.path().slice(-3)).toEqual(['disconnecting', 'disconnected', 'closed']);
    await expect(conn.connect()).rejects.toMatchObject({ code: 'E_CLOSED' });
    expect(conn.stats().invalidTransitions).toBe(0);
  });

  it('close() during a stalled upgrade ends the attempt and rejects connect()', async () => {
    server = await startVenueServer();
    server.upgrade = 'stall';
    const conn = make(server.port, { options: { ...FAST, connectTimeoutMs: 10_000 } });
    const ready = conn.connect();
    await server.waitFor(() => server!.upgrades === 1);
    await conn.close();
    await expect(ready).rejects.toMatchObject({ code: 'E_CLOSED' });
    expect(conn.state).toBe('closed');
  });
});
