/**
 * Downstream batching (opt-in per connection with `?batch=1`, see protocol.ts): the server
 * messages written to one client in one turn of the event loop leave as ONE WebSocket frame
 * `{"type":"batch","messages":[m1,m2,...]}`, each mi the exact text it would have had as a frame
 * of its own (data frames are the hub's shared bytes, copied once into the batch). Order,
 * seq and gap semantics are those of the messages inside: a batch is only an envelope.
 *
 * Why: per WebSocket frame the server pays a ws header, a write into the corked socket and its
 * bookkeeping, and the client a frame parse, a Buffer, a UTF-8 check and a 'message' event; at
 * tens of thousands of trades per second to one subscriber those per-frame costs dominate.
 *
 * Bounded: a batch is sent as soon as it holds server.batchMaxBytes (or server.batchMaxMessages) (a larger message goes alone,
 * unwrapped, as does a batch of one), so frames stay far below any client's payload limit.
 */

import { DEFAULT_BATCH_MAX_BYTES, DEFAULT_BATCH_MAX_MESSAGES } from '../config/defaults/server.js';

/** Defaults of server.batchMaxBytes / server.batchMaxMessages (config/defaults/server.ts). */
export const BATCH_MAX_BYTES = DEFAULT_BATCH_MAX_BYTES;
export const BATCH_MAX_MESSAGES = DEFAULT_BATCH_MAX_MESSAGES;

/** When a batch is sent: once its messages hold maxBytes, or maxMessages of them. */
export interface BatchLimits { readonly maxBytes: number; readonly maxMessages: number }

const OPEN = Buffer.from('{"type":"batch","messages":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/** True when the upgrade URL asks for batched frames (`batch=1` or `batch=true`). */
export function wantsBatch(url: string | undefined): boolean {
  const u = url ?? '/';
  const q = u.indexOf('?');
  if (q < 0) return false;
  const v = new URLSearchParams(u.slice(q + 1)).get('batch');
  return v === '1' || v === 'true';
}

/** The frames pending for one connection this turn; flush() hands them to `send` as one frame. */
export class FrameBatcher {
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(
    private readonly send: (frame: Buffer | string) => void,
    /** Shared by the server's batchers: batch frames sent and the messages they carried. */
    private readonly counters: { batchFrames: number; batchedMessages: number },
    private readonly limits: BatchLimits = { maxBytes: BATCH_MAX_BYTES, maxMessages: BATCH_MAX_MESSAGES },
  ) {}

  /** Bytes waiting for the next flush. */
  get pendingBytes(): number { return this.bytes; }
  get pending(): boolean { return this.parts.length > 0; }

  /** Adds one message (its whole frame text); returns true when the caller must schedule a flush. */
  add(frame: Buffer | string): boolean {
    const b = typeof frame === 'string' ? Buffer.from(frame) : frame;
    if (this.parts.length > 0 && (this.bytes + b.length > this.limits.maxBytes || this.parts.length >= this.limits.maxMessages)) this.flush();
    this.parts.push(b);
    this.bytes += b.length;
    return this.parts.length === 1;
  }

  /** Sends what is pending: one message as is, several as one batch frame. */
  flush(): void {
    const parts = this.parts;
    const n = parts.length;
    if (n === 0) return;
    this.parts = [];
    const bytes = this.bytes;
    this.bytes = 0;
    if (n === 1) { this.send(parts[0]!); return; }
    const out = Buffer.allocUnsafe(OPEN.length + bytes + (n - 1) * COMMA.length + CLOSE.length);
    let at = OPEN.copy(out, 0);
    for (let i = 0; i < n; i++) {
      if (i > 0) at += COMMA.copy(out, at);
      at += parts[i]!.copy(out, at);
    }
    CLOSE.copy(out, at);
    this.counters.batchFrames++;
    this.counters.batchedMessages += n;
    this.send(out);
  }

  /** Forgets what is pending (the connection is gone). */
  clear(): void {
    this.parts = [];
    this.bytes = 0;
  }
}
