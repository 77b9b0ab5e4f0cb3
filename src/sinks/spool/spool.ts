/**
 * Durable write-ahead buffer of one sink: batches that could not be written go here, in order,
 * and the replayer takes them back out (peek, write, ack) once the sink is healthy.
 *
 * Layout: <dir>/<seq 12 digits>.seg append-only segment files of framed records (record-format.ts),
 * <dir>/cursor.json (replay position, rewritten after acks, not fsynced: losing it only makes
 * replay start earlier, and every sink write is idempotent), <dir>/LOCK (owner, spool-lock.ts).
 * A process never appends to a segment it did not create, so a torn tail of a crashed run stays
 * at the end of its own file, where it is detected, reported and skipped.
 *
 * Off the event loop: append() frames the batch and queues it; one operation chain writes queued
 * frames in order through a FileHandle (libuv's thread pool), coalescing what queued meanwhile
 * into one write and one fdatasync (group commit), and resolves each append's promise when its
 * bytes are written (and synced under 'always'). Writes land in append order. If a write fails,
 * it and every append queued behind it reject (SpoolIoError) and nothing after them is written,
 * so a caller that puts them back keeps its order. peek() waits for queued writes before it
 * reports the spool drained. Replay reads (small, page-cached) stay synchronous.
 *
 * fsync policy (what survives a machine crash or power loss; a process kill -9 loses nothing
 * whose append() promise resolved, whatever the policy, because the data is in the OS page cache):
 *   'always'   fdatasync before the append resolves: nothing resolved is lost.
 *   'interval' fdatasync at most every fsyncIntervalMs while data is pending, and on rotation
 *              and close: up to fsyncIntervalMs of appended batches can be lost on power loss.
 *   'never'    no fsync at all (the OS writes back, typically within ~30 s on Linux).
 *
 * Size cap: when appending would take the segment files (written plus queued) beyond maxBytes,
 * append() throws SpoolFullError synchronously and queues nothing; the caller keeps the batch
 * (bounded) and raises the alarm.
 */
import { mkdirSync } from 'node:fs';
import {
  DEFAULT_SPOOL_FSYNC_INTERVAL_MS, DEFAULT_SPOOL_MAX_BYTES, DEFAULT_SPOOL_MAX_RECORD_BYTES, DEFAULT_SPOOL_SEGMENT_MAX_BYTES,
} from '../../config/defaults/sinks.js';
import { errorMessage, SpoolFullError, SpoolIoError } from '../errors.js';
import type { SinkRecord } from '../sink.js';
import { RECORD_HEADER_BYTES } from './record-format.js';
import { SegmentReader } from './segment-reader.js';
import { frameBatch } from './segment-writer.js';
import { newSegment, scanSegments, unlinkQuietly, type Segment, type SpoolPosition } from './segments.js';
import { SpoolCursorFile } from './spool-cursor.js';
import { SpoolIssues, type SpoolIssue } from './spool-issues.js';
import { SpoolLock, type SpoolLockOptions } from './spool-lock.js';
import { WriteChain, type FailedWrite } from './write-chain.js';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface SpoolOptions {
  readonly dir: string;
  readonly fsync?: FsyncPolicy;
  readonly fsyncIntervalMs?: number;
  readonly segmentMaxBytes?: number;
  readonly maxBytes?: number;
  readonly maxRecordBytes?: number;
  /** Called once per damaged region found (torn tail, bad checksum, undecodable payload). */
  readonly onIssue?: (issue: SpoolIssue) => void;
  /** LOCK heartbeat/staleness and the callback when another process replaced our lock. */
  readonly lock?: SpoolLockOptions;
}

export type { SpoolIssue } from './spool-issues.js';

export interface SpoolBatch {
  readonly seq: number;
  readonly offset: number;
  readonly next: number;
  readonly rows: number;
  readonly records: SinkRecord[];
}

export interface SpoolDepth {
  /** Records (rows) waiting for replay. */
  readonly rows: number;
  /** Framed bytes of the batches waiting for replay. */
  readonly bytes: number;
  readonly segments: number;
  /** Size of all segment files on disk, what the cap applies to. */
  readonly diskBytes: number;
}

export class Spool {
  private readonly segments: Segment[] = [];
  private cursor: SpoolPosition;
  private readonly fsync: FsyncPolicy;
  private readonly segmentMaxBytes: number;
  private readonly maxBytes: number;
  private readonly maxRecordBytes: number;
  private readonly issueLog: SpoolIssues;
  private readonly cursorFile: SpoolCursorFile;
  private readonly lock: SpoolLock;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Appends not yet written, and other file work, in order. */
  private readonly files: WriteChain<Segment>;
  private nextSeq: number;
  private counters = { appendedBatches: 0, appendedRows: 0, ackedBatches: 0, ackedRows: 0, refusedBatches: 0, failedWrites: 0, deletedSegments: 0 };

