/**
 * The recorded-frames format (DESIGN.md): one frame per line, the receive time in epoch ms, one
 * space, the raw text frame exactly as received. Files may be gzipped (.gz).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export interface RecordedLine {
  readonly receivedMs: number;
  readonly frame: string;
}

/** One line of a recorded-frames file, or null when it is not `<ms> <frame>`. */
export function parseRecordedFrameLine(line: string): RecordedLine | null {
  const sp = line.indexOf(' ');
  if (sp <= 0) return null;
  const receivedMs = Number(line.slice(0, sp));
  if (!Number.isFinite(receivedMs)) return null;
  const frame = line.slice(sp + 1);
  return frame.length > 0 ? { receivedMs, frame } : null;
}

/** Lines of a recorded-frames file (gunzipped when it ends in .gz); `onBytes` reports raw bytes read. */
export function readRecordedLines(file: string, onBytes?: (n: number) => void): AsyncIterable<string> {
  const raw = createReadStream(file);
  if (onBytes) raw.on('data', (chunk) => onBytes(chunk.length));
  const input: Readable = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  return createInterface({ input, crlfDelay: Infinity });
}
