/** A controllable in-memory Sink: succeeds, fails (retryable or fatal) or hangs on demand. */
import { SinkError } from '../../../../src/sinks/errors.js';
import type { Sink, SinkRecord } from '../../../../src/sinks/sink.js';

export type FakeMode = 'ok' | 'retryable' | 'fatal' | 'hang';

export class FakeSink implements Sink {
  readonly kind = 'custom' as const;
  mode: FakeMode = 'ok';
  /** Date.now() of every write call (fake timers make these exact). */
  readonly calls: number[] = [];
  readonly written: SinkRecord[] = [];
  closed = false;

  constructor(readonly name = 'fake') {}

  async open(): Promise<void> {}

  async write(batch: readonly SinkRecord[]): Promise<void> {
    this.calls.push(Date.now());
    if (this.mode === 'retryable') throw new SinkError('E_SINK_UNAVAILABLE', 'connection refused', { retryable: true });
    if (this.mode === 'fatal') throw new SinkError('E_SINK_AUTH', 'password authentication failed', { retryable: false });
    if (this.mode === 'hang') return new Promise<void>(() => undefined);
    this.written.push(...batch);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
