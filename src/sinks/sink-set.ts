/**
 * Fan-out to several sinks at once. Each member is a SupervisedSink with its own queue, spool and
 * failure state; push() hands records to each without waiting on any, so a dead PostgreSQL never
 * slows SQLite or NATS.
 */
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../config/defaults/sinks.js';
import type { SinkRecord } from './sink.js';
import type { SinkHealth, SupervisedSink } from './supervised-sink.js';

export class SinkSet {
  constructor(readonly members: readonly SupervisedSink[]) {
    const names = new Set<string>();
    for (const m of members) {
      if (names.has(m.name)) throw new Error(`two sinks are named "${m.name}": give each a distinct name`);
      names.add(m.name);
    }
  }

  /** Starts every member: each replays its own spool before new records. */
  start(): void {
    for (const m of this.members) m.start();
  }

  push(records: readonly SinkRecord[]): void {
    for (const m of this.members) m.push(records);
  }

  /** Every record pushed so far is written or spooled, in every sink. */
  async flush(): Promise<void> {
    await Promise.all(this.members.map((m) => m.flush()));
  }

  /** Closes every member in parallel within timeoutMs (then spools what is left). */
  async close(timeoutMs: number = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    await Promise.all(this.members.map((m) => m.close(timeoutMs)));
  }

  health(): SinkHealth[] {
    return this.members.map((m) => m.health());
  }

  /** True when some sink is not 'ok' (for /readyz: degraded, still serving). */
  degraded(): boolean {
    return this.members.some((m) => { const h = m.health(); return h.state !== 'ok' || h.spoolFull; });
  }

  stats(): Record<string, ReturnType<SupervisedSink['stats']>> {
    const out: Record<string, ReturnType<SupervisedSink['stats']>> = {};
    for (const m of this.members) out[m.name] = m.stats();
    return out;
  }
}
