/**
 * The lightest WebSocket client a bench can have: a raw TCP socket that does the opening
 * handshake, then only walks frame headers (2-14 bytes) and skips payloads, counting data
 * frames. No payload is copied, decoded or validated, so it counts far faster than a `ws`
 * client parses; it answers pings (masked pong) so a server's heartbeat does not drop it.
 * Server frames are never masked (RFC 6455 5.1); a masked one is an error.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface FrameCounter {
  /** Data frames (text, binary) received since the handshake. */
  readonly frames: () => number;
  readonly bytes: () => number;
  /** Payload of the first data frame (e.g. a SUBSCRIBE ack), once one arrived. */
  readonly first: () => string | null;
  /** Send one masked text frame (client frames must be masked). */
  sendText(text: string): void;
  close(): void;
}

function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65_536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < len; i++) out[head + 4 + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

export function frameCounter(port: number, path: string): Promise<FrameCounter> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect({ host: '127.0.0.1', port });
    sock.setNoDelay(true);
    let frames = 0;
    let bytes = 0;
    let first: string | null = null;
    let upgraded = false;
    let head = Buffer.alloc(0);
    // Parser state: bytes of payload still to skip, and a partial header carried over.
    let skip = 0;
    let carry: Buffer | null = null;
    // A control frame's payload being collected (ping -> pong) or the first data frame's.
    let collect: { opcode: number; need: number; parts: Buffer[] } | null = null;

    const api: FrameCounter = {
      frames: () => frames,
      bytes: () => bytes,
      first: () => first,
      sendText: (text) => {
        sock.write(maskedFrame(0x1, Buffer.from(text)));
      },
      close: () => sock.destroy(),
    };

    const finishCollect = (): void => {
      const c = collect as { opcode: number; parts: Buffer[] };
      collect = null;
      const payload = Buffer.concat(c.parts);
      if (c.opcode === 0x9) sock.write(maskedFrame(0xa, payload));
      else if (first === null) first = payload.toString();
    };

    const parse = (buf: Buffer): void => {
      let at = 0;
      const n = buf.length;
      while (at < n) {
        if (skip > 0) {
          const take = Math.min(skip, n - at);
          if (collect) {
            collect.parts.push(buf.subarray(at, at + take));
            collect.need -= take;
          }
          skip -= take;
          at += take;
          if (skip === 0 && collect) finishCollect();
          continue;
        }
        if (n - at < 2) {
          carry = buf.subarray(at);
          return;
        }
        const b0 = buf[at] as number;
        const b1 = buf[at + 1] as number;
        if (b1 & 0x80) throw new Error('server sent a masked frame');
        let len = b1 & 0x7f;
        let hdr = 2;
        if (len === 126) {
          if (n - at < 4) {
            carry = buf.subarray(at);
            return;
          }
          len = buf.readUInt16BE(at + 2);
          hdr = 4;
        } else if (len === 127) {
          if (n - at < 10) {
            carry = buf.subarray(at);
            return;
          }
          len = Number(buf.readBigUInt64BE(at + 2));
          hdr = 10;
        }
        const opcode = b0 & 0x0f;
        if (opcode === 0x1 || opcode === 0x2) {
          frames++;
          if (first === null) collect = { opcode, need: len, parts: [] };
        } else if (opcode === 0x9) collect = { opcode, need: len, parts: [] };
        else if (opcode === 0x8) sock.end();
        at += hdr;
        skip = len;
        if (len === 0 && collect) finishCollect();
      }
    };

    sock.on('data', (chunk: Buffer) => {
      if (!upgraded) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!/^HTTP\/1\.1 101/.test(status)) {
          reject(new Error(`upgrade refused: ${status}`));
          sock.destroy();
          return;
        }
        upgraded = true;
        const rest = head.subarray(end + 4);
        head = Buffer.alloc(0);
        resolve(api);
        if (rest.length === 0) return;
        chunk = rest;
      }
      bytes += chunk.length;
      if (carry) {
        chunk = Buffer.concat([carry, chunk]);
        carry = null;
      }
      parse(chunk);
    });
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}
