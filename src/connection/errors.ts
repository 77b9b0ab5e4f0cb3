/** Errors of the connection layer: one class, stable codes, context without secrets. */
import { TickgateError, type ErrorContext } from '../model/errors.js';
import type { ClosePolicy } from './protocol.js';

export type ConnectionErrorCode =
  | 'E_CONNECT_TIMEOUT'
  | 'E_CONNECT_FAILED'
  | 'E_NETWORK_UNREACHABLE'
  | 'E_UPGRADE_REFUSED'
  | 'E_HANDSHAKE_TIMEOUT'
  | 'E_LOGIN_REFUSED'
  | 'E_SUBSCRIBE_TIMEOUT'
  | 'E_SUBSCRIBE_REFUSED'
  | 'E_PING_TIMEOUT'
  | 'E_CLOSE_TIMEOUT'
  | 'E_STALE'
  | 'E_SOCKET_CLOSED'
  | 'E_FATAL_CLOSE'
  | 'E_VENUE_ERROR'
  | 'E_BREAKER_OPEN'
  | 'E_ROTATION_FAILED'
  | 'E_CLOSED'
  | 'E_INVALID_TRANSITION';

export class ConnectionError extends TickgateError {
  declare readonly code: ConnectionErrorCode;
  /** What the reconnect loop does about it; absent means transient. */
  readonly policy: ClosePolicy | undefined;

  constructor(
    code: ConnectionErrorCode,
    message: string,
    opts: { context?: ErrorContext; retryable?: boolean; cause?: unknown; policy?: ClosePolicy } = {},
  ) {
    const retryable = opts.retryable ?? opts.policy?.action !== 'fatal';
    super(code, message, { context: opts.context, retryable, cause: opts.cause });
    this.policy = opts.policy;
  }
}

export function isConnectionError(err: unknown): err is ConnectionError {
  return err instanceof ConnectionError;
}

/** Policy of a failure: explicit when the venue decided, transient otherwise. */
export function policyOf(err: unknown): ClosePolicy {
  if (err instanceof ConnectionError && err.policy) return err.policy;
  if (err instanceof TickgateError && !err.retryable) return { action: 'fatal', reason: err.message };
  return { action: 'transient', reason: err instanceof Error ? err.message : String(err) };
}

/** The errors a Connection raises itself (not a socket's), each with the venue and connection key as context. */
export function connectionErrorsOf(venue: string, connectionKey: string): {
  closed(): ConnectionError;
  protocolFailed(err: unknown): ConnectionError;
  venueError(error: string): ConnectionError;
  closeTimeout(closeTimeoutMs: number): ConnectionError;
} {
  const context = (): ErrorContext => ({ venue, connectionKey });
  return {
    closed: () => new ConnectionError('E_CLOSED', `${venue} ${connectionKey}: connection closed`, { retryable: false, context: context() }),
    // A venue hook that throws outside an attempt (url()) cannot be retried meaningfully.
    protocolFailed: (err) => new ConnectionError('E_CONNECT_FAILED', `${venue} ${connectionKey}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err, policy: { action: 'fatal', reason: 'venue protocol failed' }, context: context(),
    }),
    venueError: (error) => new ConnectionError('E_VENUE_ERROR', `${venue} ${connectionKey}: venue error: ${error}`, { retryable: true, context: context() }),
    closeTimeout: (ms) => new ConnectionError('E_CLOSE_TIMEOUT', `${venue} ${connectionKey}: peer did not answer the close within ${ms} ms; socket destroyed`, {
      retryable: true, context: context(),
    }),
  };
}
