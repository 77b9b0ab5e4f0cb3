/**
 * The synchronous SQLite writer (better-sqlite3): schema, prepared upserts, one transaction per
 * batch, error classification. It runs on the SQLite sink's worker thread (sqlite-worker.ts), so
 * a busy timeout or a slow disk blocks that thread, never the event loop.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS } from '../config/defaults/sinks.js';
import { errorMessage } from './errors.js';
import type { RecordKind } from './record-key.js';
import { groupByKind, RECORD_KINDS, TABLES, toRow, type Row, type SqlType } from './rows.js';
import type { SinkRecord } from './sink.js';

export interface SqliteDbOptions {
  readonly path: string;
  readonly trades: boolean;
  readonly synchronous: 'NORMAL' | 'FULL';
  readonly busyTimeoutMs?: number;
}

/** A SinkError as plain data: it crosses the thread boundary by structured clone. */
export interface SqliteFailure {
  readonly code: 'E_SINK_UNAVAILABLE' | 'E_SINK_WRITE';
  readonly message: string;
  readonly retryable: boolean;
  readonly sqliteCode: string;
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

export class SqliteDb {
  private readonly db: Database.Database;
  private readonly tx: (groups: Map<RecordKind, SinkRecord[]>) => void;

  /** Opens (creating the file, its directory and the schema); throws a SqliteFailure-shaped error. */
  constructor(private readonly opts: SqliteDbOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    const db = new Database(opts.path, { timeout: opts.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous}`);
      for (const ddl of sqliteSchema()) db.exec(ddl);
      const stmts = new Map(RECORD_KINDS.map((k) => [k, db.prepare(upsertSql(k))] as const));
      this.tx = db.transaction((groups: Map<RecordKind, SinkRecord[]>) => {
        for (const [kind, records] of groups) {
          const stmt = stmts.get(kind)!;
          for (const r of records) stmt.run(bindable(kind, toRow(r)));
        }
      });
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
  }

  /** One transaction; returns the rows stored and the trades skipped (not opted in). */
  write(batch: readonly SinkRecord[]): { rows: number; skippedTrades: number } {
    const groups = groupByKind(batch, this.opts.trades);
    let rows = 0;
    for (const g of groups.values()) rows += g.length;
    this.tx(groups);
    return { rows, skippedTrades: batch.length - rows };
  }

  close(): void {
    this.db.close();
  }
}

/** Busy/locked/full disk may pass; a bad path, a read-only file or a corrupt database will not. */
export function classifySqliteError(err: unknown, path: string): SqliteFailure {
  const sqliteCode = (err as { code?: string }).code ?? '';
  const retryable = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|PROTOCOL)/.test(sqliteCode);
  return { code: retryable ? 'E_SINK_UNAVAILABLE' : 'E_SINK_WRITE', message: `sqlite ${path}: ${errorMessage(err)}${sqliteCode ? ` (${sqliteCode})` : ''}`, retryable, sqliteCode };
}
