/**
 * PostgreSQL sink (`postgres` by porsager). Creates/migrates its schema on open
 * (postgres-schema.ts), then writes each batch in one transaction of multi-row
 * `INSERT ... ON CONFLICT (natural key) DO UPDATE ... WHERE excluded.revision >= revision`.
 * Decimals are NUMERIC (PostgreSQL keeps the scale as given, so text round-trips exactly).
 * A write that hangs (a half-open connection) is cut at queryTimeoutMs and the client is
 * rebuilt, so one dead socket cannot wedge the sink. Errors are classified: bad credentials,
 * missing database or bad schema are fatal; refused/reset/terminated connections are retryable.
 */
import postgres from 'postgres';
import {
  DEFAULT_POSTGRES_CONNECT_TIMEOUT_MS, DEFAULT_POSTGRES_IDLE_TIMEOUT_MS, DEFAULT_POSTGRES_MAX_CONNECTIONS,
  DEFAULT_POSTGRES_QUERY_TIMEOUT_MS, DEFAULT_POSTGRES_ROWS_PER_STATEMENT, DEFAULT_POSTGRES_SCHEMA,
} from '../config/defaults/sinks.js';
import { redactUrl } from '../observability/logger.js';
import { errorMessage, SinkError } from './errors.js';
import { migrate, quoteIdent } from './postgres-schema.js';
import { groupByKind, latestPerKey, TABLES, toRow, type RowValue } from './rows.js';
import type { Sink, SinkRecord } from './sink.js';

export interface PostgresSinkOptions {
  /** postgres://user[:password]@host:port/database */
  readonly url: string;
  readonly schema?: string;
  readonly name?: string;
  readonly trades?: boolean;
  readonly connectTimeoutMs?: number;
  /** A write taking longer is abandoned and the connection pool rebuilt. */
  readonly queryTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly rowsPerStatement?: number;
}

const SCHEMA_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export class PostgresSink implements Sink {
  readonly kind = 'postgres' as const;
  readonly name: string;
  readonly schema: string;
  private sql: postgres.Sql | null = null;
  private migrated = false;
  private readonly safeUrl: string;
  private counters = { batches: 0, rows: 0, statements: 0, resets: 0 };

  constructor(private readonly opts: PostgresSinkOptions) {
    this.name = opts.name ?? 'postgres';
    this.schema = opts.schema ?? DEFAULT_POSTGRES_SCHEMA;
    this.safeUrl = redactUrl(opts.url);
    if (!SCHEMA_RE.test(this.schema)) {
      throw new SinkError('E_SINK_SCHEMA', `postgres schema name "${this.schema}" is not a plain identifier (letters, digits, _)`, { retryable: false, context: { sink: this.name } });
    }
  }

  async open(): Promise<void> {
    if (this.migrated) return;
    const sql = this.client();
    await this.guard(async () => { await migrate(sql, this.schema); });
    this.migrated = true;
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    await this.open();
    const sql = this.client();
    const statements: { text: string; params: RowValue[] }[] = [];
    for (const [kind, records] of groupByKind(batch, this.opts.trades ?? false)) {
      const t = TABLES[kind];
      const rows = latestPerKey(records.map(toRow), t.key);
      const per = this.opts.rowsPerStatement ?? DEFAULT_POSTGRES_ROWS_PER_STATEMENT;
      for (let i = 0; i < rows.length; i += per) statements.push(upsertStatement(this.schema, kind, rows.slice(i, i + per)));
    }
    if (statements.length === 0) return;
    await this.guard(async () => {
      await sql.begin(async (tx) => {
        for (const s of statements) await tx.unsafe(s.text, s.params as postgres.ParameterOrJSON<never>[], { prepare: false });
      });
    });
    this.counters.batches++;
    this.counters.rows += batch.length;
    this.counters.statements += statements.length;
  }

  async close(): Promise<void> {
    const sql = this.sql;
    this.sql = null;
    await sql?.end({ timeout: 1 });
  }

  /** The live client, for read helpers in the same process (postgres-query.ts). */
  client(): postgres.Sql {
    this.sql ??= postgres(this.opts.url, {
      connect_timeout: Math.max(1, Math.ceil((this.opts.connectTimeoutMs ?? DEFAULT_POSTGRES_CONNECT_TIMEOUT_MS) / 1000)),
      max: this.opts.maxConnections ?? DEFAULT_POSTGRES_MAX_CONNECTIONS,
      idle_timeout: Math.ceil(DEFAULT_POSTGRES_IDLE_TIMEOUT_MS / 1000),
      onnotice: () => undefined,
      connection: { application_name: 'tickgate' },
    });
    return this.sql;
  }

  stats(): Readonly<typeof this.counters> {
    return { ...this.counters };
  }

  /** Runs `fn` with a deadline; classifies errors; rebuilds the client after connection trouble. */
  private async guard(fn: () => Promise<void>): Promise<void> {
    const ms = this.opts.queryTimeoutMs ?? DEFAULT_POSTGRES_QUERY_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SinkError('E_SINK_TIMEOUT', `postgres ${this.safeUrl}: no answer within ${ms} ms`, { retryable: true, context: { sink: this.name } })), ms);
    });
    try {
      await Promise.race([fn(), deadline]);
    } catch (err) {
      const e = err instanceof SinkError ? err : classifyPostgresError(err, this.safeUrl, this.name);
      if (e.retryable) this.reset();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private reset(): void {
    const sql = this.sql;
    this.sql = null;
    this.counters.resets++;
    sql?.end({ timeout: 0 }).catch(() => undefined);
  }
}

