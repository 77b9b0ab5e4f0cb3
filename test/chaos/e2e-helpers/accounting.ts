/** Trade accounting for the end-to-end tests: truth vs stored per second, and per-id delivery. */
import type { TruthTrade } from '../../../simulator/ground-truth.js';

export const second = (ms: number): number => Math.floor(ms / 1000) * 1000;

export function countBySecond(trades: readonly Pick<TruthTrade, 'timeMs'>[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const t of trades) m.set(second(t.timeMs), (m.get(second(t.timeMs)) ?? 0) + 1);
  return m;
}

export interface SecondsComparison {
  /** Trades in truth but not in the stored counts. */
  lost: number;
  /** Stored counts above the truth. */
  duplicated: number;
  stored: number;
  /** Seconds (within the truth range) where the counts differ, for the failure message. */
  wrongSeconds: { second: number; truth: number; stored: number }[];
}

/** Compares per-second trade counts over every second of the truth range. */
export function compareSeconds(truth: ReadonlyMap<number, number>, stored: ReadonlyMap<number, number>): SecondsComparison {
  const out: SecondsComparison = { lost: 0, duplicated: 0, stored: 0, wrongSeconds: [] };
  const seconds = new Set([...truth.keys(), ...stored.keys()]);
  for (const s of [...seconds].sort((a, b) => a - b)) {
    const t = truth.get(s) ?? 0;
    const n = stored.get(s) ?? 0;
    out.stored += n;
    if (t > n) out.lost += t - n;
    if (n > t) out.duplicated += n - t;
    if (t !== n && out.wrongSeconds.length < 20) out.wrongSeconds.push({ second: s, truth: t, stored: n });
  }
  return out;
}

/** What a downstream client received on one trades channel. */
export class TradeTap {
  readonly ids = new Set<number>();
  duplicates = 0;
  messages = 0;
  private next: number | null = null;

  add(id: number): void {
    this.messages++;
    if (this.ids.has(id)) this.duplicates++;
    else this.ids.add(id);
  }

  /** Highest id h such that every id from `first` to h was received. */
  contiguousHigh(first: number): number {
    if (this.next === null || this.next < first) this.next = first;
    while (this.ids.has(this.next)) this.next++;
    return this.next - 1;
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
