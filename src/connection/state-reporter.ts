/**
 * What a Connection tells about itself: transitions applied through its state machine (recorded,
 * logged, emitted as 'state'; an invalid one is counted and reported, never applied) and errors
 * (kept in the metadata ring, logged by severity, emitted as 'error').
 */
import type { Logger } from '../observability/logger.js';
import type { TickgateError } from '../model/errors.js';
import type { ConnectionMetadata } from './metadata.js';
import type { ConnectionState, StateMachine, StateTransition } from './states.js';

export interface StateReporterDeps {
  readonly sm: StateMachine;
  readonly metadata: ConnectionMetadata;
  readonly log: Logger;
  readonly now: () => number;
  /** E_CLOSED while closing is the expected end, not news. */
  readonly closing: () => boolean;
  readonly emitState: (t: StateTransition) => void;
  readonly emitError: (err: TickgateError) => void;
}

export class StateReporter {
  constructor(private readonly d: StateReporterDeps) {}

  /** Applies a transition unless already there; an invalid one is counted, reported, not applied. */
  ensure(to: ConnectionState, reason: string): void {
    const { sm, metadata } = this.d;
    if (sm.state === to) return;
    try {
      const t = sm.to(to, reason);
      metadata.recordTransition(t);
      this.d.log.debug({ from: t.from, to: t.to, reason }, 'state');
      this.d.emitState(t);
    } catch (err) {
      metadata.counters.invalidTransitions = sm.invalidTransitions;
      this.report(err as TickgateError);
    }
  }

  report(err: TickgateError): void {
    if (err.code === 'E_CLOSED' && this.d.closing()) return;
    this.d.metadata.recordError(err.code, err.message, this.d.now());
    if (err.code === 'E_INVALID_TRANSITION' || !err.retryable) this.d.log.error({ err: err.toJSON() }, 'connection error');
    else this.d.log.warn({ code: err.code, message: err.message }, 'connection attempt failed');
    this.d.emitError(err);
  }

  /** A listener of `event` threw (the emitter swallowed it so the socket handler survives). */
  listenerThrew(event: string, err: unknown): void {
    this.d.metadata.counters.listenerErrors++;
    this.d.log.error({ event, error: err instanceof Error ? err.message : String(err) }, 'listener threw');
  }
}
