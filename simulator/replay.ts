/**
 * Replay of a recorded-frames file (DESIGN.md: `<epoch ms> <raw frame>` per line, gzipped when
 * the name ends in .gz) onto the Binance hub: combined-stream clients get each recorded frame
 * byte for byte, /ws/<stream> clients get its `data` part. Speed 1 (recorded pace), N (N times
 * faster) or 'max' (as fast as the sockets drain).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { TickgateError } from '../src/model/errors.js';
import type { StreamHub } from './ws-hub.js';

export type ReplaySpeed = number | 'max';

export interface ReplayOptions {
  readonly file: string;
  readonly speed: ReplaySpeed;
  /** Stop after this many frames (default: the whole file). */
  readonly maxFrames?: number;
}

export interface ReplayResult {
  readonly frames: number;
  readonly skippedLines: number;
  readonly durationMs: number;
  readonly stopped: boolean;
}

export class ReplayError extends TickgateError {
  constructor(message: string, file: string, cause?: unknown) {
    super('E_SIM_REPLAY', message, { context: { file }, retryable: false, cause });
  }
}

export interface RecordedFrame {
  readonly receivedMs: number;
  readonly raw: string;
  readonly stream: string;
  readonly data: string;
}

const STREAM_RE = /^\{"stream":"([^"]+)","data":/;

/** Parse one line of a recorded-frames file; null when it is not `<ms> <combined frame>`. */
export function parseRecordedLine(line: string): RecordedFrame | null {
  const sp = line.indexOf(' ');
  if (sp <= 0) return null;
  const receivedMs = Number(line.slice(0, sp));
  if (!Number.isFinite(receivedMs)) return null;
  const raw = line.slice(sp + 1);
  const m = STREAM_RE.exec(raw);
  if (!m || !raw.endsWith('}')) return null;
  const stream = m[1] ?? '';
  return { receivedMs, raw, stream, data: raw.slice(m[0].length, raw.length - 1) };
}

export function openRecordedLines(file: string): AsyncIterable<string> {
  let input: Readable = createReadStream(file);
  if (file.endsWith('.gz')) input = input.pipe(createGunzip());
  return createInterface({ input, crlfDelay: Infinity });
}

export class Replayer {
  private stopped = false;
  private running: Promise<ReplayResult> | null = null;
  framesSent = 0;

  constructor(private readonly hub: StreamHub, private readonly onActive: (active: boolean) => void) {}

  get active(): boolean {
    return this.running !== null;
  }

  start(opts: ReplayOptions): Promise<ReplayResult> {
    if (this.running) throw new ReplayError('a replay is already running', opts.file);
    if (opts.speed !== 'max' && !(opts.speed > 0)) throw new ReplayError(`replay speed must be > 0 or "max", got ${String(opts.speed)}`, opts.file);
    this.stopped = false;
    this.onActive(true);
    const p = this.run(opts).finally(() => {
      this.running = null;
      this.onActive(false);
    });
    this.running = p;
    return p;
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(opts: ReplayOptions): Promise<ReplayResult> {
    const started = Date.now();
    let frames = 0;
    let skipped = 0;
    let firstMs: number | null = null;
    let sinceFlush = 0;
    try {
      for await (const line of openRecordedLines(opts.file)) {
        if (this.stopped) break;
        if (line.length === 0) continue;
        const f = parseRecordedLine(line);
        if (!f) {
          skipped++;
          continue;
        }
        if (opts.speed === 'max') {
          if (++sinceFlush >= 256) {
            sinceFlush = 0;
            this.hub.flush();
            while (this.hub.maxBuffered() > 4 * 1024 * 1024 && !this.stopped) await sleep(2);
            await new Promise<void>((r) => setImmediate(r));
          }
        } else {
          firstMs ??= f.receivedMs;
          const dueWall = started + (f.receivedMs - firstMs) / opts.speed;
          const wait = dueWall - Date.now();
          if (wait > 1) {
            this.hub.flush();
            await sleep(wait);
          }
        }
        const symbol = f.stream.startsWith('!') ? undefined : f.stream.slice(0, f.stream.indexOf('@')).toUpperCase();
        this.hub.publish(f.stream, () => f.data, { ...(symbol !== undefined ? { symbol } : {}), buildCombined: () => f.raw });
        frames++;
        this.framesSent++;
        if (opts.maxFrames !== undefined && frames >= opts.maxFrames) break;
      }
    } catch (err) {
      throw new ReplayError(`cannot replay ${opts.file}: ${err instanceof Error ? err.message : String(err)}`, opts.file, err);
    } finally {
      this.hub.flush();
    }
    return { frames, skippedLines: skipped, durationMs: Date.now() - started, stopped: this.stopped };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
