import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import postgres from 'postgres';
import { openSqliteForQuery, queryCandles, querySnapshots, queryTrades } from '../sinks/sqlite-query.js';
import { queryPgCandles, queryPgSnapshots, queryPgTrades } from '../sinks/postgres-query.js';
import type { AggregateQuery } from '../sinks/query.js';
import { DEFAULT_POSTGRES_SCHEMA } from '../config/defaults/sinks.js';
import { ConfigError } from '../model/errors.js';
import { reportCliError } from './global-options.js';
import { formatRows } from './table.js';

type Kind = 'snapshots' | 'candles' | 'trades';

interface QueryOpts {
  sqlite?: string; postgres?: string; schema: string; kind: string; symbol: string; venue?: string;
  interval?: string; from?: string; to?: string; limit: number; format: string;
}

function time(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(n)) throw new ConfigError(`${flag} "${text}" is not epoch ms or an ISO time`, { key: flag, value: text });
  return n;
}

const COLUMNS: Readonly<Record<Kind, readonly string[]>> = {
  snapshots: ['venue', 'symbol', 'startTime', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'tradeCount', 'empty', 'revision'],
  candles: ['venue', 'symbol', 'interval', 'startTime', 'endTime', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'tradeCount', 'firstTradeId', 'revision'],
  trades: ['venue', 'symbol', 'tradeId', 'eventTime', 'price', 'size', 'side'],
};

export function addQueryCommand(program: Command): void {
  program
    .command('query')
    .description('read stored snapshots, candles or raw trades from SQLite or PostgreSQL')
    .option('--sqlite <path>', 'SQLite database written by the sqlite sink')
    .option('--postgres <url>', 'PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/test')
    .option('--schema <name>', 'PostgreSQL schema', DEFAULT_POSTGRES_SCHEMA)
    .option('--kind <kind>', 'snapshots | candles | trades', 'candles')
    .requiredOption('--symbol <symbol>', 'symbol, e.g. BTCUSDT')
    .option('--venue <venue>', 'venue, e.g. binance')
    .option('--interval <name>', 'candle interval: t100, 1s, 1m, v10 ...')
    .option('--from <time>', 'start time (epoch ms or ISO), inclusive')
    .option('--to <time>', 'end time (epoch ms or ISO), exclusive')
    .option('--limit <n>', 'max rows, oldest first', (v) => Number(v), 100)
    .option('--format <fmt>', 'table | csv | json', 'table')
    .action(async (opts: QueryOpts) => {
      try {
        const kind = opts.kind as Kind;
        if (!(kind in COLUMNS)) throw new ConfigError(`--kind "${opts.kind}": expected snapshots, candles or trades`, { key: 'kind', value: opts.kind });
        if (!['table', 'csv', 'json'].includes(opts.format)) throw new ConfigError(`--format "${opts.format}": expected table, csv or json`, { key: 'format', value: opts.format });
        if (!opts.sqlite === !opts.postgres) throw new ConfigError('give exactly one of --sqlite <path> or --postgres <url>');
        if (opts.sqlite && !existsSync(opts.sqlite)) throw new ConfigError(`--sqlite "${opts.sqlite}": no such database file`, { key: 'sqlite', value: opts.sqlite });
        // queryCandles reads one interval: name the missing flag instead of a stack trace.
        if (kind === 'candles' && !opts.interval) throw new ConfigError('--kind candles needs --interval (t100, 1s, 1m, v10 ...); or --kind snapshots / trades', { key: 'interval' });
        const q: AggregateQuery = {
          symbol: opts.symbol.toUpperCase(), venue: opts.venue, interval: opts.interval,
          from: time(opts.from, '--from'), to: time(opts.to, '--to'), limit: opts.limit,
        };
        let rows: object[];
        if (opts.sqlite) {
          const db = openSqliteForQuery(opts.sqlite);
          try {
            rows = kind === 'snapshots' ? querySnapshots(db, q) : kind === 'candles' ? queryCandles(db, q) : queryTrades(db, q);
          } finally {
            db.close();
          }
        } else {
          const sql = postgres(opts.postgres!, { max: 1, connect_timeout: 5, onnotice: () => undefined });
          try {
            rows = kind === 'snapshots' ? await queryPgSnapshots(sql, opts.schema, q)
              : kind === 'candles' ? await queryPgCandles(sql, opts.schema, q) : await queryPgTrades(sql, opts.schema, q);
          } finally {
            await sql.end({ timeout: 1 });
          }
        }
        process.stdout.write(formatRows(rows as Record<string, unknown>[], COLUMNS[kind], opts.format as 'table' | 'csv' | 'json'));
      } catch (err) {
        reportCliError(err);
      }
    });
}
