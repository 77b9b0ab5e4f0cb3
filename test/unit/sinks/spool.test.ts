import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc32, crc32Table } from '../../../src/sinks/spool/crc32.js';
import { Spool, type SpoolIssue } from '../../../src/sinks/spool/spool.js';
import { SpoolFullError, SpoolIoError } from '../../../src/sinks/errors.js';
import { RECORD_HEADER_BYTES } from '../../../src/sinks/spool/record-format.js';
import { gap, mixed, snapshot, trade } from './helpers/records.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-spool-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

async function drain(spool: Spool): Promise<number[][]> {
  const out: number[][] = [];
  for (let b = await spool.peek(); b; b = await spool.peek()) {
    out.push(b.records.map((r) => ('startTime' in r ? r.startTime : 0)));
    spool.ack(b);
  }
  return out;
}

function segFiles(): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();
}

describe('crc32', () => {
  it('matches the IEEE check value and node:zlib on random data', async () => {
    const check = Buffer.from('123456789');
    expect(crc32Table(check)).toBe(0xcbf43926);
    expect(crc32(check)).toBe(0xcbf43926);
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    const z = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    if (z) expect(crc32Table(data)).toBe(z(data) >>> 0);
  });
});

describe('Spool', () => {
  it('returns batches in append order and is empty after acking them all', async () => {
    const spool = Spool.open({ dir, fsync: 'always' });
    spool.append([snapshot(1), snapshot(2)]);
    spool.append([snapshot(3)]);
    expect(spool.depth().rows).toBe(3);
    expect(spool.depth().bytes).toBeGreaterThan(0);
    const times = await drain(spool);
    expect(times).toEqual([[snapshot(1).startTime, snapshot(2).startTime], [snapshot(3).startTime]]);
    expect(spool.isEmpty()).toBe(true);
    expect(spool.depth()).toMatchObject({ rows: 0, bytes: 0 });
    await spool.close();
  });

  it('keeps every record kind, declared gaps included, field for field across a reopen', async () => {
    const batch = [snapshot(0), gap(0), trade(0), gap(1), ...mixed(1, 3)];
    const a = Spool.open({ dir, fsync: 'always' });
    await a.append(batch);
    await a.close();
    const b = Spool.open({ dir, fsync: 'always' });
    const got = await b.peek();
    expect(got!.records).toEqual(batch);
    b.ack(got!);
    expect(await b.peek()).toBeNull();
    await b.close();
  });

  it('queued appends land in order and share one write; peek waits for them instead of reporting empty', async () => {
    const spool = Spool.open({ dir, fsync: 'always' });
    const done = Array.from({ length: 20 }, (_, i) => spool.append([snapshot(i)]));
    const first = await spool.peek(); // called before any write completed
    expect(first!.records).toEqual([snapshot(0)]);
    await Promise.all(done);
    expect(spool.stats()).toMatchObject({ appendedBatches: 20, failedWrites: 0, queuedWrites: 0 });
    spool.ack(first!);
    expect((await drain(spool)).flat()).toEqual(Array.from({ length: 19 }, (_, i) => snapshot(i + 1).startTime));
    await spool.close();
  });

  it('a failed write rejects it and every append queued behind it, takes them off the books, and the next append goes to a new file', async () => {
    const spool = Spool.open({ dir, fsync: 'always' });
    mkdirSync(join(dir, '000000000001.seg')); // the first segment cannot be created: a real EEXIST from open(2)
    const queued = [0, 1, 2].map((i) => spool.append([snapshot(i)]));
    const results = await Promise.allSettled(queued);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'E_SPOOL_IO', message: expect.stringMatching(/000000000001\.seg failed/) });
    expect(spool.depth().rows).toBe(0);
    expect(spool.stats()).toMatchObject({ appendedBatches: 0, failedWrites: 1 });
    await spool.append([snapshot(3)]);
    expect((await drain(spool)).flat()).toEqual([snapshot(3).startTime]);
    await spool.close();
  });

  it('a reopened spool replays what the previous run left, from its cursor, without repeating acked batches', async () => {
    const a = Spool.open({ dir, fsync: 'never' });
    for (let i = 0; i < 5; i++) a.append([snapshot(i)]);
    const first = (await a.peek())!;
    a.ack(first);
    await a.close();
    const b = Spool.open({ dir, fsync: 'never' });
    expect(b.depth().rows).toBe(4);
    expect((await drain(b)).flat()).toEqual([1, 2, 3, 4].map((i) => snapshot(i).startTime));
    await b.close();
  });

  it('rotates segments at the size limit and deletes each one once fully replayed', async () => {
    const spool = Spool.open({ dir, fsync: 'never', segmentMaxBytes: 4096 });
    for (let i = 0; i < 40; i++) void spool.append(mixed(i * 5, 5));
    await spool.sync(); // files are written off the loop
    const before = segFiles().length;
    expect(before).toBeGreaterThan(3);
    for (const f of segFiles()) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(4096 + 4096);
    // Replay half: fully replayed segments disappear, the rest stay.
    for (let i = 0; i < 20; i++) spool.ack((await spool.peek())!);
    await spool.sync(); // deletions run on the same chain, in order
    const middle = segFiles().length;
    expect(middle).toBeLessThan(before);
    expect(middle).toBeGreaterThan(0);
    await drain(spool);
    await spool.sync();
    expect(spool.isEmpty()).toBe(true);
    expect(segFiles().length).toBeLessThanOrEqual(1);
    expect(spool.stats().deletedSegments).toBeGreaterThanOrEqual(before - 1);
    await spool.close();
    expect(segFiles()).toEqual([]);
  });

  it('a torn last record (segment cut mid-record by a crash) is reported and skipped; earlier records survive', async () => {
    const a = Spool.open({ dir, fsync: 'always' });
    for (let i = 0; i < 3; i++) a.append([snapshot(i)]);
    await a.close();
    const seg = join(dir, segFiles()[0]!);
    truncateSync(seg, statSync(seg).size - 25);
    const issues: SpoolIssue[] = [];
    const b = Spool.open({ dir, fsync: 'always', onIssue: (i) => issues.push(i) });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ kind: 'torn', segment: seg });
    expect(b.depth().rows).toBe(2);
    expect((await drain(b)).flat()).toEqual([0, 1].map((i) => snapshot(i).startTime));
    // New appends go to a new segment, never behind the torn bytes.
    b.append([snapshot(9)]);
    expect((await drain(b)).flat()).toEqual([snapshot(9).startTime]);
    expect(issues).toHaveLength(1);
    await b.close();
  });

  it('a flipped byte in a middle record fails its checksum: that record is skipped and reported, the rest replay', async () => {
    const a = Spool.open({ dir, fsync: 'always' });
    for (let i = 0; i < 3; i++) a.append([snapshot(i)]);
    await a.close();
    const seg = join(dir, segFiles()[0]!);
    const bytes = readFileSync(seg);
    const recordLen = bytes.length / 3;
    const at = recordLen + RECORD_HEADER_BYTES + 30;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(seg, bytes);
    const issues: SpoolIssue[] = [];
    const b = Spool.open({ dir, fsync: 'always', onIssue: (i) => issues.push(i) });
    expect(issues.map((i) => [i.kind, i.offset, i.reason])).toEqual([['corrupt', recordLen, 'checksum mismatch']]);
    expect((await drain(b)).flat()).toEqual([0, 2].map((i) => snapshot(i).startTime));
    expect(b.stats().issues).toBe(1);
    await b.close();
  });

  it('a damaged length field is resynchronized on the next record magic instead of swallowing the segment', async () => {
    const a = Spool.open({ dir, fsync: 'always' });
    for (let i = 0; i < 4; i++) a.append([snapshot(i)]);
    await a.close();
    const seg = join(dir, segFiles()[0]!);
    const bytes = readFileSync(seg);
    const recordLen = bytes.length / 4;
    bytes.writeUInt32BE(0x00ffffff, recordLen + 4); // length of record 1 now points far past the end
    writeFileSync(seg, bytes);
    const issues: SpoolIssue[] = [];
    const b = Spool.open({ dir, fsync: 'always', onIssue: (i) => issues.push(i) });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.kind).toBe('corrupt');
    expect((await drain(b)).flat()).toEqual([0, 2, 3].map((i) => snapshot(i).startTime));
    await b.close();
  });

  it('refuses a batch at the size cap with SpoolFullError and does not grow', async () => {
    const spool = Spool.open({ dir, fsync: 'never', maxBytes: 3000 });
    let refused: unknown = null;
    let appended = 0;
    for (let i = 0; i < 100; i++) {
      try { spool.append([snapshot(i)]); appended++; } catch (err) { refused = err; break; }
    }
    expect(refused).toBeInstanceOf(SpoolFullError);
    expect((refused as SpoolFullError).code).toBe('E_SPOOL_FULL');
    expect((refused as Error).message).toMatch(/full/);
    const size = spool.depth().diskBytes;
    expect(size).toBeLessThanOrEqual(3000);
    expect(() => spool.append([snapshot(999)])).toThrow(SpoolFullError);
    expect(spool.depth().diskBytes).toBe(size);
    expect(spool.stats().refusedBatches).toBe(2);
    // Replaying frees room again.
    await drain(spool);
    expect(() => spool.append([snapshot(1000)])).not.toThrow();
    expect(appended).toBeGreaterThan(0);
    await spool.close();
  });

  it('a second live opener of the same directory is refused (two writers would interleave)', async () => {
    const a = Spool.open({ dir, fsync: 'never' });
    expect(() => Spool.open({ dir, fsync: 'never' })).toThrow(SpoolIoError);
    await a.close();
    const b = Spool.open({ dir, fsync: 'never' });
    await b.close();
  });

  it('takes over a lock left by a dead process', async () => {
    writeFileSync(join(dir, 'LOCK'), '999999999');
    const s = Spool.open({ dir, fsync: 'never' });
    s.append([snapshot(1)]);
    expect(s.depth().rows).toBe(1);
    await s.close();
  });
});
