/**
 * One chaos scenario: start the rig for one venue, wait for data, inject a fault (the scenario's
 * `fault` step waits until the fault bit and calls rig.markCleared() when it is over), wait for
 * data again, stop generation, wait until idle, then account against the ground truth.
 */
import { expect } from 'vitest';
import { ChaosRig, type ChaosVenue, type RigOptions } from './rig.js';
import type { TradeAccount } from './accounting.js';

export interface Scenario {
  /** Fault class as printed in the table. */
  readonly name: string;
  readonly venue: ChaosVenue;
  readonly rig?: Omit<RigOptions, 'venues'>;
  /** Injects the fault, waits until it took effect, ends it and calls rig.markCleared(). */
  readonly fault: (rig: ChaosRig) => Promise<void>;
  /** Proof that the fault really happened (reconnect, gap, resync...): a no-op fault must fail. */
  readonly bit: (rig: ChaosRig) => void;
}

/** A fault's row: the trade account's counts (`late`: backfilled trades emitted after newer ones, venue without a trade sequence), then the fault's own figures. */
export interface ResultRow extends Pick<TradeAccount, 'published' | 'delivered' | 'lost' | 'duplicated' | 'outOfOrder' | 'late'> {
  readonly fault: string;
  readonly venue: string;
  readonly booksEqual: string;
  /** Fault cleared (or one-shot fault fired) -> first data frame again (on a new socket if it broke). */
  readonly recoveryMs: number | null;
  /** Time without a live socket (sum over reconnects). */
  readonly downMs: number;
  readonly reconnects: number;
  readonly backfilled: number;
  readonly resyncs: number;
  readonly seconds: number;
}

export const results: ResultRow[] = [];

export interface RunOptions {
  /**
   * Trades missing from the stream cannot be recovered on this venue (known bug, see the caller):
   * loss is counted and printed but asserted by a separate it.fails test, not here.
   */
  readonly lossIsKnownBug?: boolean;
  /**
   * The venue has no trade sequence: a trade lost inside a live stream is found by the periodic
   * recent-trades check and delivered late (source 'backfill'). Without it late must be 0.
   */
  readonly lateAllowed?: boolean;
  /**
   * The venue's backfill reaches back a bounded page (Bybit spot: 60 trades): a symbol may lose
   * trades only when integrity reported it (trade_window_exceeded alert for that symbol), never
   * silently. Those alerts are then expected, no other.
   */
  readonly lossOnlyIfReported?: boolean;
}

export async function runScenario(s: Scenario, o: RunOptions = {}): Promise<ResultRow> {
  const started = Date.now();
  const rig = await ChaosRig.start({ venues: [s.venue], ...s.rig });
  let recoveryMs: number | null = null;
  let failure: unknown = null;
  let repairsWhileSettling = 0;
  try {
    await rig.waitForData();
    await s.fault(rig);
    recoveryMs = await rig.recovery(s.venue);
    // Fresh live trades on every symbol after recovery: they reveal any gap left by the fault.
    await rig.waitForData(15_000);
    ({ repairsWhileSettling } = await rig.settle());
  } catch (err) {
    failure = err;
  }
  const trades = rig.trades(s.venue);
  const reported = new Set(rig.alerts(s.venue).filter((a) => a.kind === 'trade_window_exceeded').map((a) => a.symbol));
  const lossOk = (symbol: string): boolean => o.lossIsKnownBug === true || (o.lossOnlyIfReported === true && reported.has(symbol));
  const books = rig.books(s.venue);
  const st = rig.feed(s.venue).integrity.stats();
  const row: ResultRow = {
    fault: s.name, venue: s.venue,
    published: trades.reduce((n, t) => n + t.published, 0),
    delivered: trades.reduce((n, t) => n + t.delivered, 0),
    lost: trades.reduce((n, t) => n + t.lost, 0),
    duplicated: trades.reduce((n, t) => n + t.duplicated, 0),
    outOfOrder: trades.reduce((n, t) => n + t.outOfOrder, 0),
    late: trades.reduce((n, t) => n + t.late, 0),
    booksEqual: `${books.filter((b) => b.equal).length}/${books.length}`,
    recoveryMs, downMs: rig.downtimeMs(s.venue), reconnects: rig.reconnects(s.venue), backfilled: st.tradesBackfilled, resyncs: st.bookResyncs,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  results.push(row);
  const bad = failure !== null || trades.some((t) => (lossOk(t.symbol) ? 0 : t.lost) + t.duplicated + t.outOfOrder + (o.lateAllowed ? 0 : t.late) + t.mismatched + t.unknown > 0) || books.some((b) => !b.equal);
  if (bad) {
    console.log(`${s.name} ${s.venue}: connection log\n  ${rig.connectionLog(s.venue).join('\n  ')}\n  integrity ${JSON.stringify(st)}\n  faults ${JSON.stringify(rig.sim.faults.history().map((h) => `${h.kind} ${h.event} ${h.detail ?? ''}`))}`);
  }
  await rig.close().catch(() => undefined);
  if (failure !== null) throw failure;
  s.bit(rig);
  for (const t of trades) {
    expect.soft(t, `${s.name} ${s.venue} ${t.symbol}: trades vs ground truth`).toMatchObject({ ...(lossOk(t.symbol) ? {} : { lost: 0 }), duplicated: 0, outOfOrder: 0, ...(o.lateAllowed ? {} : { late: 0 }), mismatched: 0, unknown: 0 });
    expect.soft(t.delivered, `${s.name} ${s.venue} ${t.symbol}: trades delivered`).toBeGreaterThan(0);
  }
  for (const b of books) expect.soft(b, `${s.name} ${s.venue} ${b.symbol}: book vs simulator`).toMatchObject({ equal: true, firstDiff: null });
  expect(rig.alerts(s.venue).filter((a) => !(o.lossOnlyIfReported === true && a.kind === 'trade_window_exceeded')), `${s.name} ${s.venue}: integrity alerts`).toEqual([]);
  expect(repairsWhileSettling, `${s.name} ${s.venue}: caught up without a reconnect or resubscription while settling`).toBe(0);
  return row;
}

/** Prints the results as a compact fixed-width table. */
export function printTable(title: string, rows: readonly ResultRow[]): void {
  const head = ['fault', 'venue', 'published', 'delivered', 'lost', 'dup', 'ooo', 'late', 'books', 'recovery ms', 'down ms', 'reconn', 'backfilled', 'resyncs', 's'];
  const body = rows.map((r) => [r.fault, r.venue, r.published, r.delivered, r.lost, r.duplicated, r.outOfOrder, r.late, r.booksEqual, r.recoveryMs ?? '-', r.downMs, r.reconnects, r.backfilled, r.resyncs, r.seconds].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log([`\n${title}`, line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'));
}
