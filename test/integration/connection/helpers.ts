/** Small helpers for connection tests: record events, await one that matches. */
import { Connection } from '../../../src/connection/connection.js';
import type { ConnectionOptions } from '../../../src/connection/options.js';
import type { ConnectionState, StateTransition } from '../../../src/connection/states.js';
import type { TickgateError } from '../../../src/model/errors.js';
import { testVenue } from './test-venue.js';
import type { VenueServer } from './venue-server.js';

/** Real timeouts for socket tests: fast retries, phase timeouts generous against a loaded 2-core machine. */
export const FAST: Partial<ConnectionOptions> = {
  connectTimeoutMs: 3_000,
  handshakeTimeoutMs: 3_000,
  pingTimeoutMs: 300,
  closeTimeoutMs: 500,
  heartbeatIntervalMs: 10_000,
  reconnectBaseDelayMs: 5,
  reconnectMaxDelayMs: 40,
  networkCheck: 'off',
};

export interface Recorder {
  readonly states: StateTransition[];
  readonly errors: TickgateError[];
  readonly frames: { text: string; generation: number; stream?: string }[];
  codes(): string[];
  path(): ConnectionState[];
}

export function record(conn: Connection): Recorder {
  const states: StateTransition[] = [];
  const errors: TickgateError[] = [];
  const frames: Recorder['frames'] = [];
  conn.on('state', (t) => states.push(t));
  conn.on('error', (e) => errors.push(e));
  conn.on('frame', (text, meta) => frames.push({ text, generation: meta.generation, stream: meta.stream }));
  return {
    states, errors, frames,
    codes: () => errors.map((e) => e.code),
    path: () => states.map((s) => s.to),
  };
}

/** Resolves with the first state transition to `to` (already happened ones do not count). */
export function nextState(conn: Connection, to: ConnectionState, timeoutMs = 5_000): Promise<StateTransition> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off('state', on);
      reject(new Error(`no transition to ${to} within ${timeoutMs} ms (state ${conn.state})`));
    }, timeoutMs);
    const on = (t: StateTransition): void => {
      if (t.to !== to) return;
      clearTimeout(timer);
      conn.off('state', on);
      resolve(t);
    };
    conn.on('state', on);
  });
}

export function nextError(conn: Connection, code: string, timeoutMs = 5_000): Promise<TickgateError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off('error', on);
      reject(new Error(`no error ${code} within ${timeoutMs} ms (state ${conn.state})`));
    }, timeoutMs);
    const on = (e: TickgateError): void => {
      if (e.code !== code) return;
      clearTimeout(timer);
      conn.off('error', on);
      resolve(e);
    };
    conn.on('error', on);
  });
}

/** For tests whose fault is a phase timeout: short enough to see several attempts. */
export const SHORT_PHASES: Partial<ConnectionOptions> = { ...FAST, connectTimeoutMs: 400, handshakeTimeoutMs: 400 };

export type MakeConnection = (port: number, extra?: Partial<ConstructorParameters<typeof Connection>[0]>, venue?: Parameters<typeof testVenue>[0]) => Connection;

/**
 * A test file's connections: make() builds one on the test venue at `port` (key and streams as
 * given, FAST options, `extra` overriding), track() adds one built otherwise, closeAll() closes
 * every one of them and stops `server`.
 */
export function connectionMaker(key: string, streams: readonly string[]): {
  make: MakeConnection; track(c: Connection): Connection; closeAll(server: VenueServer | null): Promise<void>;
} {
  const conns: Connection[] = [];
  return {
    track: (c) => { conns.push(c); return c; },
    make: (port, extra = {}, venue = { port }) => {
      const c = new Connection({ key, protocol: testVenue(venue), streams: [...streams], options: FAST, ...extra });
      conns.push(c);
      return c;
    },
    closeAll: async (server) => {
      await Promise.all(conns.splice(0).map((c) => c.close()));
      await server?.stop();
    },
  };
}
