/**
 * The replayer must make progress while appends keep coming (a sink that lags under sustained
 * load keeps spooling every turn). peek() used to wait until the spool's write chain was idle,
 * and the supervised sink until the spiller had no pass left: under a steady stream of appends
 * neither ever happened, so nothing was replayed until the load stopped (bench/e2e: the SQLite
 * sink wrote nothing for 11 s while its spool grew to 600k rows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spool } from '../../../src/sinks/spool/spool.js';
import { SupervisedSink } from '../../../src/sinks/supervised-sink.js';
import type { Sink, SinkRecord } from '../../../src/sinks/sink.js';
import { snapshot } from './helpers/records.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-spool-steady-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

/** Appends one batch every turn until stopped; returns how many it appended. */
function steadyAppends(append: (i: number) => void): { stop(): number } {
  let i = 0;
  let on = true;
  const tick = (): void => { if (!on) return; append(i++); setImmediate(tick); };
  setImmediate(tick);
  return { stop: () => { on = false; return i; } };
}

describe('spool under steady appends', () => {
  it('peek() returns written batches while appends go on (it does not wait for an idle write chain)', async () => {
    const spool = Spool.open({ dir, fsync: 'always' });
    const load = steadyAppends((i) => { void spool.append([snapshot(i)]); });
    const replayed: number[] = [];
    let appended = 0;
    try {
      // Replay 50 batches while the appender runs; before the fix the first peek that caught up
      // with the written bytes waited for the appends to stop (this test then timed out).
      while (replayed.length < 50) {
        const b = await spool.peek();
        if (b === null) { await new Promise((r) => setImmediate(r)); continue; } // caught up with an idle chain
        replayed.push(...b.records.map((r) => ('startTime' in r ? r.startTime : -1)));
        spool.ack(b);
      }
    } finally {
      appended = load.stop();
    }
    expect(appended).toBeGreaterThan(replayed.length); // the appender was still going
    // In order, none skipped.
    expect(replayed).toEqual(Array.from({ length: replayed.length }, (_, i) => snapshot(i).startTime));
    await spool.close();
  });

  it('a supervised sink in spool mode writes to its sink while pushes continue, then drains everything in order', async () => {
    const written: SinkRecord[] = [];
    const sink: Sink = {
      kind: 'jsonl', name: 'mem', open: async () => undefined, close: async () => undefined,
      write: async (batch: readonly SinkRecord[]) => { written.push(...batch); },
    } as unknown as Sink;
    const s = new SupervisedSink({ sink, spool: { dir, fsync: 'always' }, maxQueueRecords: 10, maxBatchRecords: 5 });
    s.start();
    // 20 records in one turn overflow the 10-record queue: spool mode.
    s.push(Array.from({ length: 20 }, (_, i) => snapshot(i)));
    let n = 20;
    const load = steadyAppends(() => { s.push([snapshot(n++)]); });
    let pushedWhileWriting = 0;
    try {
      const t0 = Date.now();
      while (written.length < 100 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
    } finally {
      pushedWhileWriting = load.stop();
    }
    expect(written.length).toBeGreaterThanOrEqual(100);
    expect(pushedWhileWriting).toBeGreaterThan(0);
    await s.drained();
    expect(written.map((r) => ('startTime' in r ? r.startTime : -1))).toEqual(Array.from({ length: n }, (_, i) => snapshot(i).startTime));
    await s.close();
  });
});