  private constructor(readonly dir: string, private readonly opts: SpoolOptions) {
    this.fsync = opts.fsync ?? 'interval';
    this.segmentMaxBytes = opts.segmentMaxBytes ?? DEFAULT_SPOOL_SEGMENT_MAX_BYTES;
    this.maxBytes = opts.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_SPOOL_MAX_RECORD_BYTES;
    this.files = new WriteChain<Segment>(this.fsync, (seg, failed) => this.failWrites(seg, failed));
    this.issueLog = new SpoolIssues(opts.onIssue);
    mkdirSync(dir, { recursive: true });
    this.lock = SpoolLock.acquire(dir, opts.lock);
    this.cursorFile = new SpoolCursorFile(dir, () => this.cursor, () => this.closed);
    try {
      this.cursor = this.cursorFile.load();
      this.segments.push(...scanSegments(dir, this.cursor, (seg) => this.readerOf(seg), (seg, issue) => this.report(seg, issue)));
      if (this.segments[0] && this.segments[0].seq !== this.cursor.seq) this.cursor = { seq: this.segments[0].seq, offset: 0 };
    } catch (err) {
      this.lock.release();
      throw err;
    }
    for (const seg of this.segments) seg.sealed = true; // a previous run's files are never appended to
    this.nextSeq = Math.max(this.cursor.seq, ...this.segments.map((x) => x.seq), 0) + 1;
    if (this.fsync === 'interval') {
      const every = opts.fsyncIntervalMs ?? DEFAULT_SPOOL_FSYNC_INTERVAL_MS;
      this.timer = setInterval(() => { if (!this.closed) this.files.syncSoon(); }, every);
      this.timer.unref();
    }
  }

  /** Opens (creating if needed) the spool in `dir`, scanning what a previous run left there. */
  static open(opts: SpoolOptions): Spool {
    try {
      return new Spool(opts.dir, opts);
    } catch (err) {
      if (err instanceof SpoolIoError) throw err;
      throw new SpoolIoError(`cannot open spool in ${opts.dir}: ${errorMessage(err)}`, { dir: opts.dir }, err);
    }
  }

