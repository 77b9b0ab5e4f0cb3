/** Public surface of sinks/ (re-exported from src/index.ts by the lead). */
export type { Sink, SinkRecord, SinkKind } from './sink.js';
export { isGap, isTrade } from './sink.js';
export { naturalKey, recordKind, revisionOf, type RecordKind } from './record-key.js';
export { SinkError, SpoolFullError, SpoolIoError } from './errors.js';
export { SqliteSink, type SqliteSinkOptions } from './sqlite.js';
export { openSqliteForQuery, querySnapshots, queryCandles, queryTrades } from './sqlite-query.js';
export { PostgresSink, classifyPostgresError, type PostgresSinkOptions } from './postgres.js';
export { queryPgSnapshots, queryPgCandles, queryPgTrades } from './postgres-query.js';
export { NatsSink, subjectOf, msgIdOf, type NatsSinkOptions } from './nats.js';
export { JsonlSink, readJsonl, type JsonlSinkOptions, type JsonlReadResult } from './jsonl.js';
export type { AggregateQuery } from './query.js';
export { Spool, type SpoolOptions, type SpoolIssue, type SpoolDepth, type SpoolBatch, type FsyncPolicy } from './spool/spool.js';
export { decideLock, type LockOwner, type LockVerdict, type SpoolLockOptions } from './spool/spool-lock.js';
export { gapFromRow } from './rows.js';
export { SupervisedSink, type SupervisedSinkOptions, type SinkHealth, type SinkState } from './supervised-sink.js';
export { SinkSet } from './sink-set.js';
export { parseSinkSpec, describeSinkSpec, type SinkSpec } from './spec.js';
export { createSink, createSupervisedSink } from './create-sink.js';
