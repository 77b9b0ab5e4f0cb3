/**
 * Durable write-ahead buffer of one sink: batches that could not be written go here, in order,
 * and the replayer takes them back out (peek, write, ack) once the sink is healthy.
 *
 * Layout: <dir>/<seq 12 digits>.seg append-only segment files of framed records (record-format.ts),
 * <dir>/cursor.json (replay position, rewritten on every ack, not fsynced: losing it only makes
 * replay start earlier, and every sink write is idempotent), <dir>/LOCK (pid of the owner).
 * A process never appends to a segment it did not create, so a torn tail of a crashed run stays
 * at the end of its own file, where it is detected, reported and skipped.
 *
 * fsync policy (what survives a machine crash or power loss; a process kill -9 loses nothing
 * that append() returned for, whatever the policy, because the data is in the OS page cache):
 *   'always'   fdatasync after every append, before append() returns: nothing returned is lost.
 *   'interval' fdatasync at most every fsyncIntervalMs while data is pending, and on rotation
 *              and close: up to fsyncIntervalMs of appended batches can be lost on power loss.
 *   'never'    no fsync at all (the OS writes back, typically within ~30 s on Linux).
 *
 * Size cap: when appending would take the segment files beyond maxBytes, append() throws
 * SpoolFullError and writes nothing; the caller keeps the batch (bounded) and raises the alarm.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_SPOOL_FSYNC_INTERVAL_MS, DEFAULT_SPOOL_MAX_BYTES, DEFAULT_SPOOL_MAX_RECORD_BYTES, DEFAULT_SPOOL_SEGMENT_MAX_BYTES,
} from '../../config/defaults/sinks.js';
import { errorMessage, SpoolFullError, SpoolIoError } from '../errors.js';
import type { SinkRecord } from '../sink.js';
import { RECORD_HEADER_BYTES } from './record-format.js';
import { SegmentReader } from './segment-reader.js';
import { sealFrame, SegmentWriter, syncDir } from './segment-writer.js';

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
  /** Readable end: the file size for closed segments, the writer's size for the active one. */
  size: number;
  rows: number;
  bytes: number;
  reader: SegmentReader | null;
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
  private writer: SegmentWriter;
  private cursor: { seq: number; offset: number };
  private readonly fsync: FsyncPolicy;
  private readonly segmentMaxBytes: number;
  private readonly maxBytes: number;
  private readonly maxRecordBytes: number;
  private readonly reported = new Set<string>();
  private readonly keptIssues: SpoolIssue[] = [];
  private readonly lockPath: string;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private counters = { appendedBatches: 0, appendedRows: 0, ackedBatches: 0, ackedRows: 0, refusedBatches: 0, issues: 0, deletedSegments: 0 };

  private constructor(readonly dir: string, private readonly opts: SpoolOptions) {
    this.fsync = opts.fsync ?? 'interval';
    this.segmentMaxBytes = opts.segmentMaxBytes ?? DEFAULT_SPOOL_SEGMENT_MAX_BYTES;
    this.maxBytes = opts.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_SPOOL_MAX_RECORD_BYTES;
    this.lockPath = join(dir, 'LOCK');
    mkdirSync(dir, { recursive: true });
    this.takeLock();
    this.cursor = this.loadCursor();
    this.loadSegments();
    const lastSeq = Math.max(this.cursor.seq, ...this.segments.map((s) => s.seq), 0);
    this.writer = this.newActiveSegment(lastSeq + 1);
    if (this.fsync === 'interval') {
      const every = opts.fsyncIntervalMs ?? DEFAULT_SPOOL_FSYNC_INTERVAL_MS;
      this.timer = setInterval(() => this.syncQuietly(), every);
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

  /** Appends one batch; durable per the fsync policy when it returns. Throws SpoolFullError at the cap. */
  append(records: readonly SinkRecord[]): void {
    this.assertOpen();
    if (records.length === 0) return;
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
    if (this.writer.broken || (this.writer.size > 0 && this.writer.size + framed.length > this.segmentMaxBytes)) this.rotate();
    const seg = this.active();
    try {
      this.writer.append(framed);
      if (this.fsync === 'always') this.writer.sync();
    } catch (err) {
      seg.size = this.writer.size;
      throw new SpoolIoError(`spool write to ${this.writer.path} failed: ${errorMessage(err)}`, { dir: this.dir }, err);
    }
    seg.size = this.writer.size;
    seg.rows += records.length;
    seg.bytes += framed.length;
    this.counters.appendedBatches++;
    this.counters.appendedRows += records.length;
  }

  /** The oldest batch not yet acked, or null when the spool is drained. Damaged records are skipped and reported. */
  peek(): SpoolBatch | null {
    this.assertOpen();
    for (;;) {
      const seg = this.segments[0];
      if (seg === undefined) return null;
      if (this.cursor.seq !== seg.seq) this.cursor = { seq: seg.seq, offset: 0 };
      const r = this.readerOf(seg).readAt(this.cursor.offset, seg.size);
      if (r.type === 'end') {
        if (seg.seq === this.writer.seq) return null;
        this.dropHeadSegment();
        continue;
      }
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
    if (batch.next >= seg.size) {
      if (seg.seq !== this.writer.seq) this.dropHeadSegment();
      else if (seg.rows === 0) this.rotate();
    }
    this.saveCursor();
  }

  depth(): SpoolDepth {
    let rows = 0;
    let bytes = 0;
    for (const s of this.segments) { rows += s.rows; bytes += s.bytes; }
    return { rows, bytes, segments: this.segments.length, diskBytes: this.diskBytes() };
  }

  isEmpty(): boolean {
    return this.segments.every((s) => s.rows === 0);
  }

  issues(): readonly SpoolIssue[] {
    return this.keptIssues;
  }

  stats(): Readonly<typeof this.counters> & SpoolDepth & { maxBytes: number } {
    return { ...this.counters, ...this.depth(), maxBytes: this.maxBytes };
  }

  /** Forces pending appends to disk now, whatever the policy. */
  sync(): void {
    this.writer.sync();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.writer.close(this.fsync !== 'never');
    for (const s of this.segments) s.reader?.close();
    const active = this.segments[this.segments.length - 1];
    if (active && active.seq === this.writer.seq && active.size === 0) this.unlinkQuietly(active.path);
    this.saveCursor();
    this.unlinkQuietly(this.lockPath);
  }

  private active(): Segment {
    const seg = this.segments[this.segments.length - 1];
    if (!seg || seg.seq !== this.writer.seq) throw new SpoolIoError('spool has no active segment', { dir: this.dir });
    return seg;
  }

  private rotate(): void {
    const old = this.active();
    this.writer.close(this.fsync !== 'never');
    old.size = this.writer.size;
    this.writer = this.newActiveSegment(old.seq + 1);
    // A fully replayed head segment is deleted right away instead of waiting for the next peek.
    if (this.segments[0] === old && old.rows === 0 && this.cursor.seq === old.seq && this.cursor.offset >= old.size) this.dropHeadSegment();
  }

  private newActiveSegment(seq: number): SegmentWriter {
    const path = join(this.dir, segmentName(seq));
    const writer = new SegmentWriter(seq, path, this.fsync !== 'never');
    this.segments.push({ seq, path, size: 0, rows: 0, bytes: 0, reader: null });
    return writer;
  }

  private dropHeadSegment(): void {
    const seg = this.segments.shift();
    if (!seg) return;
    seg.reader?.close();
    this.unlinkQuietly(seg.path);
    this.counters.deletedSegments++;
    const next = this.segments[0];
    this.cursor = { seq: next?.seq ?? seg.seq + 1, offset: 0 };
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
      if (seq < this.cursor.seq) { this.unlinkQuietly(path); continue; }
      const seg: Segment = { seq, path, size: statSync(path).size, rows: 0, bytes: 0, reader: null };
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

  private saveCursor(): void {
    const path = join(this.dir, 'cursor.json');
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify(this.cursor));
      renameSync(`${path}.tmp`, path);
    } catch {
      // Only an optimization: without it replay restarts earlier.
    }
  }

  private takeLock(): void {
    if (existsSync(this.lockPath)) {
      const pid = Number(readFileSync(this.lockPath, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new SpoolIoError(`spool ${this.dir} is in use by process ${pid}`, { dir: this.dir, pid });
      }
    }
    writeFileSync(this.lockPath, String(process.pid));
    if (this.fsync !== 'never') syncDir(this.dir);
  }

  private diskBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  private syncQuietly(): void {
    try {
      this.writer.sync();
    } catch {
      // Reported on the next append or close, which sync again.
    }
  }

  private unlinkQuietly(path: string): void {
    try { unlinkSync(path); } catch { /* already gone */ }
  }

  private assertOpen(): void {
    if (this.closed) throw new SpoolIoError(`spool ${this.dir} is closed`, { dir: this.dir });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
