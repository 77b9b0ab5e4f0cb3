/** Builds a Sink, or a supervised one with its spool, from a parsed spec. */
import { join } from 'node:path';
import type { Logger } from '../observability/logger.js';
import { JsonlSink } from './jsonl.js';
import { NatsSink } from './nats.js';
import { PostgresSink } from './postgres.js';
import type { Sink } from './sink.js';
import type { SinkSpec } from './spec.js';
import { SqliteSink } from './sqlite.js';
import type { SpoolOptions } from './spool/spool.js';
import { SupervisedSink, type SupervisedSinkOptions } from './supervised-sink.js';

export function createSink(spec: SinkSpec, opts: { name?: string; logger?: Logger } = {}): Sink {
  switch (spec.kind) {
    case 'sqlite': return new SqliteSink({ path: spec.path, trades: spec.trades, synchronous: spec.synchronous, name: opts.name });
    case 'jsonl': return new JsonlSink({ dir: spec.dir, trades: spec.trades, maxFileBytes: spec.maxFileBytes, maxFileAgeMs: spec.maxFileAgeMs, name: opts.name });
    case 'postgres': return new PostgresSink({ url: spec.url, schema: spec.schema, trades: spec.trades, name: opts.name });
    case 'nats': return new NatsSink({
      servers: spec.servers, stream: spec.stream, subjectPrefix: spec.subjectPrefix, duplicateWindowMs: spec.duplicateWindowMs,
      trades: spec.trades, name: opts.name, logger: opts.logger,
    });
  }
}

/**
 * A sink wrapped in its runner, spooling to `<spoolRoot>/<name>/`. Each sink gets its own spool
 * directory; `name` must be unique within a gateway (it defaults to the kind).
 */
export function createSupervisedSink(
  spec: SinkSpec,
  opts: { spoolRoot: string; name?: string; logger?: Logger; spool?: Omit<SpoolOptions, 'dir'> } & Omit<SupervisedSinkOptions, 'sink' | 'spool' | 'logger'>,
): SupervisedSink {
  const { spoolRoot, name, logger, spool, ...runner } = opts;
  const sink = createSink(spec, { name, logger });
  return new SupervisedSink({ ...runner, sink, logger, spool: { ...spool, dir: join(spoolRoot, sink.name) } });
}
