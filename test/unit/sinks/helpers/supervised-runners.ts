/** SupervisedSinks over FakeSinks with their spools in a fresh temp dir per test, closed after each test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { SupervisedSink, type SupervisedSinkOptions } from '../../../../src/sinks/supervised-sink.js';
import type { FakeSink } from './fake-sink.js';

export interface SupervisedRunners {
  /** This test's temp dir (spools of runner() live in <dir>/<sink name>). */
  dir(): string;
  /** Sinks to close after the test (runner() adds its own). */
  readonly open: SupervisedSink[];
  runner(sink: FakeSink, extra?: Partial<SupervisedSinkOptions>): SupervisedSink;
}

export function useSupervisedRunners(prefix: string): SupervisedRunners {
  let dir = '';
  const open: SupervisedSink[] = [];
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), prefix)); });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close(10);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    open,
    runner(sink, extra = {}) {
      const s = new SupervisedSink({ sink, spool: { dir: join(dir, sink.name), fsync: 'never' }, random: () => 0.5, ...extra });
      open.push(s);
      s.start();
      return s;
    },
  };
}
