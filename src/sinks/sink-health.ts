/** What a supervised sink reports to /readyz and metrics. */
import type { SpoolDepth } from './spool/spool.js';

export type SinkState = 'ok' | 'retrying' | 'spooling' | 'failed';

export interface SinkHealth {
  readonly sink: string;
  readonly state: SinkState;
  /** Epoch ms of the last state change. */
  readonly since: number;
  readonly queueRecords: number;
  readonly spool: SpoolDepth;
  /** The spool hit its size cap: new records wait in memory (bounded) or are dropped. */
  readonly spoolFull: boolean;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
}
