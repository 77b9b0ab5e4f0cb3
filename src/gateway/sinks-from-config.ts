/**
 * The sinks of config `sinks`, each supervised (retry with jittered backoff, durable spool under
 * storage.spoolDir) and wrapped in one SinkSet. Creates a SQLite file's directory.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TickgateConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { createSupervisedSink } from '../sinks/create-sink.js';
import { SinkSet } from '../sinks/sink-set.js';
import { parseSinkSpec } from '../sinks/spec.js';

export function sinksFromConfig(c: TickgateConfig, logger: Logger): SinkSet {
  const spoolRoot = resolve(c.storage.spoolDir);
  return new SinkSet(c.sinks.map((text) => {
    const spec = parseSinkSpec(text);
    if (spec.kind === 'sqlite') mkdirSync(dirname(resolve(spec.path)), { recursive: true });
    const fsync = c.storage.spoolFsync;
    return createSupervisedSink(spec, {
      spoolRoot,
      logger,
      retryDelaysMs: c.storage.retryDelaysMs,
      retryJitterRatio: c.storage.retryJitterRatio,
      maxBatchRecords: c.storage.maxBatchRecords,
      maxQueueRecords: c.storage.maxQueueRecords,
      writeTimeoutMs: c.storage.writeTimeoutMs,
      spool: {
        fsync: typeof fsync === 'number' ? 'interval' : fsync,
        ...(typeof fsync === 'number' ? { fsyncIntervalMs: fsync } : {}),
        maxBytes: c.storage.spoolMaxBytes,
        segmentMaxBytes: c.storage.spoolSegmentMaxBytes,
      },
    });
  }));
}
