/** Errors of sinks/: a classifier (retryable vs fatal) plus the context to act on it. */
import { TickgateError, type ErrorContext } from '../model/errors.js';

/**
 * A sink write or open failed. `retryable` says whether the same write may succeed later
 * (connection refused, timeout) or needs an operator (bad credentials, bad schema, bad path).
 * Codes: E_SINK_UNAVAILABLE (retryable), E_SINK_TIMEOUT (retryable), E_SINK_AUTH (fatal),
 * E_SINK_SCHEMA (fatal), E_SINK_WRITE (as classified).
 */
export class SinkError extends TickgateError {
  constructor(code: string, message: string, opts: { context?: ErrorContext; retryable: boolean; cause?: unknown }) {
    super(code, message, opts);
  }
}

/** The spool reached its size cap: the batch was refused, not written. */
export class SpoolFullError extends TickgateError {
  constructor(message: string, context: ErrorContext) {
    super('E_SPOOL_FULL', message, { context, retryable: true });
  }
}

/** A spool file could not be read or written (disk error, permissions). */
export class SpoolIoError extends TickgateError {
  constructor(message: string, context: ErrorContext, cause?: unknown) {
    super('E_SPOOL_IO', message, { context, retryable: true, cause });
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
