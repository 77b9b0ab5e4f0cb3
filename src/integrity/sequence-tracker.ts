/**
 * Per-stream tracking of contiguous numeric ids (Binance trade/aggTrade ids, Bybit u). Every
 * observed id is classified: the next one, a gap (with the missing range), a duplicate, or a
 * late arrival that fills part of an earlier gap (out of order).
 */

export type SequenceVerdict =
  | { readonly kind: 'first' }
  | { readonly kind: 'next' }
  | { readonly kind: 'gap'; readonly from: number; readonly to: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'out_of_order' };

export interface SequenceStats {
  readonly observed: number;
  readonly gaps: number;
  readonly missingIds: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
}

/** One stream's state; a caller may keep it (see stream()) to observe without a key lookup. */
export interface SequenceStream {
  /** False until the first id (and after reset). */
  started: boolean;
  last: number;
  /** Open gaps [from, to], oldest first; bounded. */
  gaps: [number, number][];
}

const MAX_OPEN_GAPS = 64;

// Verdicts without data are shared (no object per observed id); only a gap carries its range.
const FIRST: SequenceVerdict = Object.freeze({ kind: 'first' });
const NEXT: SequenceVerdict = Object.freeze({ kind: 'next' });
const DUPLICATE: SequenceVerdict = Object.freeze({ kind: 'duplicate' });
const OUT_OF_ORDER: SequenceVerdict = Object.freeze({ kind: 'out_of_order' });

export class SequenceTracker {
  private readonly streams = new Map<string, SequenceStream>();
  private observed = 0;
  private gaps = 0;
  private missingIds = 0;
  private duplicates = 0;
  private outOfOrder = 0;

  observe(stream: string, id: number): SequenceVerdict {
    return this.observeOn(this.stream(stream), id);
  }

  /** The state of a stream (created empty): hot callers keep it instead of a key per id. */
  stream(key: string): SequenceStream {
    let s = this.streams.get(key);
    if (s === undefined) this.streams.set(key, (s = { started: false, last: 0, gaps: [] }));
    return s;
  }

  /** observe() on a stream() state. */
  observeOn(s: SequenceStream, id: number): SequenceVerdict {
    this.observed++;
    if (!s.started) {
      s.started = true;
      s.last = id;
      return FIRST;
    }
    if (id === s.last + 1) {
      s.last = id;
      return NEXT;
    }
    if (id > s.last + 1) {
      const gap: [number, number] = [s.last + 1, id - 1];
      s.gaps.push(gap);
      if (s.gaps.length > MAX_OPEN_GAPS) s.gaps.shift();
      s.last = id;
      this.gaps++;
      this.missingIds += gap[1] - gap[0] + 1;
      return { kind: 'gap', from: gap[0], to: gap[1] };
    }
    // id <= last: either fills an open gap (late) or was seen already.
    for (let i = 0; i < s.gaps.length; i++) {
      const g = s.gaps[i]!;
      if (id < g[0] || id > g[1]) continue;
      if (g[0] === g[1]) s.gaps.splice(i, 1);
      else if (id === g[0]) g[0]++;
      else if (id === g[1]) g[1]--;
      else s.gaps.splice(i, 1, [g[0], id - 1], [id + 1, g[1]]);
      this.outOfOrder++;
      return OUT_OF_ORDER;
    }
    this.duplicates++;
    return DUPLICATE;
  }

  /** Last (highest) id seen on the stream, or undefined. */
  last(stream: string): number | undefined {
    const s = this.streams.get(stream);
    return s?.started === true ? s.last : undefined;
  }

  /** Gaps not yet filled by late arrivals. */
  openGaps(stream: string): readonly (readonly [number, number])[] {
    return this.streams.get(stream)?.gaps ?? [];
  }

  /** Forget a stream (e.g. after a resync starts it anew). */
  reset(stream: string): void {
    // Kept in place (not deleted): a caller's stream() state stays the live one.
    const s = this.streams.get(stream);
    if (s !== undefined) {
      s.started = false;
      s.gaps = [];
    }
  }

  stats(): SequenceStats {
    return { observed: this.observed, gaps: this.gaps, missingIds: this.missingIds, duplicates: this.duplicates, outOfOrder: this.outOfOrder };
  }
}
