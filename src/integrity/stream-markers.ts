/**
 * The in-band markers of one gap-free trade stream, emitted in order with its trades: StreamState
 * 'behind' once per episode and 'whole' when it caught up, and TradeGap when a hole is declared.
 * Each carries the position of the last delivered trade (venue time) as its event time.
 */
import type { StreamState, TradeGap } from '../model/events.js';
import type { FillerEvent, TradeGapReason } from './trade-backfill-types.js';

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 200);

export interface StreamMarkersInit {
  readonly venue: string;
  readonly symbol: string;
  readonly source: TradeGap['source'];
  readonly emit: (e: FillerEvent) => void;
  readonly now: () => number;
}

export class StreamMarkers {
  /** A 'behind' was emitted and no 'whole' since. */
  behind = false;
  /** 'behind' markers emitted. */
  behindEpisodes = 0;

  constructor(private readonly d: StreamMarkersInit) {}

  markBehind(reason: string, eventTime: number): void {
    if (this.behind) return;
    this.behind = true;
    this.behindEpisodes++;
    this.d.emit(this.marker('behind', reason, eventTime));
  }

  markWhole(reason: string, eventTime: number): void {
    if (!this.behind) return;
    this.behind = false;
    this.d.emit(this.marker('whole', reason, eventTime));
  }

  /** Emits and returns the TradeGap of ids fromId..toId (toId null: open-ended). */
  gap(fromId: number, toId: number | null, reason: TradeGapReason, err: unknown, eventTime: number): TradeGap {
    const d = this.d;
    const gap: TradeGap = {
      type: 'trade_gap', venue: d.venue, symbol: d.symbol, source: d.source, eventTime, receiveTime: d.now(), fromId, toId, reason, detail: errText(err),
    };
    d.emit(gap);
    return gap;
  }

  private marker(state: 'behind' | 'whole', reason: string, eventTime: number): StreamState {
    const d = this.d;
    return { type: 'stream_state', venue: d.venue, symbol: d.symbol, source: d.source, eventTime, receiveTime: d.now(), state, reason };
  }
}
