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
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_SPOOL_FSYNC_INTERVAL_MS, DEFAULT_SPOOL_MAX_BYTES, DEFAULT_SPOOL_MAX_RECORD_BYTES, DEFAULT_SPOOL_SEGMENT_MAX_BYTES,
} from '../../config/defaults/sinks.js';
import { errorMessage, SpoolFullError, SpoolIoError } from '../errors.js';
import type { SinkRecord } from '../sink.js';
import { RECORD_HEADER_BYTES } from './record-format.js';
import { SegmentReader } from './segment-reader.js';
import { sealFrame } from './segment-writer.js';
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

export interface SpoolIssue {
  readonly segment: string;
  readonly offset: number;
  readonly kind: 'torn' | 'corrupt' | 'undecodable';
  readonly reason: string;
  readonly skippedBytes: number;
}

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

interface Segment {
  readonly seq: number;
  readonly path: string;
  /** Readable end: bytes on disk (written by the chain, or found at open). */
  size: number;
  /** size plus the bytes queued for it: what rotation and the cap count. */
  reserved: number;
  /** Rows and framed bytes not yet acked, queued writes included. */
  rows: number;
  bytes: number;
  reader: SegmentReader | null;
  /** No more appends go here (rotated, drained, or a write failed half-way). */
  sealed: boolean;
}

const SEGMENT_RE = /^(\d{12})\.seg$/;
const MAX_KEPT_ISSUES = 100;

function segmentName(seq: number): string {
  return `${String(seq).padStart(12, '0')}.seg`;
}

/** One framed record: header, row count u32, the batch as JSON. Serialized straight into place. */
function frameBatch(records: readonly SinkRecord[]): Buffer {
  const json = JSON.stringify(records);
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + 4 + Buffer.byteLength(json, 'utf8'));
  out.writeUInt32BE(records.length, RECORD_HEADER_BYTES);
  out.write(json, RECORD_HEADER_BYTES + 4, 'utf8');
  return sealFrame(out);
}

export class Spool {
  private readonly segments: Segment[] = [];
  private cursor: { seq: number; offset: number };
  private readonly fsync: FsyncPolicy;
  private readonly segmentMaxBytes: number;
  private readonly maxBytes: number;
  private readonly maxRecordBytes: number;
  private readonly reported = new Set<string>();
  private readonly keptIssues: SpoolIssue[] = [];
  private readonly lock: SpoolLock;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Appends not yet written, and other file work, in order. */
  private readonly files: WriteChain<Segment>;
  private nextSeq: number;
  private cursorSaving: Promise<void> | null = null;
  private cursorDirty = false;
  private counters = { appendedBatches: 0, appendedRows: 0, ackedBatches: 0, ackedRows: 0, refusedBatches: 0, failedWrites: 0, issues: 0, deletedSegments: 0 };

  private constructor(readonly dir: string, private readonly opts: SpoolOptions) {
    this.fsync = opts.fsync ?? 'interval';
    this.segmentMaxBytes = opts.segmentMaxBytes ?? DEFAULT_SPOOL_SEGMENT_MAX_BYTES;
    this.maxBytes = opts.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_SPOOL_MAX_RECORD_BYTES;
    this.files = new WriteChain<Segment>(this.fsync, (seg, failed) => this.failWrites(seg, failed));
    mkdirSync(dir, { recursive: true });
    this.lock = SpoolLock.acquire(dir, opts.lock);
    try {
      this.cursor = this.loadCursor();
      this.loadSegments();
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
        if (seg.reserved > seg.size || this.files.busy()) { await this.files.idle(); this.assertOpen(); continue; }
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
    this.saveCursor();
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
    return this.keptIssues;
  }

  stats(): Readonly<typeof this.counters> & SpoolDepth & { maxBytes: number; queuedWrites: number; lockLost: boolean; lock: string } {
    return { ...this.counters, ...this.depth(), maxBytes: this.maxBytes, queuedWrites: this.files.queued(), lockLost: this.lock.isLost(), lock: this.lock.how };
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
    await this.cursorSaving;
    await this.writeCursor();
    this.lock.release();
  }

  private newSegment(): Segment {
    const prev = this.segments[this.segments.length - 1];
    if (prev) prev.sealed = true;
    const seq = this.nextSeq++;
    const seg: Segment = { seq, path: join(this.dir, segmentName(seq)), size: 0, reserved: 0, rows: 0, bytes: 0, reader: null, sealed: false };
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
    const key = `${seg.seq}:${issue.offset}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const full: SpoolIssue = { segment: seg.path, ...issue };
    this.counters.issues++;
    this.keptIssues.push(full);
    if (this.keptIssues.length > MAX_KEPT_ISSUES) this.keptIssues.shift();
    try {
      this.opts.onIssue?.(full);
    } catch {
      // A reporting callback must not break replay.
    }
  }

  /** Scans segments left by earlier runs: counts pending rows and reports damage up front. */
  private loadSegments(): void {
    const seqs = readdirSync(this.dir)
      .map((f) => SEGMENT_RE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const seq of seqs) {
      const path = join(this.dir, segmentName(seq));
      if (seq < this.cursor.seq) { void unlinkQuietly(path); continue; }
      const size = statSync(path).size;
      const seg: Segment = { seq, path, size, reserved: size, rows: 0, bytes: 0, reader: null, sealed: true };
      this.segments.push(seg);
      let offset = seq === this.cursor.seq ? this.cursor.offset : 0;
      const reader = this.readerOf(seg);
      for (;;) {
        const r = reader.readAt(offset, seg.size);
        if (r.type === 'end') break;
        if (r.type === 'record') {
          seg.rows += r.payload.readUInt32BE(0);
          seg.bytes += r.next - r.offset;
        } else {
          this.report(seg, { offset: r.offset, kind: r.type, reason: r.reason, skippedBytes: r.next - r.offset });
        }
        offset = r.next;
      }
    }
    if (this.segments[0] && this.segments[0].seq !== this.cursor.seq) this.cursor = { seq: this.segments[0].seq, offset: 0 };
  }

  private loadCursor(): { seq: number; offset: number } {
    const path = join(this.dir, 'cursor.json');
    if (!existsSync(path)) return { seq: 0, offset: 0 };
    try {
      const c = JSON.parse(readFileSync(path, 'utf8')) as { seq?: unknown; offset?: unknown };
      if (typeof c.seq === 'number' && typeof c.offset === 'number' && c.seq >= 0 && c.offset >= 0) return { seq: c.seq, offset: c.offset };
    } catch {
      // Unreadable cursor: replay from the oldest segment (idempotent sinks absorb the repeats).
    }
    return { seq: 0, offset: 0 };
  }

  /** Rewrites cursor.json off the loop; acks arriving meanwhile coalesce into one more write. */
  private saveCursor(): void {
    this.cursorDirty = true;
    if (this.cursorSaving) return;
    this.cursorSaving = (async () => {
      while (this.cursorDirty && !this.closed) { this.cursorDirty = false; await this.writeCursor(); }
    })().finally(() => { this.cursorSaving = null; });
  }

  private async writeCursor(): Promise<void> {
    const path = join(this.dir, 'cursor.json');
    try {
      await writeFile(`${path}.tmp`, JSON.stringify(this.cursor));
      await rename(`${path}.tmp`, path);
    } catch {
      // Only an optimization: without it replay restarts earlier.
    }
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

async function unlinkQuietly(path: string): Promise<void> {
  try { await unlink(path); } catch { /* already gone */ }
}