  /**
   * Queues one batch. Throws SpoolFullError (at the cap) or SpoolIoError (batch too large, spool
   * closed) synchronously, queueing nothing. The promise resolves when the batch is written
   * (durable per the fsync policy) and rejects with SpoolIoError when the write failed.
   */
  append(records: readonly SinkRecord[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return Promise.resolve();
    const framed = frameBatch(records);
    if (framed.length - RECORD_HEADER_BYTES > this.maxRecordBytes) {
      throw new SpoolIoError(`batch of ${records.length} records is ${framed.length} bytes, above spool max record bytes ${this.maxRecordBytes}`, { dir: this.dir });
    }
    const disk = this.diskBytes();
    if (disk + framed.length > this.maxBytes) {
      this.counters.refusedBatches++;
      throw new SpoolFullError(`spool ${this.dir} is full: ${disk} bytes on disk, cap ${this.maxBytes}; batch of ${records.length} records refused`, {
        dir: this.dir, diskBytes: disk, maxBytes: this.maxBytes, rows: records.length,
      });
    }
    let seg = this.segments[this.segments.length - 1];
    if (!seg || seg.sealed || (seg.reserved > 0 && seg.reserved + framed.length > this.segmentMaxBytes)) seg = this.newSegment();
    seg.reserved += framed.length;
    seg.rows += records.length;
    seg.bytes += framed.length;
    this.counters.appendedBatches++;
    this.counters.appendedRows += records.length;
    return this.files.write(seg, framed, records.length).catch((err: unknown) => {
      throw new SpoolIoError(`spool write to ${seg.path} failed: ${errorMessage(err)}`, { dir: this.dir }, err);
    });
  }

  /** The oldest batch not yet acked, or null when the spool is drained (queued writes included). Damaged records are skipped and reported. */
  async peek(): Promise<SpoolBatch | null> {
    this.assertOpen();
    for (;;) {
      const seg = this.segments[0];
      if (seg === undefined) return null;
      if (this.cursor.seq !== seg.seq) this.cursor = { seq: seg.seq, offset: 0 };
      if (this.cursor.offset >= seg.size) {
        if (seg.reserved > seg.size || this.files.busy()) { await this.files.progress(); this.assertOpen(); continue; }
        if (seg === this.segments[this.segments.length - 1] && !seg.sealed) return null;
        this.dropHead();
        continue;
      }
      const r = this.readerOf(seg).readAt(this.cursor.offset, seg.size);
      if (r.type === 'end') { this.cursor = { seq: seg.seq, offset: seg.size }; continue; }
      if (r.type !== 'record') {
        this.report(seg, { offset: r.offset, kind: r.type, reason: r.reason, skippedBytes: r.next - r.offset });
        this.cursor = { seq: seg.seq, offset: r.next };
        continue;
      }
      const rows = r.payload.readUInt32BE(0);
      let records: SinkRecord[];
      try {
        records = JSON.parse(r.payload.subarray(4).toString('utf8')) as SinkRecord[];
        if (!Array.isArray(records) || records.length !== rows) throw new Error(`expected ${rows} records`);
      } catch (err) {
        this.report(seg, { offset: r.offset, kind: 'undecodable', reason: errorMessage(err), skippedBytes: r.next - r.offset });
        this.forget(seg, rows, r.next - r.offset);
        this.cursor = { seq: seg.seq, offset: r.next };
        continue;
      }
      return { seq: seg.seq, offset: r.offset, next: r.next, rows, records };
    }
  }

  /** Marks `batch` (the one peek() returned) as written to the sink. */
  ack(batch: SpoolBatch): void {
    this.assertOpen();
    const seg = this.segments[0];
    if (seg === undefined || seg.seq !== batch.seq || this.cursor.offset !== batch.offset) {
      throw new SpoolIoError(`spool ack out of order: segment ${batch.seq} offset ${batch.offset}, cursor at ${this.cursor.seq}:${this.cursor.offset}`, { dir: this.dir });
    }
    this.forget(seg, batch.rows, batch.next - batch.offset);
    this.cursor = { seq: seg.seq, offset: batch.next };
    this.counters.ackedBatches++;
    this.counters.ackedRows += batch.rows;
    // A fully replayed segment is deleted at once, the active one too (the next append opens a new file).
    if (batch.next >= seg.reserved) this.dropHead();
    this.cursorFile.save();
  }

  depth(): SpoolDepth {
    let rows = 0;
    let bytes = 0;
    for (const x of this.segments) { rows += x.rows; bytes += x.bytes; }
    return { rows, bytes, segments: this.segments.length, diskBytes: this.diskBytes() };
  }

  isEmpty(): boolean {
    return this.segments.every((x) => x.rows === 0);
  }

  issues(): readonly SpoolIssue[] {
    return this.issueLog.list();
  }

  stats(): Readonly<typeof this.counters> & { issues: number } & SpoolDepth & { maxBytes: number; queuedWrites: number; lockLost: boolean; lock: string } {
    return { ...this.counters, issues: this.issueLog.count, ...this.depth(), maxBytes: this.maxBytes, queuedWrites: this.files.queued(), lockLost: this.lock.isLost(), lock: this.lock.how };
  }

  /** Resolves when everything appended so far is written and fdatasynced, whatever the policy. */
  async sync(): Promise<void> {
    this.assertOpen();
    await this.files.sync();
  }

  /** Waits for queued writes, syncs (unless 'never'), closes files, saves the cursor, releases the lock. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.files.idle();
    this.closed = true;
    await this.files.close();
    for (const x of this.segments) x.reader?.close();
    const last = this.segments[this.segments.length - 1];
    if (last && last.size === 0 && last.rows === 0) await unlinkQuietly(last.path);
    await this.cursorFile.flush();
    this.lock.release();
  }

  private newSegment(): Segment {
    const prev = this.segments[this.segments.length - 1];
    if (prev) prev.sealed = true;
    const seg = newSegment(this.dir, this.nextSeq++);
    this.segments.push(seg);
    return seg;
  }

  /** Removes the head segment from the books; its file is deleted by the chain, after any write to it. */
  private dropHead(): void {
    const seg = this.segments.shift();
    if (!seg) return;
    seg.sealed = true;
    seg.reader?.close();
    seg.reader = null;
    this.counters.deletedSegments++;
    const next = this.segments[0];
    this.cursor = { seq: next?.seq ?? seg.seq + 1, offset: 0 };
    this.files.drop(seg);
  }

  /** A failed write: it and every write queued behind it are taken off the books (they reject); the segment takes no more. */
  private failWrites(seg: Segment, failed: readonly FailedWrite<Segment>[]): void {
    this.counters.failedWrites++;
    seg.sealed = true;
    for (const o of failed) {
      o.seg.rows = Math.max(0, o.seg.rows - o.rows);
      o.seg.bytes = Math.max(0, o.seg.bytes - o.frame.length);
      this.counters.appendedBatches--;
      this.counters.appendedRows -= o.rows;
    }
    for (const x of this.segments) x.reserved = x.size;
  }

  private readerOf(seg: Segment): SegmentReader {
    seg.reader ??= new SegmentReader(seg.path, this.maxRecordBytes);
    return seg.reader;
  }

  private forget(seg: Segment, rows: number, bytes: number): void {
    seg.rows = Math.max(0, seg.rows - rows);
    seg.bytes = Math.max(0, seg.bytes - bytes);
  }

  private report(seg: Segment, issue: Omit<SpoolIssue, 'segment'>): void {
    this.issueLog.report(seg, issue);
  }

  private diskBytes(): number {
    let n = 0;
    for (const x of this.segments) n += x.reserved;
    return n;
  }

  private assertOpen(): void {
    if (this.closed) throw new SpoolIoError(`spool ${this.dir} is closed`, { dir: this.dir });
  }
}
