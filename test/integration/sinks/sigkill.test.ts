import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { naturalKey } from '../../../src/sinks/record-key.js';
import { mixed } from '../../unit/sinks/helpers/records.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'spooling-writer.ts');

interface Line { ack?: number; event?: string; spoolRows?: number; stats?: { replayedRecords: number } }

class Child {
  readonly lines: Line[] = [];
  private readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  constructor(args: object) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => this.lines.push(JSON.parse(l) as Line));
    this.proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  lastAck(): number {
    return Math.max(0, ...this.lines.map((l) => l.ack ?? 0));
  }

  async until(cond: () => boolean, what: string, timeoutMs = 40_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`child: timed out waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`);
      if (this.proc.exitCode !== null) throw new Error(`child exited (${this.proc.exitCode}) before ${what}; stderr: ${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  kill9(): void {
    this.proc.kill('SIGKILL');
  }
}

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-kill-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('SIGKILL mid-run', () => {
  it('kill -9 while spooling, restart: spool replayed first, no gap, no duplicate, nothing acknowledged lost (fsync always)', async () => {
    const db = join(dir, 'tickgate.db');
    const spool = join(dir, 'spool');
    const blockFile = join(dir, 'block');
    const base = { db, spool, blockFile, fsync: 'always', ackEvery: 25 };

    const first = new Child({ ...base, from: 0, to: 1_000_000 });
    await first.until(() => first.lastAck() >= 200, 'ack 200 (healthy writes)');
    writeFileSync(blockFile, '');
    const blockedAt = first.lastAck();
    await first.until(() => first.lastAck() >= blockedAt + 400, 'ack while spooling');
    first.kill9();
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    const acked = first.lastAck();
    expect(readdirSync(spool).some((f) => f.endsWith('.seg'))).toBe(true);

    rmSync(blockFile);
    const total = acked + 200;
    const second = new Child({ ...base, from: acked, to: total });
    await second.until(() => second.lines.some((l) => l.event === 'done'), 'restart to finish');
    expect((await second.exited).code).toBe(0);
    const started = second.lines.find((l) => l.event === 'started')!;
    expect(started.spoolRows).toBeGreaterThanOrEqual(acked - blockedAt - 25);
    expect(second.lines.find((l) => l.event === 'drained')!.stats!.replayedRecords).toBeGreaterThan(0);

    const conn = new Database(db, { readonly: true });
    const stored = new Set<string>();
    for (const t of ['snapshots', 'time_candles', 'tick_candles']) {
      const rows = conn.prepare(`SELECT * FROM ${t}`).all() as Record<string, unknown>[];
      for (const r of rows) {
        stored.add(t === 'snapshots' ? `snapshot|${r['venue']}|${r['symbol']}|${r['start_time']}`
          : t === 'time_candles' ? `candle|${r['venue']}|${r['symbol']}|${r['interval_name']}|${r['start_time']}`
          : `candle|${r['venue']}|${r['symbol']}|${r['interval_name']}|#${r['first_trade_key']}`);
      }
    }
    const rowCount = ['snapshots', 'time_candles', 'tick_candles']
      .map((t) => (conn.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n).reduce((a, b) => a + b, 0);
    conn.close();
    const expected = mixed(0, total).map(naturalKey);
    // Every acknowledged record (and everything re-sent after it) is there: no gap.
    expect(expected.filter((k) => !stored.has(k))).toEqual([]);
    // Nothing beyond what was sent, one row per key.
    expect(rowCount).toBe(expected.length);
    // Fully replayed segments are gone.
    expect(readdirSync(spool).filter((f) => f.endsWith('.seg'))).toEqual([]);
  }, 90_000);
});
