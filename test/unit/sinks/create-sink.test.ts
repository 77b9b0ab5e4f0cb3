import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSink, createSupervisedSink } from '../../../src/sinks/create-sink.js';
import { readJsonl } from '../../../src/sinks/jsonl.js';
import { parseSinkSpec } from '../../../src/sinks/spec.js';
import { SqliteSink } from '../../../src/sinks/sqlite.js';
import { querySnapshots } from '../../../src/sinks/sqlite-query.js';
import { mixed, snapshot, trade } from './helpers/records.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-create-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('createSink / createSupervisedSink', () => {
  it('builds the sink a spec names, with its options (trades opt-in reaches the sink)', async () => {
    const sink = createSink(parseSinkSpec(`sqlite:${join(dir, 'a.db')}?trades=true`));
    expect(sink).toBeInstanceOf(SqliteSink);
    await sink.write([snapshot(0), trade(0)]);
    const db = (sink as SqliteSink).database()!;
    expect((db.prepare('SELECT count(*) AS n FROM trades').get() as { n: number }).n).toBe(1);
    expect(querySnapshots(db, { symbol: 'BTCUSDT' })).toHaveLength(1);
    await sink.close();
  });

  it('a supervised sink spools under <spoolRoot>/<name>/ and writes through', async () => {
    const s = createSupervisedSink(parseSinkSpec(`jsonl:${join(dir, 'out')}`), { spoolRoot: join(dir, 'spool'), name: 'files' });
    expect(s.spool.dir).toBe(join(dir, 'spool', 'files'));
    s.start();
    s.push(mixed(0, 12));
    await s.drained();
    await s.close(1000);
    expect(readJsonl(join(dir, 'out')).records).toHaveLength(12);
  });
});
