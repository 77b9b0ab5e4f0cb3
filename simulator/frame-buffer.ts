/**
 * One client's outgoing bytes: unmasked WebSocket frames (RFC 6455 5.2; server frames carry no
 * mask, and permessage-deflate is off on every simulator endpoint) written straight into a
 * chunk, header first, payload text copied in by one native utf8 write per part. No frame
 * string, Buffer or rope is built per message, and a tick's frames leave in one socket write.
 *
 * Bytes handed out by take() are never written again (the socket may still hold them): new
 * frames go after them, and a full chunk is replaced, not reused.
 */

/**
 * A fresh chunk holds CHUNK_FACTOR times what was unsent when the last one ran out (about a
 * tick's output), within MIN..MAX: a busy client allocates a few chunks a second, an idle one
 * keeps 16 KB, and nothing ratchets up for good.
 */
const MIN_CHUNK_BYTES = 16 * 1024;
const CHUNK_FACTOR = 8;
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Buffer#utf8Write, the native method Buffer#write(string, offset) ends in, without its
 * argument checks (offset and room are ensured here); it was 5% of a publish.
 */
type Utf8Writer = (s: string, offset: number, length: number) => number;
const nativeUtf8Write = (Buffer.prototype as unknown as { utf8Write?: Utf8Writer }).utf8Write;
function utf8Write(b: Buffer, s: string, at: number): number {
  return nativeUtf8Write ? nativeUtf8Write.call(b, s, at, b.length - at) : b.write(s, at);
}

export function wsHeaderLength(payloadBytes: number): number {
  return payloadBytes < 126 ? 2 : payloadBytes < 65_536 ? 4 : 10;
}

/** Write a final frame's header (FIN + opcode, no mask) at `at`; returns its length. */
export function writeWsHeader(out: Buffer, at: number, opcode: number, len: number): number {
  out[at] = 0x80 | opcode;
  if (len < 126) {
    out[at + 1] = len;
    return 2;
  }
  if (len < 65_536) {
    out[at + 1] = 126;
    out[at + 2] = len >>> 8;
    out[at + 3] = len & 255;
    return 4;
  }
  out[at + 1] = 127;
  out.writeUInt32BE(Math.floor(len / 2 ** 32), at + 2);
  out.writeUInt32BE(len >>> 0, at + 6);
  return 10;
}

export class FrameBuffer {
  private chunk: Buffer = Buffer.allocUnsafeSlow(0);
  /** Unsent bytes are chunk[start, end). */
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  /**
   * Append one text frame whose payload is prefix + body + suffix (the Binance combined
   * envelope without building it). Returns the frame's bytes.
   */
  text(body: string, prefix = '', suffix = ''): number {
    const chars = prefix.length + body.length + suffix.length;
    // Worst case 3 bytes a UTF-16 unit; generated data is ASCII, so one is the usual.
    this.ensure(10 + chars * 3);
    const c = this.chunk;
    const at = this.end;
    let hdr = wsHeaderLength(chars);
    let pos = at + hdr;
    if (prefix.length > 0) pos += utf8Write(c, prefix, pos);
    pos += utf8Write(c, body, pos);
    if (suffix.length > 0) pos += utf8Write(c, suffix, pos);
    const len = pos - at - hdr;
    if (len !== chars) {
      // Not ASCII: the byte length may need a longer header; move the payload behind it.
      const need = wsHeaderLength(len);
      if (need !== hdr) {
        c.copyWithin(at + need, at + hdr, pos);
        pos += need - hdr;
        hdr = need;
      }
    }
    writeWsHeader(c, at, 0x1, len);
    this.end = pos;
    return pos - at;
  }

  /** Append bytes as they are (a frame built elsewhere). */
  bytes(b: Buffer): number {
    this.ensure(b.length);
    b.copy(this.chunk, this.end);
    this.end += b.length;
    return b.length;
  }

  /** The unsent bytes (a view, valid for good), or null when there are none. */
  take(): Buffer | null {
    if (this.end === this.start) return null;
    const out = this.chunk.subarray(this.start, this.end);
    this.start = this.end;
    // A chunk grown for one huge batch is not kept.
    if (this.chunk.length > MAX_CHUNK_BYTES) this.reset();
    return out;
  }

  clear(): void {
    this.reset();
  }

  private reset(): void {
    this.chunk = Buffer.allocUnsafeSlow(0);
    this.start = this.end = 0;
  }

  private ensure(n: number): void {
    if (this.chunk.length - this.end >= n) return;
    const unsent = this.end - this.start;
    // At least double what is needed: a batch larger than MAX must not copy itself per frame.
    const size = Math.max(2 * (unsent + n), Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, CHUNK_FACTOR * (unsent + n))));
    const next = Buffer.allocUnsafeSlow(size);
    // Unsent bytes move along (they were never handed out); sent ones stay with the old chunk.
    if (unsent > 0) this.chunk.copy(next, 0, this.start, this.end);
    this.chunk = next;
    this.start = 0;
    this.end = unsent;
  }
}
