/**
 * The spool's file work, off the event loop and in order: queued segment writes (coalesced per
 * segment into one write and one fdatasync), syncs and segment deletions run one at a time on a
 * promise chain through FileHandles (libuv's thread pool). A failed write rejects it and every
 * write queued behind it (nothing after a failure is written, so callers keep their order).
 */
import { unlink } from 'node:fs/promises';
import { SegmentWriter } from './segment-writer.js';
import type { FsyncPolicy } from './spool.js';

/** What the chain needs of a segment: where it is, and its size on disk (updated as writes land). */
export interface ChainSegment {
  readonly seq: number;
  readonly path: string;
  size: number;
}

export interface FailedWrite<S extends ChainSegment> { readonly seg: S; readonly frame: Buffer; readonly rows: number }

type Op<S extends ChainSegment> =
  | { readonly kind: 'write'; readonly seg: S; readonly frame: Buffer; readonly rows: number; readonly resolve: () => void; readonly reject: (e: unknown) => void }
  | { readonly kind: 'sync'; readonly done: () => void }
  | { readonly kind: 'drop'; readonly seg: S };

export class WriteChain<S extends ChainSegment> {
  private ops: Op<S>[] = [];
  private chain: Promise<void> | null = null;
  private idleWaiters: (() => void)[] = [];
  private progressWaiters: (() => void)[] = [];
  private writer: SegmentWriter | null = null;
  private syncQueued = false;

  /** onFailed: the writes taken off the queue by a failure (the failed one first), before they reject. */
  constructor(private readonly fsync: FsyncPolicy, private readonly onFailed: (seg: S, failed: readonly FailedWrite<S>[], err: unknown) => void) {}

  /** Resolves when `frame` is written to `seg` (and fdatasynced under 'always'). */
  write(seg: S, frame: Buffer, rows: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.ops.push({ kind: 'write', seg, frame, rows, resolve, reject });
      this.run();
    });
  }

  /** Resolves when everything queued before it is written and fdatasynced, whatever the policy. */
  sync(): Promise<void> {
    return new Promise<void>((done) => { this.ops.push({ kind: 'sync', done }); this.run(); });
  }

  /** An fdatasync soon, unless one is queued already ('interval' policy). */
  syncSoon(): void {
    if (this.syncQueued || !this.writer) return;
    this.syncQueued = true;
    this.ops.push({ kind: 'sync', done: () => { this.syncQueued = false; } });
    this.run();
  }

  /** Deletes the segment's file after any write queued to it. */
  drop(seg: S): void {
    this.ops.push({ kind: 'drop', seg });
    this.run();
  }

  busy(): boolean {
    return this.chain !== null || this.ops.length > 0;
  }

  queued(): number {
    return this.ops.length;
  }

  /**
   * Resolves when the next queued operation has finished (or at once when idle). A reader that
   * waits for written bytes uses this, not idle(): under a steady stream of appends the chain is
   * never idle, and waiting for it would starve the reader for as long as the appends go on.
   */
  progress(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.progressWaiters.push(resolve));
  }

  /** Resolves when no file work is queued or running. */
  idle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** After idle(): closes the open segment file (fdatasync first unless 'never'). */
  async close(): Promise<void> {
    await this.idle();
    await this.closeWriter().catch(() => undefined);
  }

  private run(): void {
    if (this.chain) return;
    this.chain = this.drain().finally(() => {
      this.chain = null;
      this.progressed();
      if (this.ops.length > 0) { this.run(); return; }
      const w = this.idleWaiters; this.idleWaiters = []; for (const f of w) f();
    });
  }

  private progressed(): void {
    const w = this.progressWaiters; this.progressWaiters = []; for (const f of w) f();
  }

  private async drain(): Promise<void> {
    for (let op = this.ops.shift(); op; op = this.ops.shift(), this.progressed()) {
      if (op.kind === 'sync') {
        await this.writer?.sync().catch(() => undefined); // reported by the next write or close, which sync again
        op.done();
        continue;
      }
      if (op.kind === 'drop') {
        if (this.writer && this.writer.seq === op.seg.seq) await this.closeWriter().catch(() => undefined);
        await unlink(op.seg.path).catch(() => undefined);
        continue;
      }
      const group = [op];
      while (this.ops[0]?.kind === 'write' && this.ops[0].seg === op.seg) group.push(this.ops.shift() as typeof op);
      const seg = op.seg;
      try {
        const w = await this.writerFor(seg);
        await w.append(group.length === 1 ? op.frame : Buffer.concat(group.map((g) => g.frame)));
        if (this.fsync === 'always') await w.sync();
        seg.size = w.size;
        for (const g of group) g.resolve();
      } catch (err) {
        if (this.writer && this.writer.seq === seg.seq) seg.size = this.writer.size;
        const rest = this.ops.filter((o): o is typeof op => o.kind === 'write');
        this.ops = this.ops.filter((o) => o.kind !== 'write');
        const failed = [...group, ...rest];
        this.onFailed(seg, failed, err);
        for (const f of failed) f.reject(err);
      }
    }
  }

  private async writerFor(seg: S): Promise<SegmentWriter> {
    if (this.writer && this.writer.seq === seg.seq && !this.writer.broken) return this.writer;
    if (this.writer) await this.closeWriter();
    this.writer = await SegmentWriter.create(seg.seq, seg.path, this.fsync !== 'never');
    return this.writer;
  }

  private async closeWriter(): Promise<void> {
    const w = this.writer;
    this.writer = null;
    await w?.close(this.fsync !== 'never');
  }
}
