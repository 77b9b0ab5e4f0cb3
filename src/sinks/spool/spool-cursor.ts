/**
 * <dir>/cursor.json: the replay position, rewritten after acks off the event loop (acks arriving
 * meanwhile coalesce into one more write) and not fsynced: losing it only makes replay start
 * earlier, and every sink write is idempotent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpoolPosition } from './segments.js';

export class SpoolCursorFile {
  private readonly path: string;
  private saving: Promise<void> | null = null;
  private dirty = false;

  /** `position` is read at write time (the newest one is written); `closed` stops further rewrites. */
  constructor(dir: string, private readonly position: () => SpoolPosition, private readonly closed: () => boolean) {
    this.path = join(dir, 'cursor.json');
  }

  /** The saved position, or the start when there is none or it is unreadable. */
  load(): SpoolPosition {
    if (!existsSync(this.path)) return { seq: 0, offset: 0 };
    try {
      const c = JSON.parse(readFileSync(this.path, 'utf8')) as { seq?: unknown; offset?: unknown };
      if (typeof c.seq === 'number' && typeof c.offset === 'number' && c.seq >= 0 && c.offset >= 0) return { seq: c.seq, offset: c.offset };
    } catch {
      // Unreadable cursor: replay from the oldest segment (idempotent sinks absorb the repeats).
    }
    return { seq: 0, offset: 0 };
  }

  /** Schedules a rewrite; one runs at a time. */
  save(): void {
    this.dirty = true;
    if (this.saving) return;
    this.saving = (async () => {
      while (this.dirty && !this.closed()) { this.dirty = false; await this.write(); }
    })().finally(() => { this.saving = null; });
  }

  /** Waits for a rewrite in progress, then writes the position once more (at close). */
  async flush(): Promise<void> {
    await this.saving;
    await this.write();
  }

  private async write(): Promise<void> {
    try {
      await writeFile(`${this.path}.tmp`, JSON.stringify(this.position()));
      await rename(`${this.path}.tmp`, this.path);
    } catch {
      // Only an optimization: without it replay restarts earlier.
    }
  }
}
