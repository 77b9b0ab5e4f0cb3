/**
 * Errors of cluster/. Codes: E_CLUSTER_CONFIG (fatal: a bucket or stream exists with another
 * shape), E_CLUSTER_UNAVAILABLE (retryable: NATS unreachable), E_CLUSTER_PUBLISH (retryable: a
 * publish was not acked), E_CLUSTER_CLOSED (the part was stopped).
 */
import { TickgateError, type ErrorContext } from '../model/errors.js';

export class ClusterError extends TickgateError {
  constructor(code: string, message: string, opts: { context?: ErrorContext; retryable: boolean; cause?: unknown }) {
    super(code, message, opts);
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
