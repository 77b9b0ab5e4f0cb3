/**
 * Connection states and the one table of allowed transitions. An invalid transition is rejected
 * with InvalidTransitionError and counted by the caller, never applied.
 */
import { TickgateError } from '../model/errors.js';

export const CONNECTION_STATES = [
  'disconnected',
  'connecting',
  'handshaking',
  'subscribing',
  'connected',
  'disconnecting',
  'reconnecting',
  'error',
  'closed',
] as const;

export type ConnectionState = (typeof CONNECTION_STATES)[number];

/**
 * disconnected → connecting → handshaking → subscribing → connected → disconnecting → disconnected,
 * failures of any phase → reconnecting (backoff) → connecting, fatal → error, close() → closed.
 */
export const TRANSITIONS: { readonly [S in ConnectionState]: readonly ConnectionState[] } = {
  disconnected: ['connecting', 'reconnecting', 'error', 'closed'],
  connecting: ['handshaking', 'reconnecting', 'disconnecting', 'error'],
  handshaking: ['subscribing', 'reconnecting', 'disconnecting', 'error'],
  subscribing: ['connected', 'reconnecting', 'disconnecting', 'error'],
  connected: ['disconnecting', 'reconnecting', 'error'],
  disconnecting: ['disconnected'],
  reconnecting: ['connecting', 'error', 'closed'],
  error: ['connecting', 'closed'],
  closed: [],
};

export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class InvalidTransitionError extends TickgateError {
  declare readonly code: 'E_INVALID_TRANSITION';
  readonly from: ConnectionState;
  readonly to: ConnectionState;

  constructor(from: ConnectionState, to: ConnectionState, key: string) {
    super('E_INVALID_TRANSITION', `connection ${key}: transition ${from} -> ${to} is not allowed`, {
      context: { connectionKey: key, from, to },
      retryable: false,
    });
    this.from = from;
    this.to = to;
  }
}

export interface StateTransition {
  readonly from: ConnectionState;
  readonly to: ConnectionState;
  readonly reason: string;
  /** Epoch ms. */
  readonly time: number;
}

/** Holds the current state; `to()` applies a transition or throws without changing anything. */
export class StateMachine {
  private current: ConnectionState = 'disconnected';
  private rejected = 0;

  constructor(private readonly key: string, private readonly now: () => number) {}

  get state(): ConnectionState {
    return this.current;
  }

  get invalidTransitions(): number {
    return this.rejected;
  }

  to(next: ConnectionState, reason: string): StateTransition {
    const from = this.current;
    if (!canTransition(from, next)) {
      this.rejected++;
      throw new InvalidTransitionError(from, next, this.key);
    }
    this.current = next;
    return { from, to: next, reason, time: this.now() };
  }
}
