import { TickgateError, type ErrorContext } from '../model/errors.js';

/** A channel name that does not follow the grammar in channels.ts. Code: E_CHANNEL_INVALID. */
export class ChannelError extends TickgateError {
  constructor(message: string, context: ErrorContext = {}) {
    super('E_CHANNEL_INVALID', message, { context, retryable: false });
  }
}

/**
 * The server was asked to do something unsafe or impossible at start: E_SERVER_AUTH_REQUIRED
 * (non-loopback bind without a token), E_SERVER_LISTEN (port in use...), E_SERVER_OPTIONS.
 */
export class ServerError extends TickgateError {
  constructor(code: 'E_SERVER_AUTH_REQUIRED' | 'E_SERVER_LISTEN' | 'E_SERVER_OPTIONS', message: string, opts: { context?: ErrorContext; cause?: unknown } = {}) {
    super(code, message, { ...opts, retryable: code === 'E_SERVER_LISTEN' });
  }
}
