/**
 * Reads framed records from a segment file by offset, classifying what it finds. It never
 * throws on bad data: a torn tail or a bad checksum comes back as a result the spool reports.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from './crc32.js';
import { RECORD_HEADER_BYTES, RECORD_MAGIC } from './record-format.js';

export type ReadResult =
  | { readonly type: 'record'; readonly offset: number; readonly next: number; readonly payload: Buffer }
  /** A bad record the reader stepped over; `next` is where the next good record may start. */
  | { readonly type: 'corrupt'; readonly offset: number; readonly next: number; readonly reason: string }
  /** The file ends inside a record (a write cut short by a crash): nothing after it is readable. */
  | { readonly type: 'torn'; readonly offset: number; readonly next: number; readonly reason: string }
  | { readonly type: 'end'; readonly offset: number };

const SCAN_CHUNK_BYTES = 64 * 1024;

export class SegmentReader {
  private fd: number | null;

  constructor(readonly path: string, private readonly maxRecordBytes: number) {
    this.fd = openSync(path, 'r');
  }

  fileSize(): number {
    return fstatSync(this.requireFd()).size;
  }

  /** Reads the record at `offset`, looking no further than `limit` (the writer's known size). */
  readAt(offset: number, limit: number): ReadResult {
    if (offset >= limit) return { type: 'end', offset };
    if (limit - offset < RECORD_HEADER_BYTES) {
      return { type: 'torn', offset, next: limit, reason: `${limit - offset} header bytes of ${RECORD_HEADER_BYTES}` };
    }
    const header = this.read(offset, RECORD_HEADER_BYTES);
    const magic = header.readUInt32BE(0);
    const length = header.readUInt32BE(4);
    const crc = header.readUInt32BE(8);
    if (magic !== RECORD_MAGIC) return this.corruptFrom(offset, limit, 'bad record magic');
    if (length > this.maxRecordBytes) return this.corruptFrom(offset, limit, `record length ${length} above max`);
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > limit) {
      // A length that runs past the end: either the last write was cut short, or the length is
      // damaged and a later record exists. Look for one before calling it a torn tail.
      const resync = this.findMagic(offset + 1, limit);
      if (resync === null) return { type: 'torn', offset, next: limit, reason: `record of ${length} bytes cut at ${limit - offset - RECORD_HEADER_BYTES}` };
      return { type: 'corrupt', offset, next: resync, reason: `record length ${length} runs past a later record` };
    }
    const payload = this.read(offset + RECORD_HEADER_BYTES, length);
    if (crc32(payload) !== crc) {
      // Trust the length only when a record (or the end) follows it; otherwise search.
      if (end === limit || this.magicAt(end, limit)) return { type: 'corrupt', offset, next: end, reason: 'checksum mismatch' };
      return this.corruptFrom(offset, limit, 'checksum mismatch and damaged length');
    }
    return { type: 'record', offset, next: end, payload };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private corruptFrom(offset: number, limit: number, reason: string): ReadResult {
    const next = this.findMagic(offset + 1, limit);
    if (next === null) return { type: 'torn', offset, next: limit, reason: `${reason}; no record after it` };
    return { type: 'corrupt', offset, next, reason };
  }

  private magicAt(offset: number, limit: number): boolean {
    if (limit - offset < 4) return false;
    return this.read(offset, 4).readUInt32BE(0) === RECORD_MAGIC;
  }

  /** First offset >= from where the magic appears and a whole header fits, or null. */
  private findMagic(from: number, limit: number): number | null {
    for (let pos = from; pos + 4 <= limit; pos += SCAN_CHUNK_BYTES) {
      const len = Math.min(SCAN_CHUNK_BYTES + 3, limit - pos);
      const chunk = this.read(pos, len);
      for (let i = 0; i + 4 <= chunk.length; i++) {
        if (chunk.readUInt32BE(i) === RECORD_MAGIC && pos + i + RECORD_HEADER_BYTES <= limit) return pos + i;
      }
    }
    return null;
  }

  private read(offset: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.requireFd(), buf, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === length ? buf : buf.subarray(0, done);
  }

  private requireFd(): number {
    if (this.fd === null) throw new Error(`spool segment ${this.path} is closed`);
    return this.fd;
  }
}
