/**
 * The SQLite sink's worker thread: a crash fails the pending write retryably and the next write
 * starts a new worker; a worker stuck on a lock past workerStallMs is ended (E_SINK_TIMEOUT);
 * close() lets posted writes finish first; under the supervised runner, repeated worker kills
 * mid-stream lose and double nothing.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { naturalKey } from '../../../src/sinks/record-key.js';
import type { SinkRecord } from '../../../src/sinks/sink.js';
import { SqliteSink } from '../../../src/sinks/sqlite.js';
import { queryCandles, querySnapshots } from '../../../src/sinks/sqlite-query.js';
import { SupervisedSink } from '../../../src/sinks/supervised-sink.js';
import { mixed, snapshot } from './helpers/records.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-sqlite-worker-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

function stored(db: string): Map<string, SinkRecord> {
  const ro = new Database(db, { readonly: true });
  try {
    const all: SinkRecord[] = [
      ...querySnapshots(ro, { symbol: 'BTCUSDT', limit: 1e6 }),
      ...queryCandles(ro, { symbol: 'ETHUSDT', interval: '1m', limit: 1e6 }),
      ...queryCandles(ro, { symbol: 'SOLUSDT', interval: 't100', limit: 1e6 }),
    ];
    return new Map(all.map((r) => [naturalKey(r), r]));
  } finally {
    ro.close();
  }
}

describe('SqliteSink worker thread', () => {
  it('a worker killed mid-write fails that write retryably; the next write starts a new worker and lands', async () => {
    const path = join(dir, 'crash.db');
    const sink = new SqliteSink({ path });
    await sink.write([snapshot(0)]);
    const big = mixed(1, 5000);
    const inFlight = sink.write(big);
    await sink.terminateWorker();
    await expect(inFlight).rejects.toMatchObject({ code: 'E_SINK_UNAVAILABLE', retryable: true, message: expect.stringMatching(/worker exited .*restarted on the next write/) });
    expect(sink.stats()).toMatchObject({ workerStarts: 1, workerCrashes: 1, workerRunning: false, pendingWrites: 0 });
    await sink.write(big);
    expect(sink.stats()).toMatchObject({ workerStarts: 2, workerRunning: true });
    await sink.close();
    expect(stored(path)).toEqual(new Map([snapshot(0), ...big].map((r) => [naturalKey(r), r])));
  });

  it('a write stuck on a lock past workerStallMs ends the worker with E_SINK_TIMEOUT; after the lock goes, writes resume', async () => {
    const path = join(dir, 'stall.db');
    const sink = new SqliteSink({ path, busyTimeoutMs: 20_000, workerStallMs: 400 });
    await sink.write([snapshot(0)]);
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    const started = performance.now();
    await expect(sink.write([snapshot(1)])).rejects.toMatchObject({ code: 'E_SINK_TIMEOUT', retryable: true });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(sink.stats().workerStalls).toBe(1);
    holder.exec('COMMIT');
    holder.close();
    await sink.write([snapshot(1)]);
    await sink.close();
    expect([...stored(path).keys()]).toEqual([snapshot(0), snapshot(1)].map(naturalKey));
  });

  it('close() lets every posted write finish before the worker ends', async () => {
    const path = join(dir, 'close.db');
    const sink = new SqliteSink({ path });
    const batches = Array.from({ length: 8 }, (_, i) => mixed(i * 200, 200));
    const writes = batches.map((b) => sink.write(b));
    await sink.close();
    await Promise.all(writes);
    expect(stored(path).size).toBe(1600);
    expect(sink.stats()).toMatchObject({ batches: 8, rows: 1600, workerRunning: false });
  });

  it('under the supervised runner, killing the worker three times mid-stream loses and doubles nothing', { timeout: 40_000 }, async () => {
    const path = join(dir, 'supervised.db');
    const sink = new SqliteSink({ path });
    const runner = new SupervisedSink({ sink, spool: { dir: join(dir, 'spool'), fsync: 'never' }, retryDelaysMs: [20, 40], replayRetryInitialMs: 50, replayRetryMaxMs: 200 });
    runner.start();
    const pushed: SinkRecord[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) { const b = mixed(pushed.length, 300); pushed.push(...b); runner.push(b); }
      await new Promise((r) => setTimeout(r, 30));
      await sink.terminateWorker();
    }
    await runner.drained();
    await runner.close(2000);
    expect(sink.stats().workerCrashes).toBeGreaterThanOrEqual(1);
    expect(stored(path)).toEqual(new Map(pushed.map((r) => [naturalKey(r), r])));
    expect(runner.stats().droppedRecords).toBe(0);
  });
});
