/**
 * The spool's segment files: their names (<seq 12 digits>.seg), the books kept per segment
 * (readable end, reserved bytes, pending rows), and the scan of the files a previous run left:
 * pending rows counted and damage reported up front.
 */
import { readdirSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SegmentReader } from './segment-reader.js';
import type { SpoolIssue } from './spool-issues.js';

export interface Segment {
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

/** Replay position: segment and byte offset of the next record to read. */
export interface SpoolPosition { readonly seq: number; readonly offset: number }

const SEGMENT_RE = /^(\d{12})\.seg$/;

export function segmentName(seq: number): string {
  return `${String(seq).padStart(12, '0')}.seg`;
}

export function newSegment(dir: string, seq: number): Segment {
  return { seq, path: join(dir, segmentName(seq)), size: 0, reserved: 0, rows: 0, bytes: 0, reader: null, sealed: false };
}

/**
 * Segments of earlier runs in `dir`, oldest first, sealed (never appended to again). Files
 * before the cursor's segment are deleted; the cursor's own segment is counted from its offset.
 */
export function scanSegments(
  dir: string, cursor: SpoolPosition, readerOf: (seg: Segment) => SegmentReader,
  report: (seg: Segment, issue: Omit<SpoolIssue, 'segment'>) => void,
): Segment[] {
  const seqs = readdirSync(dir)
    .map((f) => SEGMENT_RE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const out: Segment[] = [];
  for (const seq of seqs) {
    const path = join(dir, segmentName(seq));
    if (seq < cursor.seq) { void unlinkQuietly(path); continue; }
    const size = statSync(path).size;
    const seg: Segment = { seq, path, size, reserved: size, rows: 0, bytes: 0, reader: null, sealed: true };
    out.push(seg);
    let offset = seq === cursor.seq ? cursor.offset : 0;
    const reader = readerOf(seg);
    for (;;) {
      const r = reader.readAt(offset, seg.size);
      if (r.type === 'end') break;
      if (r.type === 'record') {
        seg.rows += r.payload.readUInt32BE(0);
        seg.bytes += r.next - r.offset;
      } else {
        report(seg, { offset: r.offset, kind: r.type, reason: r.reason, skippedBytes: r.next - r.offset });
      }
      offset = r.next;
    }
  }
  return out;
}

export async function unlinkQuietly(path: string): Promise<void> {
  try { await unlink(path); } catch { /* already gone */ }
}