function upsertStatement(schema: string, kind: keyof typeof TABLES, rows: readonly Record<string, RowValue>[]): { text: string; params: RowValue[] } {
  const t = TABLES[kind];
  const names = t.columns.map(([n]) => n);
  const params: RowValue[] = [];
  const tuples = rows.map((row) => `(${names.map((n) => { params.push(row[n] ?? null); return `$${params.length}`; }).join(', ')})`);
  const table = `${quoteIdent(schema)}.${quoteIdent(t.table)}`;
  const key = t.key.map(quoteIdent).join(', ');
  let text = `INSERT INTO ${table} (${names.map(quoteIdent).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${key}) `;
  if (!t.revisioned) text += 'DO NOTHING';
  else text += `DO UPDATE SET ${names.filter((n) => !t.key.includes(n)).map((n) => `${quoteIdent(n)} = EXCLUDED.${quoteIdent(n)}`).join(', ')} WHERE EXCLUDED.revision >= ${quoteIdent(t.table)}.revision`;
  return { text, params };
}

const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
]);

/** Fatal: authentication (28xxx), missing database (3D000), privileges (42501), schema/data errors (42xxx, 22xxx). */
export function classifyPostgresError(err: unknown, safeUrl: string, sink = 'postgres'): SinkError {
  const code = String((err as { code?: unknown }).code ?? '');
  const ctx = { sink, url: safeUrl, pgCode: code };
  const msg = `postgres ${safeUrl}: ${errorMessage(err)}${code ? ` (${code})` : ''}`;
  if (RETRYABLE_NODE_CODES.has(code)) return new SinkError('E_SINK_UNAVAILABLE', msg, { retryable: true, cause: err, context: ctx });
  if (code.startsWith('28') || code === '42501') return new SinkError('E_SINK_AUTH', `${msg}: check user, password and grants`, { retryable: false, cause: err, context: ctx });
  if (code === '3D000') return new SinkError('E_SINK_AUTH', `${msg}: the database does not exist`, { retryable: false, cause: err, context: ctx });
  if (code.startsWith('42') || code === '3F000') return new SinkError('E_SINK_SCHEMA', `${msg}: schema does not match what tickgate expects`, { retryable: false, cause: err, context: ctx });
  if (code.startsWith('22') || code.startsWith('23')) return new SinkError('E_SINK_WRITE', `${msg}: the data was rejected`, { retryable: code === '23505', cause: err, context: ctx });
  // Connection exceptions (08), shutdown (57P0x), resources (53), serialization/deadlock (40), unknown: try again.
  return new SinkError('E_SINK_UNAVAILABLE', msg, { retryable: true, cause: err, context: ctx });
}
