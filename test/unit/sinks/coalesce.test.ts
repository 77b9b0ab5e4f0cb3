/**
 * Coalescing a batch by natural key before one SQLite transaction (a lagging aggregator amends
 * the same rows many times a batch): the stored rows must equal those of upserting every record
 * one by one, in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coalesceByKey } from '../../../src/sinks/record-key.js';
import { SqliteSink } from '../../../src/sinks/sqlite.js';
import type { SinkRecord } from '../../../src/sinks/sink.js';
import { gap, snapshot, tickCandle, timeCandle, trade } from './helpers/records.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-coalesce-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

/** Revisions 0..n of snapshot i, each with one more trade (what an amending aggregator emits). */
const amends = (i: number, n: number): SinkRecord[] => Array.from({ length: n + 1 }, (_, r) => snapshot(i, { revision: r, tradeCount: 10 + r }));

describe('coalesceByKey', () => {
  it('keeps the highest revision per key (a later equal revision wins), the first of a trade or gap, in first-appearance order', () => {
    const batch: SinkRecord[] = [
      snapshot(1, { revision: 0 }), trade(1), snapshot(2, { revision: 3 }), snapshot(1, { revision: 2 }), gap(1),
      snapshot(2, { revision: 1 }), trade(1, { price: '999' }), snapshot(1, { revision: 2, tradeCount: 99 }), gap(1, { detail: 'again' }),
    ];
    const out = coalesceByKey(batch);
    expect(out).toEqual([snapshot(1, { revision: 2, tradeCount: 99 }), trade(1), snapshot(2, { revision: 3 }), gap(1)]);
  });

  it('a batch written coalesced stores exactly what the records written one by one store', async () => {
    const batch: SinkRecord[] = [];
    for (let r = 0; r < 5; r++) for (let i = 0; i < 20; i++) batch.push(snapshot(i, { revision: r, tradeCount: 10 + r }), timeCandle(i, { revision: r, tradeCount: 40 + r }));
    batch.push(...amends(30, 7).reverse(), tickCandle(1), tickCandle(1, { revision: 1, close: '151.0' }), trade(5), trade(5), gap(2));
    const rowsOf = async (name: string, writes: SinkRecord[][]): Promise<unknown[]> => {
      const sink = new SqliteSink({ path: join(dir, `${name}.db`), trades: true });
      for (const w of writes) await sink.write(w);
      const db = sink.database()!;
      const rows = ['snapshots', 'time_candles', 'tick_candles', 'trades', 'trade_gaps'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4`).all());
      await sink.close();
      return rows;
    };
    const one = await rowsOf('one-by-one', batch.map((r) => [r]));
    const whole = await rowsOf('whole', [batch]);
    expect(whole).toEqual(one);
    // Revision 7 of snapshot 30 arrived first in the batch: it stays (a lower revision never overwrites).
    expect((whole[0] as { trade_count: number; revision: number }[]).find((r) => r.revision === 7)?.trade_count).toBe(17);
  });
});
