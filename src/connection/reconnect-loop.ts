/**
 * The reconnect loop of a Connection: until it closes, wait, ask the attempt gate, run one
 * attempt, and read the attempt's end through its close policy: fatal stops the loop (connect()
 * callers are rejected); otherwise the next attempt waits the backoff, the venue's retry-after,
 * or the open breaker's own time. Consecutive failures lengthen the connect timeout
 * (connectTimeoutScheduleMs).
 */
import type { Backoff } from './backoff.js';
import type { CircuitBreaker } from './breaker.js';
import { retryDelayMs, type AttemptGate } from './attempt-gate.js';
import { policyOf, type ConnectionError } from './errors.js';
import { connectTimeoutFor, hostOf } from './network-check.js';
import type { ConnectionOptions } from './options.js';
import type { StateReporter } from './state-reporter.js';
import { sleep } from './token-bucket.js';

export interface AttemptOutcome {
  readonly connected: boolean;
  /** Why the attempt (or the connected socket it became) ended. */
  readonly error: ConnectionError;
}

export interface ReconnectLoopDeps {
  readonly options: ConnectionOptions;
  readonly gate: AttemptGate;
  readonly backoff: Backoff;
  readonly reporter: StateReporter;
  /** Aborted by close(): ends a wait at once. */
  readonly signal: AbortSignal;
  readonly closing: () => boolean;
  /** The URL for the streams held now, asked before every attempt. */
  readonly url: () => string;
  /** One attempt from connecting to the end of its socket; never throws. */
  readonly attempt: (url: string, host: string, port: number, breaker: CircuitBreaker, probe: boolean, timeoutMs: number) => Promise<AttemptOutcome>;
  /** A fatal end: the loop stops after this. */
  readonly fatal: (err: ConnectionError) => void;
}

export async function runReconnectLoop(d: ReconnectLoopDeps): Promise<void> {
  let delayMs = 0;
  let failuresInRow = 0;
  while (!d.closing()) {
    if (delayMs > 0) {
      try {
        await sleep(delayMs, d.signal);
      } catch {
        return;
      }
      if (d.closing()) return;
    }
    const url = d.url();
    const { host, port } = hostOf(url);
    const gate = d.gate.admit(host);
    if (!gate.allowed) {
      if (gate.report) d.reporter.report(gate.report);
      d.reporter.ensure('reconnecting', gate.reason);
      delayMs = gate.delayMs;
      continue;
    }
    const timeoutMs = connectTimeoutFor(d.options, failuresInRow);
    const outcome = await d.attempt(url, host, port, gate.breaker, gate.probe, timeoutMs);
    if (d.closing()) return;
    failuresInRow = outcome.connected ? 0 : failuresInRow + 1;
    const err = outcome.error;
    const policy = policyOf(err);
    d.reporter.report(err);
    if (policy.action === 'fatal') {
      d.reporter.ensure('error', policy.reason);
      d.fatal(err);
      return;
    }
    delayMs = retryDelayMs(policy, d.backoff.next(), gate.breaker);
    d.reporter.ensure('reconnecting', `${err.code}: ${policy.reason}; retry in ${delayMs} ms`);
  }
}
