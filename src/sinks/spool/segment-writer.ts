/** Appends framed records to one segment file. Never appends to a file a previous process wrote. */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from './crc32.js';
import { RECORD_HEADER_BYTES, RECORD_MAGIC } from './record-format.js';
import type { SinkRecord } from '../sink.js';

export function frameRecord(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.set(payload, RECORD_HEADER_BYTES);
  return sealFrame(out);
}

/** One framed batch: header, row count u32, the batch as JSON. Serialized straight into place. */
export function frameBatch(records: readonly SinkRecord[]): Buffer {
  const json = JSON.stringify(records);
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + 4 + Buffer.byteLength(json, 'utf8'));
  out.writeUInt32BE(records.length, RECORD_HEADER_BYTES);
  out.write(json, RECORD_HEADER_BYTES + 4, 'utf8');
  return sealFrame(out);
}

/** Fills in the header of a buffer whose payload is already in place after RECORD_HEADER_BYTES. */
export function sealFrame(frame: Buffer): Buffer {
  const payload = frame.subarray(RECORD_HEADER_BYTES);
  frame.writeUInt32BE(RECORD_MAGIC, 0);
  frame.writeUInt32BE(payload.length, 4);
  frame.writeUInt32BE(crc32(payload), 8);
  return frame;
}

/** fsync a directory so a newly created file's entry survives a power loss (off the event loop). */
export async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | null = null;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the file data itself is still synced.
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/**
 * One segment file, written through a FileHandle: writes and fdatasync run on libuv's thread
 * pool, never on the event loop. The spool serializes calls (one operation at a time).
 */
export class SegmentWriter {
  private dirty = false;
  /** Set when a write failed half-way: the file may end in a torn record, so stop appending. */
  broken = false;
  size = 0;

  private constructor(readonly seq: number, readonly path: string, private fh: FileHandle | null) {}

  /** 'wx': fails if the file exists, so a restart never appends behind a torn record of a crashed run. */
  static async create(seq: number, path: string, syncDirectory: boolean): Promise<SegmentWriter> {
    const fh = await open(path, 'wx');
    if (syncDirectory) await syncDir(dirname(path));
    return new SegmentWriter(seq, path, fh);
  }

  /** Writes framed records back to back at the end. Throws on I/O errors (and marks itself broken). */
  async append(framed: Buffer): Promise<void> {
    const fh = this.requireFh();
    let done = 0;
    try {
      while (done < framed.length) done += (await fh.write(framed, done, framed.length - done, this.size + done)).bytesWritten;
    } catch (err) {
      this.broken = true;
      this.size += done;
      throw err;
    }
    this.size += framed.length;
    this.dirty = true;
  }

  async sync(): Promise<void> {
    if (this.fh === null || !this.dirty) return;
    this.dirty = false;
    try {
      await this.fh.datasync();
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }

  async close(sync: boolean): Promise<void> {
    const fh = this.fh;
    if (fh === null) return;
    try {
      if (sync) await this.sync();
    } finally {
      this.fh = null;
      await fh.close();
    }
  }

  private requireFh(): FileHandle {
    if (this.fh === null) throw new Error(`spool segment ${this.path} is closed`);
    return this.fh;
  }
}
