/**
 * Order-flow imbalance over a rolling window: exact buy and sell volume, signed imbalance
 * (buy - sell) / (buy + sell) and trade intensity (trades per second). The input is the
 * per-second flow of closed snapshots (a few dozen bins, not every trade), so a run costs the
 * same however busy the symbol is. Pure: the same function runs inline and on a worker
 * (order-flow.worker.ts).
 */
import type { Enrichment } from '../../model/aggregates.js';
import { ExactSum, parsed, parseScaled, upscale } from '../exact.js';

/** One closed second of a symbol's flow (from its Snapshot1s). */
export interface FlowBin {
  readonly startTime: number;
  readonly buyVolume: string;
  readonly sellVolume: string;
  readonly tradeCount: number;
}

export interface OrderFlowInput {
  readonly venue: string;
  readonly symbol: string;
  /** Window end, epoch ms (venue time). Bins starting in (time - windowMs, time] - 1 s count. */
  readonly time: number;
  readonly windowMs: number;
  readonly bins: readonly FlowBin[];
}

export interface OrderFlowResult extends Enrichment {
  readonly venue: string;
  readonly symbol: string;
}

class ScaledSum {
  readonly sum = new ExactSum();
  scale = 0;

  add(text: string): void {
    let v = parseScaled(text);
    const s = parsed.scale;
    if (s > this.scale) { this.sum.rescale(s - this.scale); this.scale = s; }
    v = upscale(v, this.scale - s);
    this.sum.add(v);
  }

  alignTo(scale: number): void {
    if (scale > this.scale) { this.sum.rescale(scale - this.scale); this.scale = scale; }
  }
}

export function computeOrderFlow(input: OrderFlowInput): OrderFlowResult {
  const from = input.time - input.windowMs;
  const buy = new ScaledSum();
  const sell = new ScaledSum();
  let count = 0;
  for (const b of input.bins) {
    if (b.startTime < from || b.startTime + 1000 > input.time) continue;
    count += b.tradeCount;
    buy.add(b.buyVolume);
    sell.add(b.sellVolume);
  }
  const scale = Math.max(buy.scale, sell.scale);
  buy.alignTo(scale);
  sell.alignTo(scale);
  const bv = buy.sum.toFloat(scale);
  const sv = sell.sum.toFloat(scale);
  const total = bv + sv;
  return {
    venue: input.venue,
    symbol: input.symbol,
    time: input.time,
    windowMs: input.windowMs,
    buyVolume: buy.sum.format(scale),
    sellVolume: sell.sum.format(scale),
    imbalance: total === 0 ? 0 : (bv - sv) / total,
    intensity: count / (input.windowMs / 1000),
  };
}
