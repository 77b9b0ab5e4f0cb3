/**
 * Per fold after a restart: the last trade id the fold's stored output already covers (trades up
 * to it are skipped, so a resumed stream that starts further back doubles nothing), and the one
 * stored partial bucket to rebuild, whose key (first trade id) is re-emitted above its revision.
 */
import { numericId } from './resume-seed.js';

export class ResumeCursor {
  /** Trades with a seq <= this are already in stored output. */
  private covered = -Infinity;
  private reviseKey: string | null = null;
  private reviseRevision = 0;
  /** Trades skipped because they were already covered. */
  skipped = 0;

  /** Covered up to `id` (null: nothing known). Returns it. */
  cover(id: number | null): number | null {
    if (id !== null) this.covered = id;
    return id;
  }

  /** The stored bucket keyed `firstTradeId` is partial: rebuild it from that trade on. */
  rebuild(firstTradeId: string | null, storedRevision: number): number | null {
    const first = numericId(firstTradeId);
    if (first === null) return null;
    this.covered = first - 1;
    this.reviseKey = firstTradeId;
    this.reviseRevision = storedRevision + 1;
    return first - 1;
  }

  /** Id after which the fold needs the stream (null before any seed). */
  get coveredId(): number | null {
    return this.covered === -Infinity ? null : this.covered;
  }

  skips(seq: number | null): boolean {
    if (seq === null || seq > this.covered) return false;
    this.skipped++;
    return true;
  }

  /** Revision of a new bucket starting at this trade: above the stored one when it rebuilds it. */
  revisionFor(firstTradeId: string): number {
    if (this.reviseKey === null || firstTradeId !== this.reviseKey) return 0;
    this.reviseKey = null;
    return this.reviseRevision;
  }
}
