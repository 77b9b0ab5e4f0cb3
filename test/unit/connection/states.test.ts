import { describe, expect, it } from 'vitest';
import { CONNECTION_STATES, InvalidTransitionError, StateMachine, TRANSITIONS, canTransition, type ConnectionState } from '../../../src/connection/states.js';

/** The intended table, written out independently of the implementation. */
const ALLOWED = new Set([
  'disconnected>connecting', 'disconnected>reconnecting', 'disconnected>error', 'disconnected>closed',
  'connecting>handshaking', 'connecting>reconnecting', 'connecting>disconnecting', 'connecting>error',
  'handshaking>subscribing', 'handshaking>reconnecting', 'handshaking>disconnecting', 'handshaking>error',
  'subscribing>connected', 'subscribing>reconnecting', 'subscribing>disconnecting', 'subscribing>error',
  'connected>disconnecting', 'connected>reconnecting', 'connected>error',
  'disconnecting>disconnected',
  'reconnecting>connecting', 'reconnecting>error', 'reconnecting>closed',
  'error>connecting', 'error>closed',
]);

function machineAt(state: ConnectionState): StateMachine {
  const sm = new StateMachine('k', () => 42);
  const paths: Record<ConnectionState, ConnectionState[]> = {
    disconnected: [],
    connecting: ['connecting'],
    handshaking: ['connecting', 'handshaking'],
    subscribing: ['connecting', 'handshaking', 'subscribing'],
    connected: ['connecting', 'handshaking', 'subscribing', 'connected'],
    disconnecting: ['connecting', 'handshaking', 'subscribing', 'connected', 'disconnecting'],
    reconnecting: ['connecting', 'reconnecting'],
    error: ['connecting', 'error'],
    closed: ['closed'],
  };
  for (const s of paths[state]) sm.to(s, 'setup');
  return sm;
}

describe('state transition table', () => {
  for (const from of CONNECTION_STATES) {
    for (const to of CONNECTION_STATES) {
      const ok = ALLOWED.has(`${from}>${to}`);
      it(`${from} -> ${to} is ${ok ? 'applied' : 'rejected and counted'}`, () => {
        const sm = machineAt(from);
        expect(canTransition(from, to)).toBe(ok);
        if (ok) {
          expect(sm.to(to, 'test')).toEqual({ from, to, reason: 'test', time: 42 });
          expect(sm.state).toBe(to);
          expect(sm.invalidTransitions).toBe(0);
        } else {
          expect(() => sm.to(to, 'test')).toThrow(InvalidTransitionError);
          expect(sm.state).toBe(from);
          expect(sm.invalidTransitions).toBe(1);
        }
      });
    }
  }

  it('closed is terminal and every state is reachable from disconnected', () => {
    expect(TRANSITIONS.closed).toEqual([]);
    const seen = new Set<ConnectionState>(['disconnected']);
    const queue: ConnectionState[] = ['disconnected'];
    while (queue.length) for (const n of TRANSITIONS[queue.shift()!]) if (!seen.has(n)) { seen.add(n); queue.push(n); }
    expect([...seen].sort()).toEqual([...CONNECTION_STATES].sort());
  });

  it('the rejection carries a stable code, both states and the key', () => {
    const sm = new StateMachine('binance#3', Date.now);
    try {
      sm.to('connected', 'skip handshake');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'E_INVALID_TRANSITION', from: 'disconnected', to: 'connected', context: { connectionKey: 'binance#3' } });
    }
  });
});
