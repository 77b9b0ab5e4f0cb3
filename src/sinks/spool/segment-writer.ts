/** Appends framed records to one segment file. Never appends to a file a previous process wrote. */
import { closeSync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from './crc32.js';
import { RECORD_HEADER_BYTES, RECORD_MAGIC } from './record-format.js';

export function frameRecord(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.set(payload, RECORD_HEADER_BYTES);
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

/** fsync a directory so a newly created file's entry survives a power loss. */
export function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the file data itself is still synced.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export class SegmentWriter {
  private fd: number | null;
  private dirty = false;
  /** Set when a write failed half-way: the file may end in a torn record, so stop appending. */
  broken = false;
  size = 0;

  constructor(readonly seq: number, readonly path: string, syncDirectory: boolean) {
    // 'wx': fail if it exists, so a restart never appends behind a torn record of a crashed run.
    this.fd = openSync(path, 'wx');
    if (syncDirectory) syncDir(dirname(path));
  }

  /** Writes one framed record; returns its offset. Throws on I/O errors (and marks itself broken). */
  append(framed: Buffer): number {
    const fd = this.requireFd();
    const offset = this.size;
    let done = 0;
    try {
      while (done < framed.length) done += writeSync(fd, framed, done, framed.length - done, offset + done);
    } catch (err) {
      this.broken = true;
      this.size += done;
      throw err;
    }
    this.size += framed.length;
    this.dirty = true;
    return offset;
  }

  sync(): void {
    if (this.fd === null || !this.dirty) return;
    fdatasyncSync(this.fd);
    this.dirty = false;
  }

  close(sync: boolean): void {
    if (this.fd === null) return;
    try {
      if (sync) this.sync();
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  private requireFd(): number {
    if (this.fd === null) throw new Error(`spool segment ${this.path} is closed`);
    return this.fd;
  }
}
