import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { naturalKey } from '../../../src/sinks/record-key.js';
import { SinkSet } from '../../../src/sinks/sink-set.js';
import type { SinkRecord } from '../../../src/sinks/sink.js';
import { Spool } from '../../../src/sinks/spool/spool.js';
import { SupervisedSink } from '../../../src/sinks/supervised-sink.js';
import { FakeSink } from './helpers/fake-sink.js';
import { useSupervisedRunners } from './helpers/supervised-runners.js';
import { mixed, snapshot } from './helpers/records.js';

const rig = useSupervisedRunners('tickgate-runner-');
const { runner, open } = rig;
afterEach(() => { vi.useRealTimers(); });

const keys = (rs: readonly SinkRecord[]): string[] => rs.map(naturalKey);

describe('SupervisedSink retry timing (fake timers)', () => {
  it('retries a failed batch after 100, 200 and 400 ms, then spools it', async () => {
    vi.useFakeTimers({ now: 0 });
    const sink = new FakeSink();
    sink.mode = 'retryable';
    const s = runner(sink);
    s.push([snapshot(1)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([0]);
    expect(s.health().state).toBe('retrying');
    await vi.advanceTimersByTimeAsync(99);
    expect(sink.calls).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toEqual([0, 100]);
    await vi.advanceTimersByTimeAsync(600);
    expect(sink.calls).toEqual([0, 100, 300, 700]);
    expect(s.health().state).toBe('spooling');
    expect(s.health().spool.rows).toBe(1);
    await s.flush();
  });

  it.each([0, 0.25, 0.75, 0.999999])('jitter (random=%s) keeps each retry delay within ±20%% of 100/200/400 ms', async (r) => {
    vi.useFakeTimers({ now: 0 });
    const sink = new FakeSink();
    sink.mode = 'retryable';
    const s = runner(sink, { random: () => r });
    s.push([snapshot(1)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.calls.length).toBeGreaterThanOrEqual(4);
    const gaps = [1, 2, 3].map((i) => sink.calls[i]! - sink.calls[i - 1]!);
    [100, 200, 400].forEach((base, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(gaps[i]).toBeLessThanOrEqual(base * 1.2);
    });
    expect(gaps[0]).toBe(Math.round(100 * (1 + (r * 2 - 1) * 0.2)));
    expect(s.health().spool.rows).toBe(1);
  });

  it('a fatal error spools at once (no in-line retries) and marks the sink failed', async () => {
    vi.useFakeTimers({ now: 0 });
    const sink = new FakeSink();
    sink.mode = 'fatal';
    const s = runner(sink, { fatalProbeIntervalMs: 30_000 });
    s.push([snapshot(1)]);
    await vi.advanceTimersByTimeAsync(10_000);
    await s.flush(); // the spool write is real I/O, off the loop
    expect(sink.calls).toEqual([0]);
    expect(s.health()).toMatchObject({ state: 'failed', lastError: { code: 'E_SINK_AUTH' } });
    expect(s.health().spool.rows).toBe(1);
    sink.mode = 'ok';
    await vi.advanceTimersByTimeAsync(20_000);
    await s.drained();
    expect(sink.calls).toEqual([0, 30_000]);
    expect(s.health().state).toBe('ok');
    expect(keys(sink.written)).toEqual(keys([snapshot(1)]));
  });
});

describe('SupervisedSink spool and replay', () => {
  it('an outage loses nothing and keeps push order: spooled batches replay before later records', async () => {
    vi.useFakeTimers({ now: 0 });
    const sink = new FakeSink();
    const s = runner(sink);
    s.push(mixed(0, 3));
    await vi.advanceTimersByTimeAsync(0);
    sink.mode = 'retryable';
    s.push(mixed(3, 3));
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.health().state).toBe('spooling');
    // Spool writes are real I/O off the loop (not fake time): flush() waits for each to land.
    for (let i = 6; i < 30; i += 3) { s.push(mixed(i, 3)); await vi.advanceTimersByTimeAsync(300); await s.flush(); }
    expect(s.health().spool.rows).toBe(27);
    sink.mode = 'ok';
    await vi.advanceTimersByTimeAsync(20_000);
    await s.drained();
    expect(s.health()).toMatchObject({ state: 'ok', spool: { rows: 0 } });
    expect(keys(sink.written)).toEqual(keys(mixed(0, 30)));
    expect(s.stats()).toMatchObject({ replayedRecords: 27, droppedRecords: 0 });
  });

  it('while spooling, pushes of one event-loop turn go to the spool as one append (one fsync)', async () => {
    vi.useFakeTimers({ now: 0 });
    const sink = new FakeSink();
    sink.mode = 'retryable';
    const s = runner(sink);
    s.push([snapshot(0)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.health().state).toBe('spooling');
    await s.flush(); // the failed batch's spool write (real I/O) has landed
    const before = s.spool.stats().appendedBatches;
    for (let i = 1; i <= 50; i++) s.push([snapshot(i)]);
    expect(s.spool.stats().appendedBatches).toBe(before);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.spool.stats().appendedBatches).toBe(before + 1);
    expect(s.health().spool.rows).toBe(51);
    await s.flush();
  });

  it('replays a spool left by a previous run before any new record', async () => {
    const pre = Spool.open({ dir: join(rig.dir(), 'fake'), fsync: 'never' });
    void pre.append(mixed(0, 4));
    void pre.append(mixed(4, 4));
    await pre.close();
    const sink = new FakeSink();
    const s = new SupervisedSink({ sink, spool: { dir: join(rig.dir(), 'fake'), fsync: 'never' } });
    open.push(s);
    expect(s.health().state).toBe('spooling');
    s.start();
    s.push(mixed(8, 4));
    await s.drained();
    expect(keys(sink.written)).toEqual(keys(mixed(0, 12)));
  });

  it('a sink that hangs overflows its bounded queue into the spool instead of growing memory', async () => {
    vi.useFakeTimers({ now: 0 });
    const sink = new FakeSink();
    sink.mode = 'hang';
    const s = runner(sink, { maxQueueRecords: 20, maxBatchRecords: 5, writeTimeoutMs: 60_000 });
    for (let i = 0; i < 100; i += 5) s.push(mixed(i, 5));
    await vi.advanceTimersByTimeAsync(0);
    // The spill's disk write runs off the loop (real I/O, not fake time): wait for it to land.
    await vi.waitFor(() => expect(s.health().queueRecords).toBeLessThanOrEqual(20));
    const h = s.health();
    expect(h.queueRecords).toBeLessThanOrEqual(20);
    expect(h.spool.rows + h.queueRecords).toBe(100);
    expect(sink.calls).toHaveLength(1); // one batch in flight, the rest waits on disk
  });

  it('close() within its timeout spools what a hanging sink has not written, and a restart replays it', async () => {
    const sink = new FakeSink();
    sink.mode = 'hang';
    const s = runner(sink, { writeTimeoutMs: 60_000 });
    s.push(mixed(0, 10));
    s.push(mixed(10, 10));
    const t0 = Date.now();
    await s.close(200);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(sink.closed).toBe(true);
    const again = new FakeSink();
    const s2 = new SupervisedSink({ sink: again, spool: { dir: join(rig.dir(), 'fake'), fsync: 'never' } });
    open.push(s2);
    s2.start();
    await s2.drained();
    expect(keys(again.written)).toEqual(keys(mixed(0, 20)));
  });

  it('a full spool raises the alarm, keeps memory bounded and counts what it had to drop', async () => {
    vi.useFakeTimers({ now: 0 });
    const sink = new FakeSink();
    sink.mode = 'retryable';
    const s = runner(sink, { spool: { dir: join(rig.dir(), 'fake'), fsync: 'never', maxBytes: 4000 }, maxQueueRecords: 10 });
    for (let i = 0; i < 100; i++) { s.push([snapshot(i)]); await vi.advanceTimersByTimeAsync(50); }
    const h = s.health();
    expect(h.spoolFull).toBe(true);
    expect(h.state).toBe('spooling');
    expect(h.spool.diskBytes).toBeLessThanOrEqual(4000);
    expect(h.queueRecords).toBeLessThanOrEqual(10);
    const st = s.stats();
    expect(st.droppedRecords).toBeGreaterThan(0);
    expect(st.droppedRecords + h.queueRecords + h.spool.rows).toBe(100);
  });

  it('a spool write that fails keeps its records in memory, in order, and they are spooled ahead of later ones', async () => {
    const sink = new FakeSink();
    sink.mode = 'retryable';
    mkdirSync(join(rig.dir(), 'fake'), { recursive: true });
    const s = runner(sink, { retryDelaysMs: [5], replayRetryInitialMs: 50, replayRetryMaxMs: 100 });
    mkdirSync(join(rig.dir(), 'fake', '000000000001.seg')); // the first segment file cannot be created
    s.push(mixed(0, 5));
    await vi.waitFor(() => expect(s.health().spoolFull).toBe(true), { timeout: 5000 });
    expect(s.health()).toMatchObject({ queueRecords: 5, spool: { rows: 0 } });
    s.push(mixed(5, 5)); // the next spill opens segment 2 and takes both, oldest first
    await s.flush();
    expect(s.health()).toMatchObject({ spoolFull: false, queueRecords: 0, spool: { rows: 10 } });
    sink.mode = 'ok';
    await s.drained();
    expect(keys(sink.written)).toEqual(keys(mixed(0, 10)));
    expect(s.stats().droppedRecords).toBe(0);
  });

  it('while a spill is being written, a burst beyond maxSpillBacklogRecords is dropped and counted (memory stays bounded)', async () => {
    const sink = new FakeSink();
    sink.mode = 'retryable';
    const s = runner(sink, { retryDelaysMs: [], replayRetryInitialMs: 60_000, replayRetryMaxMs: 60_000, maxQueueRecords: 10, maxBatchRecords: 10, maxSpillBacklogRecords: 50 });
    s.push(mixed(0, 1));
    await vi.waitFor(() => expect(s.health().state).toBe('spooling'));
    await s.flush();
    let maxQueue = 0;
    for (let i = 1; i < 301; i += 10) { s.push(mixed(i, 10)); maxQueue = Math.max(maxQueue, s.health().queueRecords); } // one turn: no spill can finish
    await s.flush();
    const st = s.stats();
    expect(maxQueue).toBeLessThanOrEqual(50);
    expect(st.droppedRecords).toBeGreaterThan(0);
    expect(st.droppedRecords + s.health().spool.rows).toBe(301);
  });

  it('logs one warning when an outage starts and one line when it ends, however many retries happen', async () => {
    vi.useFakeTimers({ now: 0 });
    const lines: { level: number; msg: string }[] = [];
    const dest = new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
    const sink = new FakeSink();
    sink.mode = 'retryable';
    const s = runner(sink, { logger: createLogger({ level: 'info' }, dest) });
    for (let i = 0; i < 10; i++) { s.push([snapshot(i)]); await vi.advanceTimersByTimeAsync(1000); await s.flush(); }
    sink.mode = 'ok';
    await vi.advanceTimersByTimeAsync(30_000);
    await s.drained();
    expect(sink.calls.length).toBeGreaterThan(8);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['sink write failed: retrying, then spooling']);
    expect(lines.filter((l) => l.msg === 'sink recovered')).toHaveLength(1);
    expect(lines).toHaveLength(2);
  });
});

describe('SinkSet', () => {
  it('a hanging sink does not slow the others: the healthy one drains while the dead one spools', async () => {
    const dead = new FakeSink('dead');
    dead.mode = 'hang';
    const live = new FakeSink('live');
    const set = new SinkSet([runner(dead, { writeTimeoutMs: 60_000, maxQueueRecords: 50 }), runner(live)]);
    for (let i = 0; i < 500; i += 10) set.push(mixed(i, 10));
    await set.members[1]!.drained();
    expect(live.written).toHaveLength(500);
    expect(set.degraded()).toBe(false); // hanging without an error yet is still 'ok'
    const [deadHealth] = set.health();
    expect(deadHealth!.spool.rows + deadHealth!.queueRecords).toBeGreaterThan(400);
  });

  it('rejects two members with the same name (their spools would collide)', () => {
    expect(() => new SinkSet([runner(new FakeSink('a')), runner(new FakeSink('b')), runner(new FakeSink('a2'))])).not.toThrow();
    const x = new SupervisedSink({ sink: new FakeSink('dup'), spool: { dir: join(rig.dir(), 'x'), fsync: 'never' } });
    const y = new SupervisedSink({ sink: new FakeSink('dup'), spool: { dir: join(rig.dir(), 'y'), fsync: 'never' } });
    open.push(x, y);
    expect(() => new SinkSet([x, y])).toThrow(/dup/);
  });
});
