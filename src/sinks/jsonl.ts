/**
 * JSONL file sink, for people who just want files. One stream of files for all kinds:
 * `<dir>/tickgate-<openedAtMs>-<n>.jsonl`, one record per line exactly as the model types it
 * (aggregates carry `kind`, trades `type: "trade"`), decimals as JSON strings.
 * Rotation: a new file when the current one would pass maxFileBytes or is older than
 * maxFileAgeMs; fsync on rotation and close (not per batch). A new process always starts a new
 * file, so a line torn by a crash stays at the end of its own file; readJsonl() skips it.
 * Files are an append log: a replayed batch appends again (at-least-once). readJsonl() dedupes
 * by natural key keeping the highest revision, as the SQL sinks' upserts do.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_JSONL_MAX_FILE_AGE_MS, DEFAULT_JSONL_MAX_FILE_BYTES } from '../config/defaults/sinks.js';
import { errorMessage, SinkError } from './errors.js';
import { naturalKey, revisionOf } from './record-key.js';
import { isTrade, type Sink, type SinkRecord } from './sink.js';

export interface JsonlSinkOptions {
  readonly dir: string;
  readonly name?: string;
  readonly trades?: boolean;
  readonly maxFileBytes?: number;
  readonly maxFileAgeMs?: number;
  /** Injected clock for rotation tests. */
  readonly now?: () => number;
}

const FILE_RE = /^tickgate-(\d+)-(\d+)\.jsonl$/;

export class JsonlSink implements Sink {
  readonly kind = 'jsonl' as const;
  readonly name: string;
  private fh: FileHandle | null = null;
  private path = '';
  private size = 0;
  private openedAt = 0;
  private n = 0;
  private readonly now: () => number;
  private counters = { lines: 0, files: 0, bytes: 0, skippedTrades: 0 };

  constructor(private readonly opts: JsonlSinkOptions) {
    this.name = opts.name ?? 'jsonl';
    this.now = opts.now ?? Date.now;
  }

  async open(): Promise<void> {
    try {
      mkdirSync(this.opts.dir, { recursive: true });
    } catch (err) {
      throw this.fail(err, 'create directory');
    }
  }

  async write(batch: readonly SinkRecord[]): Promise<void> {
    const records = this.opts.trades ? batch : batch.filter((r) => !isTrade(r));
    this.counters.skippedTrades += batch.length - records.length;
    if (records.length === 0) return;
    const text = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
    try {
      const maxBytes = this.opts.maxFileBytes ?? DEFAULT_JSONL_MAX_FILE_BYTES;
      const maxAge = this.opts.maxFileAgeMs ?? DEFAULT_JSONL_MAX_FILE_AGE_MS;
      if (this.fh && ((this.size > 0 && this.size + text.length > maxBytes) || this.now() - this.openedAt >= maxAge)) await this.rotate();
      if (!this.fh) await this.newFile();
      let done = 0;
      while (done < text.length) done += (await this.fh!.write(text, done, text.length - done, this.size + done)).bytesWritten;
      this.size += text.length;
      this.counters.lines += records.length;
      this.counters.bytes += text.length;
    } catch (err) {
      // Start a fresh file next time rather than append behind a half-written line.
      await this.rotate().catch(() => undefined);
      throw this.fail(err, 'write');
    }
  }

  async close(): Promise<void> {
    await this.rotate();
  }

  /** The file being written, '' before the first write. */
  currentFile(): string {
    return this.path;
  }

  stats(): Readonly<typeof this.counters> {
    return { ...this.counters };
  }

  private async newFile(): Promise<void> {
    this.openedAt = this.now();
    for (;;) {
      this.path = join(this.opts.dir, `tickgate-${this.openedAt}-${String(++this.n).padStart(6, '0')}.jsonl`);
      try {
        this.fh = await open(this.path, 'wx');
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    this.size = 0;
    this.counters.files++;
  }

  private async rotate(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (!fh) return;
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  private fail(err: unknown, what: string): SinkError {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const fatal = code === 'EACCES' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EPERM';
    return new SinkError(fatal ? 'E_SINK_WRITE' : 'E_SINK_UNAVAILABLE', `jsonl ${this.opts.dir} ${what}: ${errorMessage(err)}`, {
      retryable: !fatal, cause: err, context: { sink: this.name, dir: this.opts.dir, errno: code },
    });
  }
}

export interface JsonlReadResult {
  /** Latest revision per natural key, in first-seen order. */
  readonly records: SinkRecord[];
  readonly lines: number;
  /** Lines that did not parse (a line torn by a crash), with where they are. */
  readonly badLines: { readonly file: string; readonly line: number }[];
}

/** Reads every tickgate JSONL file in `dir` in write order and dedupes like an upsert would. */
export function readJsonl(dir: string): JsonlReadResult {
  const files = readdirSync(dir)
    .map((f) => ({ f, m: FILE_RE.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]) || Number(a.m[2]) - Number(b.m[2]));
  const byKey = new Map<string, SinkRecord>();
  const badLines: { file: string; line: number }[] = [];
  let lines = 0;
  for (const { f } of files) {
    const text = readFileSync(join(dir, f), 'utf8').split('\n');
    text.forEach((line, i) => {
      if (line.length === 0) return;
      lines++;
      let r: SinkRecord;
      try { r = JSON.parse(line) as SinkRecord; } catch { badLines.push({ file: f, line: i + 1 }); return; }
      const k = naturalKey(r);
      const prev = byKey.get(k);
      if (!prev || revisionOf(r) >= revisionOf(prev)) byKey.set(k, r);
    });
  }
  return { records: [...byKey.values()], lines, badLines };
}
