/**
 * Sink throughput (rows/s, batched) and spool write/replay MB/s, each against a bare baseline in
 * the same run:
 *   sqlite    SqliteSink upserts (on its worker thread, one batch in flight) vs a bare prepared INSERT
 *             loop in one transaction on the main thread; also vs the same upsert writer run inline
 *             on the main thread (the sink before the worker: ratioToInline)
 *   postgres  PostgresSink upserts vs a bare porsager multi-row INSERT (no ON CONFLICT)
 *   nats      NatsSink acked publishes with Nats-Msg-Id vs bare js.publish with the same window
 *   jsonl     JsonlSink vs fs.appendFileSync of the same lines
 *   spool     Spool.append (fsync never / interval / always per batch) vs fs.appendFileSync of
 *             the same bytes; replay (peek+ack) vs readFileSync + JSON.parse of the same bytes
 *   runner    SupervisedSink(SQLite) push -> drained vs SqliteSink.write directly
 * PostgreSQL/NATS lines are skipped (with a note) when the service is not up.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { report, withRatio } from './report.js';
import { JsonlSink } from '../src/sinks/jsonl.js';
import { NatsSink } from '../src/sinks/nats.js';
import { PostgresSink } from '../src/sinks/postgres.js';
import { groupByKind, RECORD_KINDS, TABLES, toRow } from '../src/sinks/rows.js';
import type { SinkRecord } from '../src/sinks/sink.js';
import { SqliteSink } from '../src/sinks/sqlite.js';
import { SqliteDb } from '../src/sinks/sqlite-db.js';
import { Spool, type FsyncPolicy } from '../src/sinks/spool/spool.js';
import { SupervisedSink } from '../src/sinks/supervised-sink.js';
import { mixed } from '../test/unit/sinks/helpers/records.js';

const BATCH = 500;
const LIVE_AGGREGATES_PER_S = 500; // "a few hundred" live aggregates/s, rounded up
const dir = mkdtempSync(join(tmpdir(), 'tickgate-bench-sinks-'));
const now = (): number => performance.now();
const batches = (n: number, from = 0): SinkRecord[][] => Array.from({ length: n / BATCH }, (_, i) => mixed(from + i * BATCH, BATCH));

async function up(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function benchSqlite(): Promise<void> {
  const N = 40_000;
  const data = batches(N);
  const sink = new SqliteSink({ path: join(dir, 'sink.db') });
  await sink.open();
  let t = now();
  for (const b of data) await sink.write(b);
  const sinkRate = N / ((now() - t) / 1000);
  await sink.close();
  // The same writer on the main thread (what the sink did before it had a worker thread).
  const inline = new SqliteDb({ path: join(dir, 'inline.db'), trades: false, synchronous: 'NORMAL' });
  t = now();
  for (const b of data) inline.write(b);
  const inlineRate = N / ((now() - t) / 1000);
  inline.close();
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g INTEGER, h INTEGER)');
  const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const tx = db.transaction((rows: SinkRecord[], bi: number) => {
    rows.forEach((r, i) => { const x = toRow(r); ins.run(`${bi}:${i}`, x['open'], x['high'], x['low'], x['close'], x['volume'], x['notional'], x['trade_count'], x['revision']); });
  });
  t = now();
  data.forEach((b, bi) => tx(b, bi));
  const bare = N / ((now() - t) / 1000);
  db.close();
  report(withRatio({ bench: 'sinks.sqlite', metric: 'rows_per_s', value: Math.round(sinkRate), unit: 'rows/s', baseline: Math.round(bare), baselineName: 'bare prepared INSERT, same batches', batchRows: BATCH, maxBatchMs: Number(sink.stats().maxBatchMs.toFixed(2)), meanBatchMs: Number((BATCH / sinkRate * 1000).toFixed(2)),
    inlineRowsPerS: Math.round(inlineRate), ratioToInline: Number((sinkRate / inlineRate).toFixed(3)), maxRoundTripMs: Number(sink.stats().maxRoundTripMs.toFixed(2)) }));
}

async function benchPostgres(): Promise<void> {
  if (!(await up(5432))) { report({ bench: 'sinks.postgres', metric: 'skipped', value: 0, unit: 'none', note: 'PostgreSQL not up on 127.0.0.1:5432' }); return; }
  const url = 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `tg_bench_${process.pid}`;
  const N = 20_000;
  const data = batches(N);
  const sink = new PostgresSink({ url, schema });
  await sink.open();
  let t = now();
  for (const b of data) await sink.write(b);
  const sinkRate = N / ((now() - t) / 1000);
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  // Same columns and rows, in unconstrained copies of the sink's tables: plain INSERT, no upsert, no key.
  for (const k of RECORD_KINDS) await sql.unsafe(`CREATE TABLE "${schema}"."bare_${TABLES[k].table}" (LIKE "${schema}"."${TABLES[k].table}")`);
  t = now();
  for (const b of data) {
    for (const [k, recs] of groupByKind(b, false)) {
      await sql`INSERT INTO ${sql(schema)}.${sql(`bare_${TABLES[k].table}`)} ${sql(recs.map(toRow) as never)}`;
    }
  }
  const bare = N / ((now() - t) / 1000);
  await sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
  await sql.end({ timeout: 1 });
  await sink.close();
  report(withRatio({ bench: 'sinks.postgres', metric: 'rows_per_s', value: Math.round(sinkRate), unit: 'rows/s', baseline: Math.round(bare), baselineName: 'bare porsager multi-row INSERT of the same rows, no key, no upsert', batchRows: BATCH }));
}

async function benchNats(): Promise<void> {
  if (!(await up(4222))) { report({ bench: 'sinks.nats', metric: 'skipped', value: 0, unit: 'none', note: 'NATS not up on 127.0.0.1:4222' }); return; }
  const stream = `TG_BENCH_${process.pid}`;
  const prefix = `tgbench_${process.pid}`;
  const N = 20_000;
  const data = batches(N);
  const sink = new NatsSink({ servers: 'nats://127.0.0.1:4222', stream, subjectPrefix: prefix });
  await sink.open();
  let t = now();
  for (const b of data) await sink.write(b);
  const sinkRate = N / ((now() - t) / 1000);
  await sink.close();
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  const js = jetstream(nc);
  const enc = new TextEncoder();
  t = now();
  for (const b of data) {
    for (let i = 0; i < b.length; i += 256) await Promise.all(b.slice(i, i + 256).map((r) => js.publish(`${prefix}.bare`, enc.encode(JSON.stringify(r)))));
  }
  const bare = N / ((now() - t) / 1000);
  await (await jetstreamManager(nc)).streams.delete(stream);
  await nc.close();
  report(withRatio({ bench: 'sinks.nats', metric: 'msgs_per_s', value: Math.round(sinkRate), unit: 'msgs/s', baseline: Math.round(bare), baselineName: 'bare js.publish, same window, no msgID', batchRows: BATCH }));
}

async function benchJsonl(): Promise<void> {
  const N = 40_000;
  const data = batches(N);
  const sink = new JsonlSink({ dir: join(dir, 'jsonl') });
  await sink.open();
  let t = now();
  for (const b of data) await sink.write(b);
  await sink.close();
  const sinkRate = N / ((now() - t) / 1000);
  const file = join(dir, 'bare.jsonl');
  t = now();
  for (const b of data) appendFileSync(file, b.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const bare = N / ((now() - t) / 1000);
  report(withRatio({ bench: 'sinks.jsonl', metric: 'rows_per_s', value: Math.round(sinkRate), unit: 'rows/s', baseline: Math.round(bare), baselineName: 'fs.appendFileSync of the same lines', batchRows: BATCH }));
}

async function benchSpool(policy: FsyncPolicy): Promise<void> {
  const N = policy === 'always' ? 20_000 : 60_000;
  const data = batches(N);
  const sdir = join(dir, `spool-${policy}`);
  const spool = Spool.open({ dir: sdir, fsync: policy, segmentMaxBytes: 16 * 1024 * 1024, maxBytes: 2 * 1024 * 1024 * 1024 });
  let t = now();
  for (const b of data) await spool.append(b); // one batch at a time: no group commit helps it
  const writeS = (now() - t) / 1000;
  const bytes = spool.depth().bytes;
  // Baseline: the same batches serialized the same way and appended raw: no framing, no CRC, no fsync.
  const frames = readdirSync(sdir).filter((f) => f.endsWith('.seg')).map((f) => readFileSync(join(sdir, f)));
  const raw = join(dir, `raw-${policy}.bin`);
  t = now();
  for (const b of data) appendFileSync(raw, JSON.stringify(b));
  const rawS = (now() - t) / 1000;
  t = now();
  const bytesOnly = join(dir, `bytes-${policy}.bin`);
  for (const f of frames) for (let o = 0; o < f.length; o += 256 * 1024) appendFileSync(bytesOnly, f.subarray(o, o + 256 * 1024));
  const bytesS = (now() - t) / 1000;
  const mb = bytes / 1024 / 1024;
  report(withRatio({
    bench: 'sinks.spool', metric: `write_mb_per_s_fsync_${policy}`, value: Number((mb / writeS).toFixed(1)), unit: 'MB/s',
    baseline: Number((mb / rawS).toFixed(1)), baselineName: 'JSON.stringify + fs.appendFileSync per batch (no frame, CRC or fsync)',
    bytesOnlyAppendMbPerS: Number((mb / bytesS).toFixed(1)),
    rowsPerS: Math.round(N / writeS), batchRows: BATCH, liveAggregatesPerS: LIVE_AGGREGATES_PER_S, liveRateMargin: Math.round(N / writeS / LIVE_AGGREGATES_PER_S),
  }));
  if (policy !== 'interval') { await spool.close(); return; }
  t = now();
  let rows = 0;
  for (let b = await spool.peek(); b; b = await spool.peek()) { rows += b.rows; spool.ack(b); }
  const replayS = (now() - t) / 1000;
  t = now();
  for (const f of frames) {
    // Same work minus framing checks: parse each payload's JSON.
    let o = 0;
    while (o + 12 <= f.length) { const len = f.readUInt32BE(o + 4); JSON.parse(f.subarray(o + 16, o + 12 + len).toString('utf8')); o += 12 + len; }
  }
  const parseS = (now() - t) / 1000;
  await spool.close();
  report(withRatio({
    bench: 'sinks.spool', metric: 'replay_mb_per_s', value: Number((mb / replayS).toFixed(1)), unit: 'MB/s',
    baseline: Number((mb / parseS).toFixed(1)), baselineName: 'JSON.parse of the same payloads already in memory', rowsPerS: Math.round(rows / replayS),
  }));
}

/** Live-shaped load: small batches (5 aggregates per push) with an fsync each, the worst case while spooling. */
async function benchSpoolSmallAlways(): Promise<void> {
  const appends = 2_000;
  const data = Array.from({ length: appends }, (_, i) => mixed(i * 5, 5));
  const spool = Spool.open({ dir: join(dir, 'spool-small'), fsync: 'always' });
  let t = now();
  for (const b of data) await spool.append(b);
  const s = (now() - t) / 1000;
  await spool.close();
  const raw = join(dir, 'small-raw.bin');
  t = now();
  for (const b of data) appendFileSync(raw, JSON.stringify(b));
  const rawS = (now() - t) / 1000;
  report(withRatio({
    bench: 'sinks.spool', metric: 'small_batch_rows_per_s_fsync_always', value: Math.round((appends * 5) / s), unit: 'rows/s',
    baseline: Math.round((appends * 5) / rawS), baselineName: 'JSON.stringify + fs.appendFileSync per batch (no fsync)',
    batchRows: 5, meanAppendMs: Number(((s / appends) * 1000).toFixed(3)), liveAggregatesPerS: LIVE_AGGREGATES_PER_S,
    liveRateMargin: Math.round((appends * 5) / s / LIVE_AGGREGATES_PER_S),
  }));
}

