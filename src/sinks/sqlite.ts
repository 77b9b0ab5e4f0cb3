/**
 * SQLite sink (better-sqlite3), the embedded default. WAL mode; one transaction per batch with
 * prepared upserts (`ON CONFLICT ... DO UPDATE ... WHERE excluded.revision >= revision`).
 * better-sqlite3 is synchronous: a batch blocks the event loop for its duration (measured in
 * stats().maxBatchMs; ~1-3 ms for 500 rows on this machine), so batches stay bounded by
 * maxBatchRecords in the runner.
 * Durability: synchronous=NORMAL (default) survives a process kill; 'FULL' also a power loss.
 */
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS } from '../config/defaults/sinks.js';
import { errorMessage, SinkError } from './errors.js';
import type { RecordKind } from './record-key.js';
import { groupByKind, RECORD_KINDS, TABLES, toRow, type Row, type SqlType } from './rows.js';
import type { Sink, SinkRecord } from './sink.js';

export interface SqliteSinkOptions {
  /** File path, or ':memory:'. */
  readonly path: string;
  readonly name?: string;
  /** Store raw trades too (opt-in). */
  readonly trades?: boolean;
  readonly synchronous?: 'NORMAL' | 'FULL';
  readonly busyTimeoutMs?: number;
}

const SQLITE_TYPES: Record<SqlType, string> = { text: 'TEXT', decimal: 'TEXT', int: 'INTEGER', bigint: 'INTEGER', real: 'REAL', bool: 'INTEGER', json: 'TEXT' };

/** DDL for every table; also used by sqlite-query.ts to open a database this sink did not create. */
export function sqliteSchema(): string[] {
  return RECORD_KINDS.map((k) => {
    const t = TABLES[k];
    const cols = t.columns.map(([n, type, nullable]) => `${n} ${SQLITE_TYPES[type]}${nullable ? '' : ' NOT NULL'}`);
    return `CREATE TABLE IF NOT EXISTS ${t.table} (${cols.join(', ')}, PRIMARY KEY (${t.key.join(', ')})) WITHOUT ROWID`;
  });
}

function upsertSql(kind: RecordKind): string {
  const t = TABLES[kind];
  const names = t.columns.map(([n]) => n);
  const insert = `INSERT INTO ${t.table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
  if (!t.revisioned) return `${insert} ON CONFLICT (${t.key.join(', ')}) DO NOTHING`;
  const set = names.filter((n) => !t.key.includes(n)).map((n) => `${n} = excluded.${n}`).join(', ');
  return `${insert} ON CONFLICT (${t.key.join(', ')}) DO UPDATE SET ${set} WHERE excluded.revision >= ${t.table}.revision`;
}

/** Positional values in column order (positional binding is cheaper than named). */
function bindable(kind: RecordKind, row: Row): (string | number | null)[] {
  return TABLES[kind].columns.map(([n]) => {
    const v = row[n] ?? null;
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  });
}

export class SqliteSink implements Sink {
  readonly kind = 'sqlite' as const;
  readonly name: string;
  private db: Database.Database | null = null;
  private writeBatch: ((groups: Map<RecordKind, SinkRecord[]>) => void) | null = null;
  private counters = { batches: 0, rows: 0, skippedTrades: 0, lastBatchMs: 0, maxBatchMs: 0 };

  constructor(private readonly opts: SqliteSinkOptions) {
    this.name = opts.name ?? 'sqlite';
  }

  async open(): Promise<void> {
    if (this.db) return;
    try {
      if (this.opts.path !== ':memory:') mkdirSync(dirname(this.opts.path), { recursive: true });
      const db = new Database(this.opts.path, { timeout: this.opts.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS });
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.opts.synchronous ?? 'NORMAL'}`);
      for (const ddl of sqliteSchema()) db.exec(ddl);
      const stmts = new Map(RECORD_KINDS.map((k) => [k, db.prepare(upsertSql(k))] as const));
      this.writeBatch = db.transaction((groups: Map<RecordKind, SinkRecord[]>) => {
        for (const [kind, records] of groups) {
          const stmt = stmts.get(kind)!;
          for (const r of records) stmt.run(bindable(kind, toRow(r)));
        }
      });
      this.db = db;
    } catch (err) {
      throw classifySqliteError(err, this.opts.path);
    }
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    if (!this.db || !this.writeBatch) await this.open();
    const groups = groupByKind(batch, this.opts.trades ?? false);
    if (!this.opts.trades) this.counters.skippedTrades += batch.length - [...groups.values()].reduce((n, g) => n + g.length, 0);
    const started = performance.now();
    try {
      this.writeBatch!(groups);
    } catch (err) {
      throw classifySqliteError(err, this.opts.path);
    }
    const ms = performance.now() - started;
    this.counters.batches++;
    this.counters.rows += batch.length;
    this.counters.lastBatchMs = ms;
    if (ms > this.counters.maxBatchMs) this.counters.maxBatchMs = ms;
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    this.writeBatch = null;
    db?.close();
  }

  /** The open handle, for read helpers in the same process (sqlite-query.ts). */
  database(): Database.Database | null {
    return this.db;
  }

  stats(): Readonly<typeof this.counters> {
    return { ...this.counters };
  }
}

/** Busy/locked/full disk may pass; a bad path, a read-only file or a corrupt database will not. */
function classifySqliteError(err: unknown, path: string): SinkError {
  const code = (err as { code?: string }).code ?? '';
  const retryable = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|PROTOCOL)/.test(code);
  return new SinkError(retryable ? 'E_SINK_UNAVAILABLE' : 'E_SINK_WRITE', `sqlite ${path}: ${errorMessage(err)}${code ? ` (${code})` : ''}`, {
    retryable, cause: err, context: { sink: 'sqlite', path, sqliteCode: code },
  });
}
