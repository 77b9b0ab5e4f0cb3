/**
 * A sink that lags (or a spool disk that stalls) behind an aggregator amending the same rows:
 * over its memory budget the queue first collapses repeats of a row to their newest revision
 * (what the sink would store anyway), so a merely lagging sink stays out of the spool and nothing
 * is dropped; distinct records beyond the budget still spool (and, behind a stalled disk, are
 * dropped and counted, see supervised-sink.test.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { naturalKey, revisionOf } from '../../../src/sinks/record-key.js';
import type { SinkRecord } from '../../../src/sinks/sink.js';
import { FakeSink } from './helpers/fake-sink.js';
import { useSupervisedRunners } from './helpers/supervised-runners.js';
import { snapshot, trade } from './helpers/records.js';

const { runner } = useSupervisedRunners('tickgate-lagging-');

/** The newest revision per key among `records`: what the table must end with. */
function finalRows(records: readonly SinkRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) out.set(naturalKey(r), Math.max(out.get(naturalKey(r)) ?? -1, revisionOf(r)));
  return out;
}

describe('lagging sink', () => {
  it('a burst of 5,000 revisions of 10 rows (budget 100 records) never spools, drops nothing, and the newest revision of every row is written', async () => {
    const sink = new FakeSink();
    sink.mode = 'hang'; // the first write hangs: everything else waits in memory
    const s = runner(sink, { maxQueueRecords: 100, maxBatchRecords: 50, writeTimeoutMs: 60_000 });
    const pushed: SinkRecord[] = [];
    for (let rev = 0; rev < 500; rev++) {
      const batch = Array.from({ length: 10 }, (_, i) => snapshot(i, { revision: rev, tradeCount: rev + 1 }));
      pushed.push(...batch);
      s.push(batch);
      expect(s.health().queueRecords).toBeLessThanOrEqual(100);
    }
    expect(s.health().state).toBe('ok');
    expect(s.health().spool.rows).toBe(0);
    expect(s.stats().coalescedRecords).toBeGreaterThan(4_000);
    sink.mode = 'ok';
    // The hung write would time out only after 60 s: close abandons it and spools it with what
    // waits in memory; a runner on the same spool then writes everything.
    await s.close(50);
    const s2 = runner(sink);
    await vi.waitFor(() => expect(s2.health().spool.rows).toBe(0), { timeout: 5_000 });
    await s2.drained();
    const want = finalRows(pushed);
    const got = finalRows(sink.written);
    expect(got).toEqual(want);
    expect(s.stats().droppedRecords).toBe(0);
  });

  it('distinct records beyond the budget still go to the spool, in order, and all are written', async () => {
    const sink = new FakeSink();
    const s = runner(sink, { maxQueueRecords: 20, maxBatchRecords: 5 });
    const pushed = Array.from({ length: 200 }, (_, i) => trade(i));
    s.push(pushed); // one turn: far beyond the budget, nothing to collapse
    expect(s.stats().coalescedRecords).toBe(0);
    await s.drained();
    expect(s.stats().spooledRecords).toBeGreaterThan(0);
    expect(sink.written.map(naturalKey)).toEqual(pushed.map(naturalKey));
  });
});