/** The runner while spooling under fsync 'always': live-shaped pushes (10 x 5 aggregates per loop turn), group-committed. */
async function benchRunnerSpoolingAlways(): Promise<void> {
  const turns = 400;
  const failing = { name: 'down', kind: 'custom' as const, open: async () => undefined, close: async () => undefined,
    write: async () => { throw new Error('down'); } };
  const runner = new SupervisedSink({ sink: failing, spool: { dir: join(dir, 'runner-always'), fsync: 'always' }, retryDelaysMs: [], replayRetryInitialMs: 60_000, replayRetryMaxMs: 60_000 });
  runner.start();
  runner.push(mixed(0, 5));
  await runner.flush();
  const t = now();
  for (let i = 0; i < turns; i++) {
    for (let j = 0; j < 10; j++) runner.push(mixed(10 + (i * 10 + j) * 5, 5));
    await new Promise((r) => setImmediate(r));
  }
  await runner.flush();
  const s = (now() - t) / 1000;
  const rows = turns * 50;
  await runner.close(100);
  report({
    bench: 'sinks.runner', metric: 'spooling_rows_per_s_fsync_always', value: Math.round(rows / s), unit: 'rows/s',
    pushRows: 5, pushesPerTurn: 10, liveAggregatesPerS: LIVE_AGGREGATES_PER_S, liveRateMargin: Math.round(rows / s / LIVE_AGGREGATES_PER_S),
  });
}

