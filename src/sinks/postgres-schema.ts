/**
 * PostgreSQL schema and its migrations. The sink creates `<schema>` and a
 * `<schema>.tickgate_migrations (version, name, applied_at)` table, then applies, under an
 * advisory lock (two gateways starting at once do not race), every migration not yet recorded.
 * A database migrated by a newer tickgate (unknown versions) is refused: E_SINK_SCHEMA, fatal.
 */
import type postgres from 'postgres';
import { SinkError } from './errors.js';
import type { RecordKind } from './record-key.js';
import { TABLES, type SqlType } from './rows.js';

const PG_TYPES: Record<SqlType, string> = { text: 'text', decimal: 'numeric', int: 'integer', bigint: 'bigint', real: 'double precision', bool: 'boolean', json: 'jsonb' };

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: (schema: string) => string[];
}

function createTable(schema: string, kind: RecordKind): string {
  const t = TABLES[kind];
  const cols = t.columns.map(([n, type, nullable]) => `${quoteIdent(n)} ${PG_TYPES[type]}${nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.${quoteIdent(t.table)} (${cols.join(', ')}, PRIMARY KEY (${t.key.map(quoteIdent).join(', ')}))`;
}

// Each migration names its tables explicitly: a kind added later is its own migration, so a
// schema created by an older tickgate is brought up to date rather than assumed complete.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'aggregate and trade tables',
    statements: (schema) => (['snapshot', 'time_candle', 'tick_candle', 'trade'] as const).map((k) => createTable(schema, k)),
  },
  {
    version: 2,
    name: 'declared trade gaps',
    statements: (schema) => [createTable(schema, 'gap')],
  },
];

export async function migrate(sql: postgres.Sql, schema: string): Promise<number[]> {
  const s = quoteIdent(schema);
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  const applied: number[] = [];
  await sql.begin(async (tx) => {
    await tx.unsafe('SELECT pg_advisory_xact_lock(hashtext($1))', [`tickgate:${schema}`]);
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${s}.tickgate_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.unsafe(`SELECT version FROM ${s}.tickgate_migrations`);
    const done = new Set(rows.map((r) => Number(r['version'])));
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    const newer = [...done].filter((v) => v > known);
    if (newer.length > 0) {
      throw new SinkError('E_SINK_SCHEMA', `postgres schema "${schema}" is at migration ${Math.max(...newer)}, newer than this tickgate knows (${known})`, {
        retryable: false, context: { sink: 'postgres', schema },
      });
    }
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const stmt of m.statements(schema)) await tx.unsafe(stmt);
      await tx.unsafe(`INSERT INTO ${s}.tickgate_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
  });
  return applied;
}
