/**
 * Worker thread of one SQLite sink: owns the better-sqlite3 connection and runs each batch's
 * transaction here, so busy waits and disk time block this thread only. Messages are handled
 * one at a time, in the order posted: batches land in push order.
 *   in:  { type: 'write', id, batch } | { type: 'close' }
 *   out: { type: 'ready' } | { type: 'open_failed', failure }
 *        { type: 'written', id, ms, rows, skippedTrades } | { type: 'write_failed', id, ms, failure } | { type: 'closed' }
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SinkRecord } from './sink.js';
import { classifySqliteError, SqliteDb, type SqliteDbOptions } from './sqlite-db.js';

export type ToWorker = { readonly type: 'write'; readonly id: number; readonly batch: readonly SinkRecord[] } | { readonly type: 'close' };

const port = parentPort!;
const opts = workerData as SqliteDbOptions;
let db: SqliteDb | null = null;
try {
  db = new SqliteDb(opts);
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'open_failed', failure: classifySqliteError(err, opts.path) });
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'close') {
    try { db?.close(); } catch { /* closing anyway */ }
    db = null;
    port.postMessage({ type: 'closed' });
    port.close();
    return;
  }
  const started = performance.now();
  try {
    if (!db) throw Object.assign(new Error('database is not open'), { code: 'SQLITE_MISUSE' });
    const r = db.write(msg.batch);
    port.postMessage({ type: 'written', id: msg.id, ms: performance.now() - started, ...r });
  } catch (err) {
    port.postMessage({ type: 'write_failed', id: msg.id, ms: performance.now() - started, failure: classifySqliteError(err, opts.path) });
  }
});