async function benchRunner(): Promise<void> {
  const N = 40_000;
  const data = batches(N, 1_000_000);
  const sink = new SqliteSink({ path: join(dir, 'runner.db') });
  await sink.open(); // the worker thread's start-up is a one-time cost, not throughput (the direct side opens first too)
  const runner = new SupervisedSink({ sink, spool: { dir: join(dir, 'runner-spool'), fsync: 'interval' }, maxBatchRecords: BATCH, maxQueueRecords: N });
  runner.start();
  let t = now();
  for (const b of data) runner.push(b);
  await runner.drained();
  const viaRunner = N / ((now() - t) / 1000);
  await runner.close(1000);
  const direct = new SqliteSink({ path: join(dir, 'direct.db') });
  await direct.open();
  t = now();
  for (const b of data) await direct.write(b);
  const bare = N / ((now() - t) / 1000);
  await direct.close();
  report(withRatio({ bench: 'sinks.runner', metric: 'rows_per_s', value: Math.round(viaRunner), unit: 'rows/s', baseline: Math.round(bare), baselineName: 'SqliteSink.write directly', sinkKind: 'sqlite' }));
}

try {
  await benchSqlite();
  await benchJsonl();
  for (const p of ['never', 'interval', 'always'] as const) await benchSpool(p);
  await benchSpoolSmallAlways();
  await benchRunner();
  await benchRunnerSpoolingAlways();
  await benchPostgres();
  await benchNats();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
